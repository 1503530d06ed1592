// start: open the barrier the init waits on, so it goes on to exec the
// user's program; then the poststart hooks.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import { runHooksWarning } from './hooks';
import { barrierPath, containerDir, lockContainer, readSaved, statusOf, toState } from './state';
import { removeFile } from '../sys/files';
import { isAlive } from '../sys/proc';
import { sleepSync } from '../sys/sleep';

// heldLock: the container's lock, taken already (run's create); closed here.
export function start(root: string, id: string, heldLock?: number): void {
  const dir = containerDir(root, id);
  const lock = heldLock ?? lockContainer(dir);
  try {
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status !== 'created') throw new RuntsError(`cannot start container "${id}": it is ${status}, not created`);
    try {
      releaseBarrier(dir, saved.pid, saved.startTime, id);
    } finally {
      removeFile(barrierPath(dir));
    }
    runHooksWarning('poststart', saved.hooks?.poststart, toState(saved, 'running'));
  } finally {
    fs.closeSync(lock);
  }
}

// A non-blocking open never hangs on a dead init; the init's blocked open
// then completes and it writes one byte. EOF while the init lives means it
// has not reached the barrier yet: wait for it. After the byte, the init
// keeps the write end open until it execs the program (close-on-exec), so
// reading on to EOF waits for the startContainer hooks and the exec; a
// failure on the way arrives as an "error ..." line.
function releaseBarrier(dir: string, pid: number, startTime: string, id: string): void {
  const fd = fs.openSync(barrierPath(dir), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(4096);
    let released = false;
    let said = '';
    for (;;) {
      let n = -1;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n > 0) {
        const text = buf.subarray(0, n).toString();
        if (!released) {
          released = true;
          said += text.slice(1);
        } else said += text;
        continue;
      }
      if (n === 0) {
        if (released) break; // exec happened (or the process died: see below)
        if (!isAlive(pid, startTime)) throw new RuntsError(`cannot start container "${id}": its process exited`);
      }
      sleepSync(0.2); // the init is at most a few ms away: poll finely
    }
    const error = said.split('\n').find((l) => l.startsWith('error '));
    if (error) throw new RuntsError(`start: ${error.slice(6)}`);
  } finally {
    fs.closeSync(fd);
  }
}
