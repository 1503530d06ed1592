// A user-facing error: printed as one line on stderr (and in --log), exit 1,
// never with a stack trace. Anything else that escapes is a bug in runts.
// Its fields say the same as the message, for programs (the API, and the
// json lines of --log-format json): pointer, the JSON pointer into the file
// (config.json) that is wrong; step, the step of a command that failed (an
// init instruction's label, say); code, the errno name of a failed call.
export interface RuntsErrorFields {
  file?: string;
  pointer?: string;
  step?: string;
  code?: string;
}

export class RuntsError extends Error implements RuntsErrorFields {
  // declare: only the fields that are set become properties.
  declare file?: string;
  declare pointer?: string;
  declare step?: string;
  declare code?: string;
  // The exit status to fail with (default 1): exec's own failures exit 255,
  // as runc's do, so they differ from any status of the process.
  declare exitStatus?: number;

  constructor(message: string, fields: RuntsErrorFields = parseFields(message)) {
    super(message);
    this.name = 'RuntsError';
    for (const k of ['file', 'pointer', 'step', 'code'] as const) if (fields[k] !== undefined) this[k] = fields[k];
  }

  fields(): RuntsErrorFields {
    const out: RuntsErrorFields = {};
    for (const k of ['file', 'pointer', 'step', 'code'] as const) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

// The fields of the messages runts writes, where a throw site gave none:
//   config.json: /linux/namespaces/2/type: must be one of ...
//   create: mount nonexistentfs on /x: ENODEV: No such device
// (an init's failure: `<command>: <step label>: <ERRNO>: <text>`).
export function parseFields(message: string): RuntsErrorFields {
  const cfg = /^([^:\s]+\.json): (\/[^:\s]*): /.exec(message);
  if (cfg) return { file: cfg[1], pointer: cfg[2] };
  const stepped = /^(?:[a-z]+: )?(.+?): (E[A-Z0-9]+)(?:: |$)/.exec(message);
  if (stepped) return { step: stepped[1], code: stepped[2] };
  return {};
}

export function errnoName(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' ? code : String(err);
}

// "open /x: ENOENT" for a Node fs error, keeping our own messages as they are.
export function describe(err: unknown): string {
  if (err instanceof RuntsError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return `${e.syscall}${e.path ? ' ' + e.path : ''}: ${e.code}`;
  }
  return e instanceof Error ? e.message : String(err);
}
