// Receiving a pty master over a console socket (SCM_RIGHTS), as conmon and
// containerd's shim do; runts does it itself for `run -t` and `exec -t` in
// the foreground. libc through koffi: Node's net module cannot pass fds.
import { removeFile } from './files';
import { RuntsError } from '../errors';
import { getLibc } from './libc';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const TIOCSWINSZ = 0x5414;

export interface ConsoleLib {
  socket: (domain: number, type: number, proto: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  sendmsg: (fd: number, msg: Record<string, unknown>, flags: number) => number;
  pidfdOpen: (nr: number, pid: number, flags: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  listen: (fd: number, backlog: number) => number;
  accept4: (fd: number, addr: null, len: null, flags: number) => number;
  recvmsg: (fd: number, msg: Record<string, unknown>, flags: number) => number;
  ioctl: (fd: number, req: number, arg: Buffer) => number;
  close: (fd: number) => number;
}

let cached: ConsoleLib | undefined;
// Also src/sys/pidfd-socket.ts's: koffi's type names are registered once.
export function lib(): ConsoleLib {
  if (cached) return cached;
  const { koffi } = getLibc();
  const c = koffi.load('libc.so.6');
  koffi.struct('runts_iovec', { iov_base: 'void *', iov_len: 'size_t' });
  koffi.struct('runts_msghdr', {
    msg_name: 'void *', msg_namelen: 'uint32_t', msg_iov: 'runts_iovec *', msg_iovlen: 'size_t',
    msg_control: 'void *', msg_controllen: 'size_t', msg_flags: 'int',
  });
  cached = {
    socket: c.func('int socket(int, int, int)'),
    connect: c.func('int connect(int, void *, uint32_t)'),
    sendmsg: c.func('long sendmsg(int, runts_msghdr *, int)'),
    pidfdOpen: c.func('long syscall(long, int, unsigned int)'),
    bind: c.func('int bind(int, void *, uint32_t)'),
    listen: c.func('int listen(int, int)'),
    accept4: c.func('int accept4(int, void *, void *, int)'),
    recvmsg: c.func('long recvmsg(int, runts_msghdr *, int)'),
    ioctl: c.func('int ioctl(int, unsigned long, void *)'),
    close: c.func('int close(int)'),
  };
  return cached;
}

export function listenConsole(path: string): number {
  const l = lib();
  const fd = l.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new RuntsError(`console socket path too long: ${path}`);
  addr.write(path, 2);
  if (fd < 0 || l.bind(fd, addr, 110) !== 0 || l.listen(fd, 1) !== 0) {
    throw new RuntsError(`console socket ${path}: errno ${getLibc().errno()}`);
  }
  return fd;
}

// The init has connected and sent the master before it reported ready, so
// neither call blocks for long.
export function receiveConsole(listenFd: number): number {
  const l = lib();
  const conn = l.accept4(listenFd, null, null, SOCK_CLOEXEC);
  if (conn < 0) throw new RuntsError(`console socket: accept: errno ${getLibc().errno()}`);
  try {
    const data = Buffer.alloc(256);
    const ctl = Buffer.alloc(24); // CMSG_SPACE(sizeof(int))
    const msg = { msg_name: null, msg_namelen: 0, msg_iov: [{ iov_base: data, iov_len: data.length }], msg_iovlen: 1, msg_control: ctl, msg_controllen: ctl.length, msg_flags: 0 };
    if (l.recvmsg(conn, msg, 0) < 0) throw new RuntsError(`console socket: recvmsg: errno ${getLibc().errno()}`);
    if (ctl.readInt32LE(8) !== SOL_SOCKET || ctl.readInt32LE(12) !== SCM_RIGHTS) throw new RuntsError('console socket: no terminal was passed');
    return ctl.readInt32LE(16);
  } finally {
    l.close(conn);
  }
}

export function closeFd(fd: number): void {
  lib().close(fd);
}

export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  lib().ioctl(fd, TIOCSWINSZ, ws);
}

export function removeSocket(path: string): void {
  removeFile(path);
}
