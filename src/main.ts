// The runts command line: global options, then one thin module per command
// (src/cli/). A user error prints one line and exits 1, never a stack trace.
import type { Argv } from 'yargs';
import { configureLog, error, print } from './log';
import { RuntsError, describe } from './errors';
import { COMMAND_FILES, CommandModule, fastParse } from './cli/fast';
import { canonicalArgs } from './cli/argforms';
import { exitNow, exitThroughNode } from './sys/exit';

// The options every command takes (runc's global options). native/launcher.c
// knows which of them take a value, to find the command word.
export function globalOptions(y: Argv): Argv {
  return y
    .option('root', { type: 'string', describe: 'directory for container state (default /run/runts; rootless: $XDG_RUNTIME_DIR/runts)', global: true })
    .option('log', { type: 'string', describe: 'append log lines to this file', global: true })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'log line format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'log debug messages', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use systemd to manage cgroups', global: true })
    .option('rootless', { type: 'string', default: 'auto', describe: 'rootless mode: true, false or auto (auto: when not root over the host); docs/rootless.md', global: true })
    .option('criu', { type: 'string', default: 'criu', describe: 'the criu binary checkpoint and restore run (a path, or a name on PATH)', global: true });
}

function versionText(): string {
  let info = { version: 'unknown', commit: 'unknown' };
  try {
    info = require('./version.json');
  } catch {
    /* built without version.json */
  }
  // As runc's: the libseccomp in use, read from the library itself.
  const { libseccompVersion } = require('./seccomp') as typeof import('./seccomp');
  const seccomp = libseccompVersion();
  return `runts version ${info.version}\ncommit: ${info.commit}\nspec: 1.3.0\nnode: ${process.version}\n${seccomp ? `libseccomp: ${seccomp}\n` : ''}`;
}

function fail(msg: string, fields?: object, status = 1): never {
  error(msg, fields);
  exitNow(status);
}

export async function main(argv: string[]): Promise<void> {
  await runCommand(argv);
  // The command is done and its output written: exit now, with
  // process.exitCode, without Node's teardown.
  exitNow();
}

// runc's `help [command]` (alias `h`): the command word's position is after
// the global options, and those that take a value take the next word too.
export const HELP_WORDS = ['help', 'h'];
const GLOBALS_WITH_VALUE = ['--root', '--log', '--log-format', '--criu', '--rootless'];
export function rewriteHelp(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += GLOBALS_WITH_VALUE.includes(argv[i]) ? 2 : 1;
  if (i >= argv.length || !HELP_WORDS.includes(argv[i])) return argv;
  const rest = argv.slice(i + 1);
  return [...argv.slice(0, i), ...(rest.length ? [rest[0], '--help'] : ['--help'])];
}

// The first word after the global options, if any.
function commandWord(argv: string[]): string | undefined {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += GLOBALS_WITH_VALUE.includes(argv[i]) ? 2 : 1;
  return argv[i];
}

async function runCommand(argv: string[]): Promise<void> {
  // An unknown command fails, with or without -h, in runc's words and with
  // its exit status (3), so a script never takes help output for success.
  argv = canonicalArgs(rewriteHelp(argv), globalOptions);
  const word = commandWord(argv);
  if (word !== undefined && !(word in COMMAND_FILES)) {
    error(`No help topic for '${word}'`);
    exitNow(3);
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    // `runts [global options] --version`, not an option of a command.
    if (!argv.some((a) => a in COMMAND_FILES)) {
      print(versionText());
      return;
    }
  }
  try {
    const fast = fastParse(argv, globalOptions);
    if (fast) {
      const a = fast.args;
      configureLog({ log: a.log as string | undefined, logFormat: a.logFormat as string, debug: a.debug as boolean });
      resolveGlobals(a, argv[argv.findIndex((w) => w in COMMAND_FILES)]);
      await fast.module.handler(a);
      return;
    }
  } catch (err) {
    report(err);
  }
  await parseWithYargs(argv);
}

// --rootless to a boolean, and --root's default (src/rootless.ts), which,
// as runc's, depends on who runs runts, not on the flag (bin/runts's own
// commands, native/direct/, pick it so too). Commands that keep no state
// need no root.
const STATELESS = ['spec', 'features', 'help', 'h'];
export function resolveGlobals(a: Record<string, unknown>, command: string | undefined): void {
  const { defaultRoot, isRootless } = require('./rootless') as typeof import('./rootless');
  a.rootless = isRootless(a.rootless);
  if (a.root === undefined && !STATELESS.includes(command ?? '')) a.root = defaultRoot(isRootless('auto'));
}

function report(err: unknown): never {
  if (err instanceof RuntsError) fail(err.message, err.fields(), err.exitStatus);
  const e = err as Error;
  if (process.argv.includes('--debug')) print(`${e.stack}\n`, 2);
  fail(`internal error: ${describe(err)}`);
}

async function parseWithYargs(argv: string[]): Promise<void> {
  exitThroughNode(); // yargs writes help and usage through Node's streams
  try {
    await yargsParser(argv).parseAsync();
  } catch (err) {
    report(err);
  }
}

// yargs with every command; `run` calls a command's handler (the unit tests
// give one that records what the handler would receive).
export function yargsParser(argv: string[], run = (m: CommandModule, a: any): unknown => m.handler(a)): Argv {
  // exec's command is everything after the container ID, options included.
  if (argv.includes('exec')) argv = (require('./cli/exec') as typeof import('./cli/exec')).splitExecArgs(argv);
  const yargs = require('yargs') as typeof import('yargs');
  let y = globalOptions(yargs(argv)
    .scriptName('runts')
    .usage('Usage: runts [global options] <command> [command options] [arguments...]\n\nAn OCI container runtime, a drop-in for runc.'))
    .middleware((a) => {
      configureLog({ log: a.log as string | undefined, logFormat: a.logFormat as string, debug: a.debug as boolean });
      resolveGlobals(a, String(a._[0] ?? ''));
    })
    .version(false)
    .help('help')
    .alias('help', 'h')
    .parserConfiguration({ 'boolean-negation': false })
    .strictCommands()
    .strictOptions()
    .demandCommand(1, 'a command is required (see runts --help)')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      fail(msg);
    });
  for (const file of new Set(Object.values(COMMAND_FILES))) {
    const m = require(`./cli/${file}`).command as CommandModule;
    y = y.command({ ...m, handler: (a: any) => run(m, a) } as any);
  }
  return y;
}
