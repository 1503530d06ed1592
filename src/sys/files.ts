// Small files, read and removed the cheap way: list reads two files for
// every container, and start and delete remove a few.
import * as fs from 'node:fs';

// One read(2) into a buffer kept for the purpose: readFileSync would fstat
// and make a new buffer each time (and, for a /proc file, whose size reads
// as 0, read twice). A file that fills the buffer is read whole.
const smallBuffer = Buffer.alloc(64 * 1024);

export function readSmallFile(file: string, encoding: 'utf8' | 'latin1'): string {
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
