import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { RuntsError } from '../errors';

// Options of exec that take a value: everything after the container ID is
// the command, so main.ts splits the arguments there (see splitExecArgs).
export const VALUE_OPTIONS = ['--console-socket', '--pidfd-socket', '--cwd', '--env', '-e', '--user', '-u', '--additional-gids', '-g', '--process', '-p', '--pid-file', '--cap', '-c', '--apparmor', '--process-label', '--preserve-fds', '--cgroup', '--format', '--root', '--log', '--log-format'];

// ["exec", "-t", "id", "ls", "-l"] -> ["exec", "-t", "id", "--", "ls", "-l"]
export function splitExecArgs(argv: string[]): string[] {
  const at = argv.indexOf('exec');
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv;
    if (VALUE_OPTIONS.includes(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
  }
  return argv;
}

// Repeatable options (not yargs arrays, which would swallow the container ID).
function list<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

type ExecArgs = IdArgs & {
  '--'?: string[];
  command?: string[];
  process?: string;
  tty: boolean;
  consoleSocket?: string;
  pidfdSocket?: string;
  detach: boolean;
  pidFile?: string;
  env?: string | string[];
  cwd?: string;
  user?: string;
  additionalGids?: number | number[];
  cap?: string | string[];
  noNewPrivs: boolean;
  apparmor?: string;
  processLabel?: string;
  preserveFds: number;
  ignorePaused: boolean;
  dryRun: boolean;
  format: 'text' | 'json';
  cgroup?: string | string[];
};

export const command = {
  command: 'exec <id> [command..]',
  describe: 'run a new process in a running container',
  builder: (y: Argv) =>
    y
      .positional('id', idPositional)
      .positional('command', { type: 'string', array: true, describe: 'the program and its arguments' })
      .option('process', { alias: 'p', type: 'string', describe: 'a runtime-spec process JSON file (- for stdin) instead of a command' })
      .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a terminal' })
      .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master' })
      .option('pidfd-socket', { type: 'string', describe: 'AF_UNIX socket that receives a pidfd of the process (SCM_RIGHTS, as runc 1.5)' })
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the process' })
      .option('pid-file', { type: 'string', describe: 'write the process pid to this file' })
      .option('env', { alias: 'e', type: 'string', describe: 'set KEY=value (repeatable)' })
      .option('cwd', { type: 'string', describe: 'working directory in the container' })
      .option('user', { alias: 'u', type: 'string', describe: 'uid[:gid]' })
      .option('additional-gids', { alias: 'g', type: 'number', describe: 'additional group ids' })
      .option('cap', { alias: 'c', type: 'string', describe: 'add a capability (repeatable)' })
      .option('no-new-privs', { type: 'boolean', default: false, describe: 'set no_new_privs' })
      .option('apparmor', { type: 'string', describe: 'AppArmor profile' })
      .option('process-label', { type: 'string', describe: 'SELinux label' })
      .option('preserve-fds', { type: 'number', default: 0, describe: 'pass fds 3..3+N-1 to the process' })
      .option('cgroup', { type: 'string', describe: 'join this (existing) sub-cgroup of the container: [<controller>[,<controller>]:]<path> (repeatable with controllers)' })
      .option('ignore-paused', { type: 'boolean', default: false, describe: 'exec even into a paused container' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'print the instructions, do nothing' })
      .option('format', { choices: ['text', 'json'], default: 'text', describe: 'with --dry-run: text for people, json for tools' })
      .parserConfiguration({ 'populate--': true, 'boolean-negation': false }),
  handler: async (a: ExecArgs) => {
    const { exec } = require('../container/exec') as typeof import('../container/exec');
    process.exitCode = await exec({
      root: a.root,
      id: a.id,
      command: [...(a.command ?? []), ...(a['--'] ?? [])].map(String),
      processFile: a.process,
      tty: a.tty,
      consoleSocket: a.consoleSocket,
      pidfdSocket: a.pidfdSocket && require('node:path').resolve(a.pidfdSocket),
      detach: a.detach,
      pidFile: a.pidFile,
      env: list(a.env),
      cwd: a.cwd,
      user: a.user,
      additionalGids: list(a.additionalGids)?.map(Number),
      caps: list(a.cap),
      noNewPrivs: a.noNewPrivs,
      apparmor: a.apparmor,
      processLabel: a.processLabel,
      preserveFds: a.preserveFds,
      ignorePaused: a.ignorePaused,
      dryRun: a.dryRun,
      dryRunFormat: a.format,
      cgroup: list(a.cgroup),
    }).catch((err) => {
      // runts's own failure, not the process's status: 255, as runc.
      if (err instanceof RuntsError) err.exitStatus = 255;
      throw err;
    });
  },
};
