// A runts child process: what it wrote, its lines one at a time, and
// whether it keeps this process alive.
import { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

export function setReferenced(child: ChildProcess, on: boolean): void {
  const all = [child, ...child.stdio] as ({ ref?: () => void; unref?: () => void } | null)[];
  for (const x of all) (on ? x?.ref : x?.unref)?.call(x);
}

// A child to its end, with what it wrote on stdout and stderr (if piped).
export function collect(child: ChildProcess, opts: { stdout?: boolean } = {}): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (opts.stdout !== false) child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

// The lines of a stream, one per next(); undefined at its end.
export function lines(stream: Readable): { next: () => Promise<string | undefined> } {
  stream.setEncoding('utf8');
  const ready: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffered = '';
  let ended = false;
  const push = (line: string | undefined) => {
    const w = waiting.shift();
    if (w) w(line);
    else if (line !== undefined) ready.push(line);
  };
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const end = () => {
    if (ended) return;
    ended = true;
    if (buffered) push(buffered);
    buffered = '';
    while (waiting.length) push(undefined);
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    next: () => {
      if (ready.length) return Promise.resolve(ready.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
