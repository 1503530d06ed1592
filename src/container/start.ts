// start: open the barrier the init waits on, so it goes on to exec the
// user's program; then the poststart hooks.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import { warn } from '../log';
import { runHooks } from './hooks';
import { barrierPath, containerDir, lockContainer, readSaved, statusOf, toState } from './state';
import { isAlive } from '../sys/proc';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function start(root: string, id: string): void {
  const dir = containerDir(root, id);
  const lock = lockContainer(dir);
  try {
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status !== 'created') throw new RuntsError(`cannot start container "${id}": it is ${status}, not created`);
    releaseBarrier(dir, saved.pid, saved.startTime, id);
    fs.unlinkSync(barrierPath(dir));
    try {
      runHooks('poststart', saved.hooks?.poststart, toState(saved, 'running'));
    } catch (err) {
      warn((err as Error).message);
    }
  } finally {
    fs.closeSync(lock);
  }
}

// A non-blocking open never hangs on a dead init; the init's blocked open
// then completes and it writes one byte. EOF while the init lives means it
// has not reached the barrier yet: wait for it.
function releaseBarrier(dir: string, pid: number, startTime: string, id: string): void {
  const fd = fs.openSync(barrierPath(dir), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n === 1) return;
      if (!isAlive(pid, startTime)) throw new RuntsError(`cannot start container "${id}": its process exited`);
      Atomics.wait(sleeper, 0, 0, 1);
    }
  } finally {
    fs.closeSync(fd);
  }
}
