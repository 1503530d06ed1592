// libc through koffi, in one place. Loaded on first use only: commands that
// just read state (state, list) never pay for koffi.
import type * as Koffi from 'koffi';

export interface Libc {
  koffi: typeof Koffi;
  prctl: (option: number, arg2: number, arg3: number, arg4: number, arg5: number) => number;
  flock: (fd: number, op: number) => number;
  waitpid: ((pid: number, status: Buffer, options: number) => number) & {
    async: (pid: number, status: Buffer, options: number, cb: (err: unknown, res: number) => void) => void;
  };
  mkfifo: (path: string, mode: number) => number;
  kill: (pid: number, sig: number) => number;
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
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    flock: lib.func('int flock(int, int)'),
    waitpid: lib.func('int waitpid(int, _Out_ uint8_t *status, int)') as unknown as Libc['waitpid'],
    mkfifo: lib.func('int mkfifo(const char *, uint32_t)'),
    kill: lib.func('int kill(int, int)'),
    umount2: lib.func('int umount2(const char *, int)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

export const PR_SET_CHILD_SUBREAPER = 36;
export const LOCK_EX = 2;
export const MNT_DETACH = 2;

// Decode a wait status as the shell does: the exit code, or 128+signal.
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  if (sig === 0) return (status >> 8) & 0xff;
  return 128 + sig;
}
