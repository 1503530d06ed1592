// Run once while the full startup snapshot (build/runts.blob: create, run,
// exec) is made by scripts/bundle.mjs, never by a command. V8 keeps the
// bytecode of every function that has run by then, so the hot paths (the
// command line; validating, checking and compiling a config and an exec)
// start compiled instead of being compiled on first call (measured in
// docs/performance.md). The light snapshot's warm-up runs too: create and
// run read state as well. No process is made or signalled.
import { globalOptions } from './main';
import { fastParse } from './cli/fast';
import { defaultSpec } from './spec/default';
import { validateConfigDoc } from './spec/load';
import { checkContainerId, semanticErrors } from './spec/semantic';
import { compile, HostFacts } from './plan/compile';
import { encodePlan, formatPlan } from './plan/instructions';
import { compileExec } from './plan/exec';
import { resolveCgroupPath } from './cgroups';
import { warmUpLight } from './warmup-light';

const HEAVY_COMMAND_LINES = [
  ['--root', '/run/r', 'create', '--bundle', '/b', '--pid-file', '/b/pid', 'id'],
  ['run', '--bundle', '/b', '-d', 'id'],
  ['exec', '--pid-file', '/p', 'id', 'sh', '-c', 'true'],
];

export function warmUp(): void {
  for (const argv of HEAVY_COMMAND_LINES) fastParse(argv, globalOptions);
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
  warmUpLight();
}
