import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { print } from '../log';

export const createOptions = (y: Argv) =>
  y
    .positional('id', idPositional)
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle (the directory with config.json)' })
    .option('pid-file', { type: 'string', describe: 'write the container process pid to this file' })
    .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master when process.terminal is true' })
    .option('pidfd-socket', { type: 'string', describe: 'AF_UNIX socket that receives a pidfd of the container process (SCM_RIGHTS, as runc 1.5)' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'chroot instead of pivot_root (for a rootfs on a ramdisk)' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'keep the caller\'s session keyring' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass fds 3..3+N-1 to the container process' })
    .option('no-subreaper', { type: 'boolean', default: false, describe: 'run: the waiter does not reap what the container orphans (create never reaps: nothing to disable)' })
    .option('status-fd', { type: 'number', describe: 'stay until the container process exits: write "created PID" and then "exit STATUS" on this fd (the API\'s wait)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the instructions the bundle compiles to, and do nothing' })
    .option('format', { choices: ['text', 'json'], default: 'text', describe: 'with --dry-run: text for people, json for tools' });

export interface CreateArgs extends IdArgs {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  pidfdSocket?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  noSubreaper: boolean;
  statusFd?: number;
  dryRun: boolean;
  format: 'text' | 'json';
}

export function toCreateOptions(a: CreateArgs) {
  return {
    root: a.root,
    id: a.id,
    bundle: a.bundle,
    pidFile: a.pidFile,
    consoleSocket: a.consoleSocket,
    pidfdSocket: a.pidfdSocket && require('node:path').resolve(a.pidfdSocket),
    noPivot: a.noPivot,
    noNewKeyring: a.noNewKeyring,
    preserveFds: a.preserveFds,
    noSubreaper: a.noSubreaper,
    systemdCgroup: a.systemdCgroup,
    rootless: a.rootless,
  };
}

export const command = {
  command: 'create <id>',
  describe: 'create a container, its process waiting at the start barrier',
  builder: createOptions,
  handler: async (a: CreateArgs) => {
    const c = require('../container/create') as typeof import('../container/create');
    if (a.dryRun) {
      print(c.dryRun(toCreateOptions(a), a.format));
      return;
    }
    if (a.statusFd !== undefined) await createAndWait(c, a, a.statusFd);
    else await c.create(toCreateOptions(a));
  },
};

// create --status-fd (docs/api.md, "wait"): the init's waiter, as `run` has
// it, stays this process's child and reports the container process's own
// exit status; this process stays to pass it on. Nothing else changes: the
// container is created, and started by `runts start` as any other.
async function createAndWait(c: typeof import('../container/create'), a: CreateArgs, fd: number): Promise<void> {
  const fs = require('node:fs') as typeof import('node:fs');
  const { saved, launched, exitLock } = await c.create({ ...toCreateOptions(a), waiter: true });
  const say = (line: string) => {
    try {
      fs.writeSync(fd, line + '\n');
    } catch {
      /* the reader went away: the container runs on regardless */
    }
  };
  say(`created ${saved.pid}`);
  const status = await launched.status!;
  // The waiter locked the container through this open file before it
  // exited: let go of it at once, for delete.
  if (exitLock !== undefined) fs.closeSync(exitLock);
  say(status === undefined ? 'exit unknown' : `exit ${status}`);
}
