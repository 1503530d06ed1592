// The command line as data: every command's name, aliases, arguments and
// options, recorded from the very yargs builders the CLI runs (a stand-in for
// yargs that writes down what it is told, as fast.ts's does). The man pages
// (manpage.ts) and the shell completion (completion.ts) are made from it at
// build time, so neither can drift from the CLI.
import { COMMAND_FILES } from './fast';

export interface OptionDoc {
  name: string; // without the dashes
  alias?: string;
  type?: 'string' | 'boolean' | 'number';
  choices?: string[];
  default?: unknown;
  describe?: string;
  hidden?: boolean;
}

export interface ArgumentDoc {
  name: string;
  describe?: string;
  optional: boolean;
  variadic: boolean; // [command..]: every word after the others
}

export interface CommandDoc {
  name: string;
  aliases: string[];
  describe: string;
  args: ArgumentDoc[];
  options: OptionDoc[];
}

export interface CliReference {
  globals: OptionDoc[];
  commands: CommandDoc[]; // in the order of COMMAND_FILES
}

// Records .option() and .positional(); settings that only change parsing
// (parserConfiguration) say nothing a reader needs.
class Recorder {
  options: OptionDoc[] = [];
  positionals = new Map<string, { describe?: string }>();
  option(name: string, spec: Omit<OptionDoc, 'name'>) {
    this.options.push({ name, ...pick(spec) });
    return this;
  }
  positional(name: string, spec: { describe?: string }) {
    this.positionals.set(name, spec);
    return this;
  }
  parserConfiguration() {
    return this;
  }
}

function pick(spec: Omit<OptionDoc, 'name'>): Omit<OptionDoc, 'name'> {
  const { alias, type, choices, describe, hidden } = spec;
  return { alias, type, choices, default: spec.default, describe, hidden };
}

interface CommandModule {
  command: string;
  aliases?: string[];
  describe: string;
  builder?: ((y: unknown) => unknown) | Record<string, never>;
}

export function commandReference(): CliReference {
  const { globalOptions } = require('../main') as typeof import('../main');
  const g = new Recorder();
  globalOptions(g as never);
  const commands: CommandDoc[] = [];
  const files = [...new Set(Object.values(COMMAND_FILES))];
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const m = require(`./${file}`).command as CommandModule;
    const rec = new Recorder();
    if (typeof m.builder === 'function') m.builder(rec);
    const [name, ...words] = m.command.split(/\s+/);
    const args = words.map((w) => {
      const bare = w.slice(1, -1).replace(/\.\.$/, '');
      return { name: bare, describe: rec.positionals.get(bare)?.describe, optional: w.startsWith('['), variadic: w.endsWith('..]') };
    });
    // Aliases: the module's own, and the other command words that name its file (ls for list).
    const aliases = [...new Set([...(m.aliases ?? []), ...Object.keys(COMMAND_FILES).filter((k) => COMMAND_FILES[k] === file && k !== name)])];
    commands.push({ name, aliases, describe: m.describe, args, options: rec.options });
  }
  return { globals: g.options, commands };
}

// The word that stands for an option's value in a synopsis.
export function valueName(o: OptionDoc): string | undefined {
  if (o.type === 'boolean') return undefined;
  if (o.choices) return o.choices.join('|');
  if (o.type === 'number') return 'N';
  return /file|socket|bundle|root|log$|dir|path|image|criu|process/.test(o.name) ? 'path' : 'value';
}
