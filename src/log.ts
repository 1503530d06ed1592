// Logging in the forms engines read: --log FILE with --log-format text|json.
// containerd's shim reports the last json line of the log as the error.
import * as fs from 'node:fs';

type Level = 'debug' | 'info' | 'warning' | 'error';

let logFile: string | undefined;
let logFormat: 'text' | 'json' = 'text';
let debugEnabled = false;

export function configureLog(opts: { log?: string; logFormat?: string; debug?: boolean }): void {
  logFile = opts.log || undefined;
  logFormat = opts.logFormat === 'json' ? 'json' : 'text';
  debugEnabled = !!opts.debug;
}

function format(level: Level, msg: string): string {
  const time = new Date().toISOString();
  if (logFormat === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: Level, msg: string): void {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, format(level, msg));
  } catch {
    // A log we cannot write must not turn into a second failure.
  }
}

export function debug(msg: string): void {
  if (!debugEnabled) return;
  write('debug', msg);
  if (!logFile) process.stderr.write(`runts: debug: ${msg}\n`);
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
  if (!logFile) process.stderr.write(`runts: warning: ${msg}\n`);
}

export function error(msg: string): void {
  write('error', msg);
  process.stderr.write(`runts: ${msg}\n`);
}
