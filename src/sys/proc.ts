// Facts about processes, read from /proc.
import { readSmallFile } from './files';

export interface ProcStat {
  state: string;
  ppid: number;
  startTime: string; // field 22, in clock ticks since boot: pid + this names one process
}

// One line, well under 1 KiB; list reads it for every container.
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readSmallFile(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count
  // fields after the last ')'. Field 3 is the state, 4 the parent, 22 the
  // start time (no split: list reads this for every container).
  const stateAt = text.lastIndexOf(')') + 2;
  const ppidAt = text.indexOf(' ', stateAt) + 1;
  let at = stateAt;
  for (let field = 3; field < 22 && at > 0; field++) at = text.indexOf(' ', at) + 1;
  if (at <= 0) return undefined;
  const end = text.indexOf(' ', at);
  return {
    state: text.slice(stateAt, ppidAt - 1),
    ppid: Number(text.slice(ppidAt, text.indexOf(' ', ppidAt))),
    startTime: text.slice(at, end < 0 ? undefined : end),
  };
}

// Alive and the same process as recorded (not a reused pid), and not a zombie.
export function isAlive(pid: number, startTime: string): boolean {
  const st = readStat(pid);
  return !!st && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}
