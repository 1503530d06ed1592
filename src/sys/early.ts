// The runts-init that bin/runts started for this command while Node started
// (native/launcher.c; docs/init-protocol.md, "The early init"): an init for
// create, run and exec (_RUNTS_EARLY_INIT=PID:FD), the helper that takes the
// container's lock for start and delete (_RUNTS_EARLY_HELPER). We talk to it
// over our end of a socketpair: a blocking fd, read synchronously, not a
// libuv stream (that would need `net`, much of what forking one would cost).
import * as fs from 'node:fs';
import { readStat } from './proc';

export class Early {
  readonly lines: LineReader;
  private closed = false;
  constructor(
    readonly pid: number,
    readonly fd: number,
  ) {
    this.lines = new LineReader(fd);
  }

  write(buf: Buffer): void {
    for (let at = 0; at < buf.length; ) at += fs.writeSync(this.fd, buf, at);
  }

  // Its arguments: u32le length, then each argument ended by a NUL. False if
  // it is gone (it could not start, say).
  send(args: string[]): boolean {
    const text = Buffer.from(args.map((a) => a + '\0').join(''));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(text.length);
    try {
      this.write(Buffer.concat([header, text]));
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }
}

const VARIABLES = { init: '_RUNTS_EARLY_INIT', helper: '_RUNTS_EARLY_HELPER' } as const;
const taken = new Set<string>();

// Taken once; read at run time, never by a warm-up. Only what
// the launcher made: a socket, and a child of ours (not a variable that came
// from elsewhere, naming some fd of the caller's).
export function takeEarly(kind: keyof typeof VARIABLES): Early | undefined {
  const name = VARIABLES[kind];
  if (taken.has(name)) return undefined;
  taken.add(name);
  const m = /^(\d+):(\d+)$/.exec(process.env[name] ?? '');
  delete process.env[name];
  if (!m) return undefined;
  const pid = Number(m[1]);
  const fd = Number(m[2]);
  try {
    if (!fs.fstatSync(fd).isSocket() || readStat(pid)?.ppid !== process.pid) return undefined;
  } catch {
    return undefined;
  }
  return new Early(pid, fd);
}

// Lines from a blocking fd.
export class LineReader {
  private buffered = '';
  private readonly chunk = Buffer.alloc(65536);
  constructor(private readonly fd: number) {}

  // The next line, or undefined at EOF.
  next(): string | undefined {
    for (;;) {
      const nl = this.buffered.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return line;
      }
      let n: number;
      try {
        n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EINTR' || (err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw err;
      }
      if (n === 0) return undefined;
      this.buffered += this.chunk.toString('utf8', 0, n);
    }
  }

  // The first line that matches, read asynchronously (libuv's threadpool);
  // undefined at EOF or on an error.
  waitFor(re: RegExp): Promise<RegExpExecArray | undefined> {
    return new Promise((resolve) => {
      const scan = (): boolean => {
        let nl: number;
        while ((nl = this.buffered.indexOf('\n')) >= 0) {
          const m = re.exec(this.buffered.slice(0, nl));
          this.buffered = this.buffered.slice(nl + 1);
          if (m) {
            resolve(m);
            return true;
          }
        }
        return false;
      };
      const more = () => {
        if (scan()) return;
        withOneThreadPool(() =>
          fs.read(this.fd, this.chunk, 0, this.chunk.length, null, (err, n) => {
            if (err || n === 0) return resolve(undefined);
            this.buffered += this.chunk.toString('utf8', 0, n);
            more();
          }),
        );
      };
      more();
    });
  }
}

// libuv starts its threadpool, 4 threads unless UV_THREADPOOL_SIZE says
// otherwise, at the first request that needs it. runts has only this one
// read there at a time; the other three threads would cost about 2 ms to
// start and to join at exit. The variable is read once, at that first
// request, and removed at once: no process that runts starts later (a
// hook, say) inherits it.
function withOneThreadPool(request: () => void): void {
  const had = process.env.UV_THREADPOOL_SIZE;
  if (had === undefined) process.env.UV_THREADPOOL_SIZE = '1';
  try {
    request();
  } finally {
    if (had === undefined) delete process.env.UV_THREADPOOL_SIZE;
  }
}
