// Run once while scripts/bundle.mjs makes the full bundle's code cache
// (build/runts-full.js and .cache: create, run, exec and the rarer
// commands), never by a command. The modules it loads are the bundle's, and
// V8's cache keeps the bytecode of every function that has run by then, so
// the hot paths (the command line; validating, checking and compiling a
// config and an exec) start compiled instead of being compiled on first
// call (measured in docs/performance.md). The light bundle's warm-up runs
// too: create and run read state as well. No process is made or signalled,
// and nothing is written outside a temporary directory, removed at the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globalOptions } from './main';
import { fastParse } from './cli/fast';
import { canonicalArgs } from './cli/argforms';
import { defaultSpec } from './spec/default';
import { validateConfigDoc } from './spec/load';
import { checkContainerId, semanticErrors } from './spec/semantic';
import { refusedField } from './spec/fields';
import { compile } from './plan/compile';
import { encodePlan, formatPlan } from './plan/instructions';
import { compileExec } from './plan/exec';
import { createCgroup, removeCgroup, resolveCgroupPath } from './cgroups/dirs';
import { applyResources } from './cgroups/apply';
import type { LinuxResources } from './cgroups/resources';
import type { CgroupIo } from './cgroups/fsio';
import { detectLayout } from './cgroups/layout';
import { hostFacts } from './plan/facts';
import type { Config } from './spec/types';
import { warmUpLight } from './warmup-light';
// What create, run and exec load besides: in the bundle, not compiled from
// build/ when a command first needs them.
import './container/create';
import './container/run';
import './container/exec';

const HEAVY_COMMAND_LINES = [
  ['--root', '/run/r', 'create', '--bundle', '/b', '--pid-file', '/b/pid', 'id'],
  ['run', '--bundle', '/b', '-d', 'id'],
  ['exec', '--pid-file', '/p', 'id', 'sh', '-c', 'true'],
  ['--root', '/run/r', 'exec', '--process', '/p.json', '--detach', '--pid-file', '/p', 'id'],
];

export function warmUp(): void {
  for (const argv of HEAVY_COMMAND_LINES) fastParse(canonicalArgs(argv, globalOptions), globalOptions);
  const config = defaultSpec();
  config.process!.terminal = false;
  // Resources as engines set them, beside the default device rules.
  config.linux!.resources = { ...config.linux!.resources, memory: { limit: 256 << 20 }, cpu: { shares: 512 }, pids: { limit: 1024 } };
  // A config as an engine writes it: round-tripped through JSON, then validated.
  const doc = validateConfigDoc(JSON.parse(JSON.stringify(config)));
  semanticErrors(doc, '/nonexistent-bundle');
  refusedField(doc);
  checkContainerId('warm-up');
  resolveCgroupPath(undefined, 'warm-up');
  withMadeUpCgroups((facts) => {
    const plan = compile({ config: doc, bundle: '/nonexistent-bundle', barrier: '/nonexistent-bundle/barrier', id: 'warm-up', facts });
    encodePlan(plan);
    formatPlan(plan);
  }, doc);
  const execPlan = compileExec({ pid: process.pid, namespaces: ['ipc', 'uts', 'net', 'pid', 'mnt'], process: doc.process!, preserveFds: 0, homeOf: () => '/root' });
  encodePlan(execPlan);
  warmUpLight();
}

// create's cgroup steps and delete's, on a made-up hybrid host: hierarchies
// that are plain directories in a temporary one, named by a mount table of
// its own (the build machine's cgroups are not touched, and its layout is
// not left cached for whoever else runs the warm-up), and a CgroupIo that
// writes nothing to them. Then `use` gets the host facts that create
// gathers, with that cgroup in them.
function withMadeUpCgroups(use: (facts: ReturnType<typeof hostFacts>) => void, config: Config): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-warm-up-'));
  try {
    // No cpuset: its files would be missing from a plain directory.
    const v1 = ['cpu,cpuacct', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd'];
    const mounts = v1.map((c, i) => `${30 + i} 25 0:${30 + i} / ${dir}/${c.replace('name=', '')} rw,nosuid - cgroup cgroup rw,${c}`);
    mounts.push(`40 25 0:40 / ${dir}/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate`);
    for (const line of mounts) fs.mkdirSync(line.split(' ')[4]);
    fs.writeFileSync(`${dir}/unified/cgroup.controllers`, 'cpu io memory pids\n');
    fs.writeFileSync(`${dir}/mountinfo`, mounts.join('\n') + '\n');
    const layout = detectLayout(`${dir}/mountinfo`);
    const record = createCgroup(resolveCgroupPath(undefined, 'warm-up'), layout);
    const written = new Map<string, string>(); // read back as written, as the kernel would here
    const io: CgroupIo = {
      write: (d, f, v) => void written.set(`${d}/${f}`, v),
      read: (d, f) => written.get(`${d}/${f}`) ?? '0',
      exists: () => true,
      attachDeviceFilter() {},
    };
    applyResources(record, (config.linux?.resources ?? {}) as LinuxResources, { io, layout, linuxDevices: config.linux?.devices });
    use(hostFacts(dir, record));
    removeCgroup(record);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
