// Run once while the startup snapshot is made (scripts/bundle.mjs), never by
// a command. V8 keeps the bytecode of every function that has run by then, so
// the hot paths (parsing the command line; validating, checking and compiling
// a config and an exec; reading and listing state) start compiled instead of being
// compiled on first call (measured in docs/performance.md). Nothing is
// written outside a temporary directory, removed at the end, and no process
// is made or signalled.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globalOptions } from './main';
import { fastParse } from './cli/fast';
import { defaultSpec } from './spec/default';
import { validateConfigDoc } from './spec/load';
import { checkContainerId, semanticErrors } from './spec/semantic';
import { compile, HostFacts } from './plan/compile';
import { encodePlan, formatPlan } from './plan/instructions';
import { compileExec } from './plan/exec';
import { resolveCgroupPath } from './cgroups';
import { barrierPath, readSaved, Saved, SPEC_VERSION, statusOf, toState, writeSaved } from './container/state';
import { formatTable, listContainers } from './container/list';
import { parseSignal } from './container/kill';
import { readStat } from './sys/proc';

const COMMAND_LINES = [
  ['--root', '/run/r', 'create', '--bundle', '/b', '--pid-file', '/b/pid', 'id'],
  ['--root', '/run/r', '--log', '/b/log', '--log-format', 'json', 'start', 'id'],
  ['state', 'id'],
  ['kill', 'id', 'KILL'],
  ['kill', '--all', 'id', '9'],
  ['delete', '-f', 'id'],
  ['run', '--bundle', '/b', '-d', 'id'],
  ['list', '-q'],
  ['exec', '--pid-file', '/p', 'id', 'sh', '-c', 'true'],
];

export function warmUp(): void {
  for (const argv of COMMAND_LINES) fastParse(argv, globalOptions);
  const facts: HostFacts = {
    hasKcore: true,
    cgroupMounts: [],
    sourceKind: () => 'dir',
    homeOf: () => '/root',
  };
  const config = defaultSpec();
  config.process!.terminal = false;
  // A config as an engine writes it: round-tripped through JSON, then validated.
  const doc = validateConfigDoc(JSON.parse(JSON.stringify(config)));
  semanticErrors(doc, '/nonexistent-bundle');
  checkContainerId('warm-up');
  resolveCgroupPath(undefined, 'warm-up');
  const plan = compile({ config: doc, bundle: '/nonexistent-bundle', barrier: '/nonexistent-bundle/barrier', id: 'warm-up', facts });
  encodePlan(plan);
  formatPlan(plan);
  const execPlan = compileExec({ pid: process.pid, namespaces: ['ipc', 'uts', 'net', 'pid', 'mnt'], process: doc.process!, preserveFds: 0, homeOf: () => '/root' });
  encodePlan(execPlan);
  warmUpState();
}

// state, list and kill over two made-up containers whose process is this
// one: one created (its barrier is a plain file here), one running.
function warmUpState(): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-warm-up-'));
  try {
    for (const id of ['created', 'running']) {
      const dir = path.join(root, id);
      fs.mkdirSync(dir);
      const saved: Saved = {
        ociVersion: SPEC_VERSION,
        id,
        pid: process.pid,
        startTime: readStat(process.pid)?.startTime ?? '0',
        bundle: root,
        created: new Date().toISOString(),
        rootfs: root,
        pidNamespace: true,
        owner: '0',
      };
      writeSaved(dir, saved);
      if (id === 'created') fs.writeFileSync(barrierPath(dir), '');
      const back = readSaved(root, id);
      JSON.stringify(toState(back, statusOf(back, dir)), null, 2);
    }
    formatTable(listContainers(root));
    JSON.stringify(listContainers(root));
    parseSignal('KILL');
    parseSignal('9');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
