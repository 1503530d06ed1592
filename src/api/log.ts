// The CLI's json log (--log FILE --log-format json, src/log.ts), read back
// when a command ends: warnings passed on, the last error kept as the
// RuntsError the operation throws.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntsError, RuntsErrorFields } from '../errors';
import type { Ran } from './child';

// The --log file of one runts command, in a private directory of this
// process (removed at its exit).
let logDir: string | undefined;
let logSeq = 0;

export class Log {
  readonly file: string;
  error?: RuntsError;
  private read = false;

  constructor(private readonly onWarning: (message: string) => void) {
    if (!logDir) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-api-'));
      logDir = dir;
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    this.file = path.join(logDir, `${process.pid}-${++logSeq}.log`);
  }

  // Reads what was logged (warnings passed on, the last error kept) and
  // removes the file.
  done(): void {
    if (this.read) return;
    this.read = true;
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
      fs.rmSync(this.file, { force: true });
    } catch {
      return; /* nothing logged */
    }
    for (const line of text.split('\n')) {
      const e = errorOfLine(line);
      if (e?.level === 'warning') this.onWarning(e.error.message);
      else if (e?.level === 'error') this.error = e.error;
    }
  }
}

const FIELDS = ['file', 'pointer', 'step', 'code'] as const;

// One json log line of the CLI (src/log.ts, native/direct/).
function errorOfLine(line: string): { level: string; error: RuntsError } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof doc?.msg !== 'string' || typeof doc.level !== 'string') return undefined;
  const has = FIELDS.some((k) => typeof doc[k] === 'string');
  const fields: RuntsErrorFields = {};
  for (const k of FIELDS) if (typeof doc[k] === 'string') fields[k] = doc[k] as string;
  // Lines without fields (native/direct/ writes none): as the message says.
  return { level: doc.level, error: has ? new RuntsError(doc.msg, fields) : new RuntsError(doc.msg) };
}

// Where no log line came (runts could not start, say): its stderr.
export function errorOfStderr(ran: Ran, command: string | undefined): RuntsError {
  const text = ran.stderr.toString('utf8').trim().split('\n').pop() ?? '';
  if (text.startsWith('runts: ')) return new RuntsError(text.slice(7));
  return new RuntsError(`${command ?? 'runts'}: runts exited (${ran.signal ?? ran.code})${text ? `: ${text}` : ''}`, { step: command });
}
