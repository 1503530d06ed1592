// --pidfd-socket (runc 1.5's create, run and exec): a pidfd of the
// container's process, sent over an AF_UNIX socket the caller listens on,
// with SCM_RIGHTS, as runc sends it: one message whose data is "standard"
// (the container's process, create and run) or "setns" (an exec'd one).
// runts connects before it starts anything (a socket it cannot reach fails
// the command first) and sends once the process exists.
import { RuntsError } from '../errors';
import { getLibc } from './libc';
import { lib } from './console';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const SYS_PIDFD_OPEN = 434; // x86_64 and aarch64 alike
const MSG_NOSIGNAL = 0x4000;

const errnoName = () => {
  const n = getLibc().errno();
  const { constants } = require('node:os') as typeof import('node:os');
  return Object.entries(constants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;
};

export function connectPidfdSocket(path: string): number {
  const l = lib();
  if (Buffer.byteLength(path) > 107) throw new RuntsError(`--pidfd-socket ${path}: path too long for a unix socket`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  const fd = l.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new RuntsError(`--pidfd-socket ${path}: socket: ${errnoName()}`);
  if (l.connect(fd, addr, 110) !== 0) {
    const e = errnoName();
    l.close(fd);
    throw new RuntsError(`--pidfd-socket ${path}: connect: ${e}`);
  }
  return fd;
}

// kind: "standard" for the container's process, "setns" for exec's.
export function sendPidfd(sock: number, pid: number, kind: 'standard' | 'setns'): void {
  sendPidfdFd(sock, openPidfd(pid), kind);
}

// A pidfd of pid: exec opens it while the process waits in a sync, so that
// one which exits at once cannot be reaped before (src/plan/exec.ts).
export function openPidfd(pid: number): number {
  const pidfd = lib().pidfdOpen(SYS_PIDFD_OPEN, pid, 0);
  if (pidfd < 0) throw new RuntsError(`--pidfd-socket: pidfd_open ${pid}: ${errnoName()}`);
  return pidfd;
}

// Sends pidfd and closes it.
export function sendPidfdFd(sock: number, pidfd: number, kind: 'standard' | 'setns'): void {
  const l = lib();
  try {
    const data = Buffer.from(kind);
    const ctl = Buffer.alloc(24); // CMSG_SPACE(sizeof(int)): len, level, type, the fd
    ctl.writeBigUInt64LE(20n, 0); // CMSG_LEN(sizeof(int))
    ctl.writeInt32LE(SOL_SOCKET, 8);
    ctl.writeInt32LE(SCM_RIGHTS, 12);
    ctl.writeInt32LE(pidfd, 16);
    const msg = { msg_name: null, msg_namelen: 0, msg_iov: [{ iov_base: data, iov_len: data.length }], msg_iovlen: 1, msg_control: ctl, msg_controllen: ctl.length, msg_flags: 0 };
    if (l.sendmsg(sock, msg, MSG_NOSIGNAL) < 0) throw new RuntsError(`--pidfd-socket: sendmsg: ${errnoName()}`);
  } finally {
    l.close(pidfd);
  }
}

export function closeSocket(sock: number): void {
  lib().close(sock);
}
