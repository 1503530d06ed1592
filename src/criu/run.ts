// Running Debian's criu through its command line (docs/checkpoint.md says
// why not its RPC socket), and turning its failures into one line.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { RuntsError } from '../errors';
import { debug } from '../log';
import { findInPath } from '../rootless';

// Where criu and the tools it runs (iptables-restore, ip) are looked up. An
// engine may run runts with no PATH at all (podman's tests wrap it in env
// -i): then the usual one, not libc's default /bin:/usr/bin, which lacks
// the sbin directories.
const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const searchPath = () => process.env.PATH || STANDARD_PATH;

// The criu binary: --criu's value, a path or a name looked up on PATH (runc's default is "criu").
export function findCriu(criu = 'criu'): string {
  if (criu.includes('/')) {
    try {
      fs.accessSync(criu, fs.constants.X_OK);
      return criu;
    } catch {
      /* reported below */
    }
  } else {
    const found = findInPath(criu, searchPath());
    if (found) return found;
  }
  throw new RuntsError(`criu: ${criu} not found${criu.includes('/') ? '' : ' on PATH'} (install Debian's criu package, or name it with --criu PATH)`, { step: 'find criu', code: 'ENOENT' });
}

// The last error criu logged, for the one-line message.
export function lastCriuError(logFile: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const errors = text.split('\n').filter((l) => /\bError \(/.test(l) && !/(Dumping|Restoring) FAILED/.test(l));
  const line = errors[0] ?? text.split('\n').filter(Boolean).pop();
  // "(00.813544)      1: Error (criu/mount-v2.c:324): mnt-v2: ..." -> "mnt-v2: ..."
  return line?.replace(/^\(\s*[\d.]+\)\s*(\d+:\s*)?/, '').replace(/^Error \([^)]*\):\s*/, '').trim();
}

export interface CriuRun {
  criu: string;
  args: string[];
  what: string; // the step, as the message names it: "checkpoint: criu dump"
  logFile: string;
  // criu's fds: 0..2, then any more its options name (--inherit-fd, --status-fd).
  stdio: ('inherit' | 'ignore' | 'pipe' | number)[];
}

export function runCriu(r: CriuRun): void {
  debug(`${r.what}: ${r.criu} ${r.args.join(' ')}`);
  const res = spawnSync(r.criu, r.args, { stdio: r.stdio, encoding: 'utf8', env: { ...process.env, PATH: searchPath() } });
  if (res.error) throw new RuntsError(`${r.what}: cannot run ${r.criu}: ${(res.error as NodeJS.ErrnoException).code}`, { step: r.what, code: (res.error as NodeJS.ErrnoException).code });
  if (res.status === 0) return;
  const why = lastCriuError(r.logFile) ?? (typeof res.stderr === 'string' ? res.stderr.trim().split('\n').pop() : undefined) ?? 'no log';
  const status = res.signal ? `killed by ${res.signal}` : `exit ${res.status}`;
  throw new RuntsError(`${r.what} failed (${status}): ${why}; criu's log: ${r.logFile}`, { step: r.what });
}
