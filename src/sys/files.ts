// Small files, read and removed the cheap way: list reads two files for
// every container, and start and delete remove a few.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtsAddon } from './addon';

// In one call to the addon where it is loaded (native/addon.c, readFile):
// Node's open, read and close from JavaScript cost about 40 µs a file on a
// host of the kind runts was measured on, the system calls 5
// (docs/performance.md, item 27). Its errors carry the errno's name as
// their code, as Node's do. Without the addon: one read(2) into a buffer
// kept for the purpose (readFileSync would fstat and make a new buffer each
// time and, for a /proc file, whose size reads as 0, read twice); a file
// that fills the buffer is read whole.
let smallBuffer: Buffer | undefined;

export function readSmallFile(file: string, encoding: 'utf8' | 'latin1'): string {
  const addon = runtsAddon();
  if (addon) return addon.readFile(file, encoding === 'latin1');
  smallBuffer ??= Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, smallBuffer, 0, smallBuffer.length, 0);
    if (n < smallBuffer.length) return smallBuffer.toString(encoding, 0, n);
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file, encoding);
}

// Remove a file that may be gone already. Not fs.rmSync: that loads and
// compiles Node's recursive remover (internal/fs/rimraf) even for one file.
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

// mkdir -p, each missing directory with mode. Not fs.mkdirSync's
// recursive mode: under a path where mkdir says ENOENT for ever (below
// /proc, say) that one loops without end.
export function mkdirParents(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      fs.mkdirSync(d, { mode });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (!fs.statSync(d).isDirectory()) throw Object.assign(new Error(`${d}: not a directory`), { code: 'ENOTDIR' });
        break;
      }
      if (code !== 'ENOENT' || d === path.dirname(d)) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
