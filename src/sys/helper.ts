// flock and mkfifo, which Node has no binding for. A command that has koffi
// loaded anyway (run and exec in the foreground, for waitpid) calls libc;
// the others have the native init do them in its helper mode (native/init.c,
// `--helper`): a spawn of that small static program costs about 2 ms, where
// loading koffi costs about 8, more than the rest of `start` or `delete`
// (docs/performance.md).
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import { INIT_BINARY } from '../container/launch';
import { loadedLibc, LOCK_EX } from './libc';

export type HelperOp = { op: 'flock'; fd: number } | { op: 'mkfifo'; path: string; mode: number };

// Carries out the operations in order; the first failure throws, naming it.
// flock: an exclusive lock on the open file, held until the caller closes it.
// mkfifo: the mode exactly, not narrowed by the umask.
export function runHelper(what: string, ops: HelperOp[]): void {
  const libc = loadedLibc();
  if (!libc) return spawnHelper(what, ops);
  for (const o of ops) {
    if (o.op === 'flock') {
      if (libc.flock(o.fd, LOCK_EX) !== 0) throw new RuntsError(`${what}: flock: errno ${libc.errno()}`);
    } else {
      if (libc.mkfifo(o.path, o.mode) !== 0) throw new RuntsError(`${what}: mkfifo ${o.path}: errno ${libc.errno()}`);
      fs.chmodSync(o.path, o.mode);
    }
  }
}

function spawnHelper(what: string, ops: HelperOp[]): void {
  const argv = ['--helper'];
  const fds: number[] = [];
  for (const o of ops) {
    if (o.op === 'flock') {
      argv.push('flock', String(3 + fds.length)); // the child's fd
      fds.push(o.fd);
    } else {
      argv.push('mkfifo', o.path, o.mode.toString(8));
    }
  }
  // Required here, not at the top: the startup snapshot holds no child_process.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const res = spawnSync(INIT_BINARY, argv, { stdio: ['ignore', 'ignore', 'pipe', ...fds], encoding: 'utf8' });
  if (res.error) throw new RuntsError(`${what}: start ${INIT_BINARY}: ${(res.error as NodeJS.ErrnoException).code ?? res.error.message}`);
  if (res.status !== 0) throw new RuntsError(`${what}: ${res.stderr.trim() || `helper: exit status ${res.status ?? res.signal}`}`);
}
