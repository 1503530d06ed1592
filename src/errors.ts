// A user-facing error: printed as one line on stderr (and in --log), exit 1,
// never with a stack trace. Anything else that escapes is a bug in runts.
export class RuntsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntsError';
  }
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
