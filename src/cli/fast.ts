// The fast path of the command line. yargs costs about 30 ms to load and run,
// more than most commands' own work, so the usual, simple invocations engines
// make (`runts --root R kill ID KILL`, `runts state ID`, `runts create --bundle
// B --pid-file F ID`) are parsed here, from the very option definitions the
// yargs builders declare (recorded by a stand-in for yargs, never written
// twice). Anything unusual (--help, an unknown or repeated option, a bad
// choice, a missing argument, `--`) returns undefined and goes to yargs,
// which prints its usual messages.

export interface OptionSpec {
  type?: 'string' | 'boolean' | 'number';
  alias?: string;
  default?: unknown;
  choices?: string[];
  array?: boolean;
}

export interface CommandModule {
  command: string;
  aliases?: string[];
  builder?: ((y: any) => unknown) | Record<string, never>;
  handler: (args: any) => unknown;
}

export interface Parsed {
  module: CommandModule;
  args: Record<string, unknown>;
}

// Records .option() and .positional() calls of a yargs builder.
export class Recorder {
  options = new Map<string, OptionSpec>();
  special = false; // the builder changes parsing (parserConfiguration): leave it to yargs
  option(name: string, spec: OptionSpec) {
    this.options.set(name, spec);
    return this;
  }
  positional() {
    return this;
  }
  // Settings the fast path already follows (it never negates --no-* flags, it
  // leaves `--` and unknown options to yargs, and a [rest..] positional takes
  // every argument after the others) are fine; any other changes parsing.
  parserConfiguration(config: Record<string, boolean>) {
    const followed: Record<string, boolean> = { 'populate--': true, 'boolean-negation': false, 'unknown-options-as-args': true };
    if (Object.entries(config).some(([k, v]) => followed[k] !== v)) this.special = true;
    return this;
  }
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const COMMAND_FILES: Record<string, string> = {
  create: 'create', start: 'start', state: 'state', kill: 'kill', delete: 'delete', run: 'run', list: 'list', ls: 'list',
  spec: 'spec', exec: 'exec', features: 'features', update: 'update', pause: 'pause', resume: 'resume', ps: 'ps', events: 'events',
  checkpoint: 'checkpoint', restore: 'restore',
};

// A command string's positionals: `exec <id> [command..]` -> declared
// ['<id>'], rest '[command..]'.
export function splitPositionals(command: string): { declared: string[]; rest?: string } {
  const declared = command.split(/\s+/).slice(1);
  const rest = /^\[[^.]+\.\.\]$/.test(declared[declared.length - 1] ?? '') ? declared.pop()! : undefined;
  return { declared, rest };
}

export function fastParse(argv: string[], globals: (y: any) => unknown): Parsed | undefined {
  const global = new Recorder();
  globals(global);
  // Global options come first, as runc's command line has them.
  const args: Record<string, unknown> = {};
  let i = 0;
  const take = (rec: Recorder, allowGlobal: boolean): boolean | undefined => {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : a.length === 2 ? a[1] : '';
    const find = (r: Recorder) => [...r.options].find(([n, s]) => n === flag || s.alias === flag);
    const hit = find(rec) ?? (allowGlobal ? find(global) : undefined);
    if (!hit) return undefined;
    const [name, spec] = hit;
    if (spec.array || name === 'help' || camel(name) in args) return undefined;
    let value: unknown;
    if (spec.type === 'boolean') {
      if (eq > 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') return undefined;
        value = v === 'true';
      } else value = true;
    } else {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('-') && spec.type !== 'number')) return undefined;
      if (spec.choices && !spec.choices.includes(v)) return undefined;
      value = spec.type === 'number' ? Number(v) : v;
      if (spec.type === 'number' && !Number.isFinite(value as number)) return undefined;
    }
    args[camel(name)] = value;
    i++;
    return true;
  };
  while (i < argv.length && argv[i].startsWith('-')) if (!take(global, false)) return undefined;
  const name = argv[i++];
  const file = name && COMMAND_FILES[name];
  if (!file) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const module = require(`./${file}`).command as CommandModule;
  const rec = new Recorder();
  if (typeof module.builder === 'function') module.builder(rec);
  if (rec.special) return undefined;
  // Positionals from the command string: <required> and [optional], and a
  // last [rest..] that takes everything after the others, options included
  // (exec's command: `runts exec ID ls -l`).
  const { declared, rest } = splitPositionals(module.command);
  if (declared.some((d) => d.includes('..'))) return undefined;
  const positionals: string[] = [];
  let restArgs: string[] = [];
  while (i < argv.length) {
    const a = argv[i];
    if (a === '--' || a === '-h') return undefined;
    if (rest && positionals.length === declared.length) {
      restArgs = argv.slice(i);
      if (restArgs.includes('--')) return undefined;
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      if (!take(rec, true)) return undefined;
    } else {
      positionals.push(a);
      i++;
    }
  }
  if (rest) args[camel(rest.slice(1, -3))] = restArgs;
  if (positionals.length > declared.length) return undefined;
  for (const [n, d] of declared.entries()) {
    const key = d.slice(1, -1);
    if (positionals[n] === undefined) {
      if (d.startsWith('<')) return undefined;
      continue;
    }
    args[camel(key)] = positionals[n];
  }
  for (const r of [global, rec]) {
    for (const [n, spec] of r.options) if (!(camel(n) in args) && spec.default !== undefined) args[camel(n)] = spec.default;
  }
  return { module, args };
}
