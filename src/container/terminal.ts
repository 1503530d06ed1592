// A foreground terminal: runts receives the pty master on a console socket
// of its own and joins it to the caller's terminal (raw mode, window size at
// start and on SIGWINCH), until the container's process exits.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { clearOnlcr, closeFd, listenConsole, receiveConsole, removeSocket, setWindowSize } from '../sys/console';

export class ForegroundTerminal {
  readonly socketPath: string;
  private listenFd: number;
  private restore: (() => void)[] = [];

  constructor(root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    // tty and crypto are required where used: most containers have no terminal.
    const crypto = require('node:crypto') as typeof import('node:crypto');
    this.socketPath = path.join(root, `.console-${process.pid}-${crypto.randomBytes(4).toString('hex')}.sock`);
    this.listenFd = listenConsole(this.socketPath);
    this.restore.push(() => {
      closeFd(this.listenFd);
      removeSocket(this.socketPath);
    });
  }

  // After create: the master is waiting in the socket.
  attach(): void {
    const master = receiveConsole(this.listenFd);
    clearOnlcr(master);
    const out = process.stdout;
    if (out.isTTY) setWindowSize(master, out.rows, out.columns);
    const onResize = () => setWindowSize(master, out.rows, out.columns);
    process.on('SIGWINCH', onResize);
    const input = process.stdin;
    if (input.isTTY) {
      input.setRawMode(true);
      this.restore.push(() => input.setRawMode(false));
    }
    const tty = require('node:tty') as typeof import('node:tty');
    const fromPty = new tty.ReadStream(master);
    const toPty = new tty.WriteStream(master);
    fromPty.on('error', () => {
      /* EIO once the last slave is closed: the process is gone */
    });
    toPty.on('error', () => {});
    fromPty.pipe(out, { end: false });
    this.drained = new Promise<void>((resolve) => {
      fromPty.once('close', resolve);
      fromPty.once('end', resolve);
      fromPty.once('error', () => resolve());
    });
    input.pipe(toPty);
    this.restore.push(() => {
      process.off('SIGWINCH', onResize);
      input.unpipe(toPty);
      input.pause();
      fromPty.destroy();
      toPty.destroy();
    });
  }

  private drained: Promise<void> = Promise.resolve();

  // What the process wrote before it exited is still in the pty: copy it out
  // (briefly: a process left holding the slave must not keep us here).
  async drain(): Promise<void> {
    await Promise.race([this.drained, new Promise((r) => setTimeout(r, 300))]);
  }

  close(): void {
    for (const r of this.restore.reverse()) {
      try {
        r();
      } catch {
        /* best effort: the terminal must be given back whatever happened */
      }
    }
    this.restore = [];
  }
}
