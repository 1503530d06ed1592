// What runts writes: a command's output on stdout, messages on stderr, and
// logging in the forms engines read (--log FILE with --log-format text|json;
// containerd's shim reports the last json line of the log as the error).
import * as fs from 'node:fs';
import { exitThroughNode } from './sys/exit';
import { RuntsError } from './errors';

type Level = 'debug' | 'info' | 'warning' | 'error';

let logFile: string | undefined;
let logFormat: 'text' | 'json' = 'text';
let debugEnabled = false;

// --log names a file runts must be able to append to: as runc, it is opened
// (made if missing) before the command runs, and one it cannot open is an error.
export function configureLog(opts: { log?: string; logFormat?: string; debug?: boolean }): void {
  logFile = undefined;
  if (opts.log) {
    try {
      fs.closeSync(fs.openSync(opts.log, 'a', 0o644));
    } catch (err) {
      throw new RuntsError(`--log ${opts.log}: cannot open: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  logFile = opts.log || undefined;
  logFormat = opts.logFormat === 'json' ? 'json' : 'text';
  debugEnabled = !!opts.debug;
}

// Writes text to fd 1 (stdout) or 2 (stderr) with write(2). Node's
// process.stdout and process.stderr load its stream modules when first
// touched, about 2 ms: more than state's whole work. A pipe that the caller
// made non-blocking (EAGAIN), or any other trouble, gets the rest through
// Node's stream, which copes (and then the command ends with Node's own
// exit, which flushes it: src/sys/exit.ts).
export function print(text: string, fd: 1 | 2 = 1): void {
  const buf = Buffer.from(text);
  let done = 0;
  try {
    while (done < buf.length) done += fs.writeSync(fd, buf, done);
  } catch {
    exitThroughNode();
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(done));
  }
}

// fields: a RuntsError's (pointer, step, ...), in json lines only.
function format(level: Level, msg: string, fields?: object): string {
  const time = isoNow();
  if (logFormat === 'json') return JSON.stringify({ level, msg, time, ...fields }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: Level, msg: string, fields?: object): void {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, format(level, msg, fields));
  } catch {
    // A log we cannot write must not turn into a second failure.
  }
}

export function debug(msg: string): void {
  if (!debugEnabled) return;
  write('debug', msg);
  if (!logFile) print(`runts: debug: ${msg}\n`, 2);
}

// A milestone of a command with the time since the process started (Node's
// own start included), for finding where a command spends its time.
export function step(what: string): void {
  if (debugEnabled) debug(`${what} at ${performance.now().toFixed(1)} ms`);
}

// With --log, warnings go only there: an engine's stderr may be the
// container's own log stream.
export function warn(msg: string): void {
  write('warning', msg);
  if (!logFile) print(`runts: warning: ${msg}\n`, 2);
}

export function error(msg: string, fields?: object): void {
  write('error', msg, fields);
  print(`runts: ${msg}\n`, 2);
}

// The time now as Date.prototype.toISOString() writes it (UTC, to the
// millisecond; for years 0 to 9999). That method's first call costs about
// 1 ms: V8 sets up its time zone data for it, which UTC does not need.
export function isoNow(ms = Date.now()): string {
  const days = Math.floor(ms / 86400000);
  const inDay = ms - days * 86400000;
  // Days since 1970-01-01 to a civil date (proleptic Gregorian), by eras of 400 years.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const h = Math.floor(inDay / 3600000);
  const m = Math.floor((inDay % 3600000) / 60000);
  const sec = Math.floor((inDay % 60000) / 1000);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(h)}:${pad(m)}:${pad(sec)}.${pad(inDay % 1000, 3)}Z`;
}
