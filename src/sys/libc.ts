// libc through koffi, in one place. Loaded on first use only: commands that
// just read state (state, list) never pay for koffi.
import type * as Koffi from 'koffi';

export interface Libc {
  koffi: typeof Koffi;
  flock: (fd: number, op: number) => number;
  umount2: (target: string, flags: number) => number;
  errno: () => number;
  waitpid: Koffi.KoffiFunc<(pid: number, status: number[], options: number) => number>;
}

let libc: Libc | undefined;

// The libc if this command has loaded it already, without loading it.
export function loadedLibc(): Libc | undefined {
  return libc;
}

export function getLibc(): Libc {
  if (libc) return libc;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const koffi = require('koffi') as typeof Koffi;
  const lib = koffi.load('libc.so.6');
  libc = {
    koffi,
    flock: lib.func('int flock(int, int)'),
    umount2: lib.func('int umount2(const char *, int)'),
    errno: () => koffi.errno(),
    waitpid: lib.func('int waitpid(int, _Out_ int *, int)'),
  };
  return libc;
}

const EINTR = 4;

// waitpid(pid) of a child Node did not spawn (restore's), on a thread of
// libuv's pool so that the event loop (signal forwarding) runs meanwhile.
// The raw wait status, or undefined when it cannot be had (not our child).
export function waitpidAsync(pid: number): Promise<number | undefined> {
  const c = getLibc();
  return new Promise((resolve) => {
    const once = () => {
      const status = [0];
      c.waitpid.async(pid, status, 0, (err: unknown, res: number) => {
        if (!err && res === pid) resolve(status[0]);
        else if (!err && res < 0 && c.errno() === EINTR) once();
        else resolve(undefined);
      });
    };
    once();
  });
}

export const LOCK_EX = 2;
export const MNT_DETACH = 2;
