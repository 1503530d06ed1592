// Facts about processes, read from /proc.
import * as fs from 'node:fs';

export interface ProcStat {
  state: string;
  startTime: string; // field 22, in clock ticks since boot: pid + this names one process
}

// One line, well under 1 KiB: one read into a buffer kept for the purpose
// (readFileSync would fstat, find size 0 and read twice). list does this for
// every container.
const statBuffer = Buffer.alloc(4096);

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    const fd = fs.openSync(`/proc/${pid}/stat`, 'r');
    try {
      text = statBuffer.toString('latin1', 0, fs.readSync(fd, statBuffer, 0, statBuffer.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: rest[19] };
}

// Alive and the same process as recorded (not a reused pid), and not a zombie.
export function isAlive(pid: number, startTime: string): boolean {
  const st = readStat(pid);
  return !!st && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}
