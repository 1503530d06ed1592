// libc through koffi, in one place. Loaded on first use only: commands that
// just read state (state, list) never pay for koffi.
import type * as Koffi from 'koffi';

export interface Libc {
  koffi: typeof Koffi;
  flock: (fd: number, op: number) => number;
  umount2: (target: string, flags: number) => number;
  errno: () => number;
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
  };
  return libc;
}

export const LOCK_EX = 2;
export const MNT_DETACH = 2;
