// The argument forms engines write, rewritten into the one form both of our
// parsers (src/cli/fast.ts and yargs) read the same way.
//
// runc reads its command line with Go's flag package, where an option that
// takes a value takes the next word whatever it is, and a long option may
// have one dash. Engines rely on both: containerd 1.6's runc v2 shim runs
// `update --resources - ID` (the JSON on stdin), and go-runc's restore passes
// `-no-subreaper`. yargs reads a word that starts with '-' as an option, not
// a value, and `-abc` as three short flags; so here an option that takes a
// value and is written apart from it becomes `--name=value`, and a long
// option with one dash gets its second. The option definitions are those
// the yargs builders declare (fast.ts's Recorder); nothing after a command's
// trailing [rest..] positional (exec's command, ps's ps(1) options) or after
// `--` is touched, and anything not known is left as it is, for yargs to
// name.
import { COMMAND_FILES, CommandModule, OptionSpec, Recorder, splitPositionals } from './fast';

export function canonicalArgs(argv: string[], globals: (y: any) => unknown): string[] {
  const global = new Recorder();
  globals(global);
  const out: string[] = [];
  let i = 0;
  // One option word at argv[i] (and its value), copied to out.
  const option = (rec: Recorder | undefined) => {
    const a = argv[i++];
    const eq = a.indexOf('=');
    const long = a.startsWith('--');
    const name = a.slice(long ? 2 : 1, eq > 0 ? eq : undefined);
    const find = (r: Recorder): [string, OptionSpec] | undefined => [...r.options].find(([n, s]) => n === name || s.alias === name);
    const hit = (rec && find(rec)) ?? find(global);
    // A lone short flag (-d) or a cluster of them (-dt) is yargs's to read.
    if (!hit || (!long && name.length === 1 && eq < 0 && hit[1].type === 'boolean')) {
      out.push(a);
      return;
    }
    const [full, spec] = hit;
    if (spec.type === 'boolean' || eq > 0) out.push(`--${full}${eq > 0 ? a.slice(eq) : ''}`);
    else if (i < argv.length) out.push(`--${full}=${argv[i++]}`);
    else out.push(a); // no value: yargs says so
  };
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--' && argv[i] !== '-') option(undefined);
  const name = argv[i];
  if (!name || !(name in COMMAND_FILES)) return [...out, ...argv.slice(i)];
  out.push(argv[i++]);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const module = require(`./${COMMAND_FILES[name]}`).command as CommandModule;
  const rec = new Recorder();
  if (typeof module.builder === 'function') module.builder(rec);
  const { declared, rest } = splitPositionals(module.command);
  let positionals = 0;
  while (i < argv.length) {
    const a = argv[i];
    if (a === '--' || (rest && positionals === declared.length)) break;
    if (a.startsWith('-') && a !== '-') option(rec);
    else {
      out.push(a);
      positionals++;
      i++;
    }
  }
  return [...out, ...argv.slice(i)];
}
