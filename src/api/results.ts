// What comes back: a process's exit status, an exec's result, an event of
// `runts events`, an entry of `runts list`.
import * as os from 'node:os';
import type { State } from '../spec/types';

// What a process ended with. status is the shell's number (the exit code,
// or 128+signal), as the init's waiter reports it (docs/api.md, "wait").
export interface ExitStatus {
  status: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

// A finished exec, like child_process.spawnSync's result; stdout and
// stderr are what the process wrote there when they were 'pipe' (else empty).
export interface ExecResult<T extends string | Buffer = string> extends ExitStatus {
  pid?: number;
  stdout: T;
  stderr: T;
}

// One line of `runts events`: {type: "stats", id, data} or {type: "oom", id}.
export interface ContainerEvent {
  type: 'stats' | 'oom' | string;
  id: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
}

export interface ListEntry {
  id: string;
  pid: number;
  status: State['status'];
  bundle: string;
  created: string;
  owner: string;
  [key: string]: unknown;
}

export function exitStatus(status: number): ExitStatus {
  const names = os.constants.signals as Record<string, number>;
  if (status > 128) {
    const name = Object.keys(names).find((n) => names[n] === status - 128);
    if (name) return { status, exitCode: null, signal: name as NodeJS.Signals };
  }
  return { status, exitCode: status, signal: null };
}
