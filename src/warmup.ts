// Run once while the startup snapshot is made (scripts/bundle.mjs), never by
// a command. V8 keeps the bytecode of every function that has run by then, so
// the hot paths of create and run (parsing the command line, validating and
// checking a config, compiling and encoding the plan) start compiled instead
// of being compiled on first call: about 10 ms of every `run` (measured in
// docs/performance.md). Pure work only: no file is written, no process made.
import { globalOptions } from './main';
import { fastParse } from './cli/fast';
import { defaultSpec } from './spec/default';
import { validateConfigDoc } from './spec/load';
import { semanticErrors } from './spec/semantic';
import { compile, HostFacts } from './plan/compile';
import { encodePlan, formatPlan } from './plan/instructions';
import { resolveCgroupPath } from './cgroups';
import { checkContainerId } from './spec/semantic';

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
}
