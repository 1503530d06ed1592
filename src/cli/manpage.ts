// The man pages, runts(8) and runts-<command>(8), in the sections and layout
// of runc's own (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SEE ALSO), written as
// troff from the CLI's reference (reference.ts). scripts/gen-docs.mjs writes
// them into build/man at build time.
import { CliReference, CommandDoc, OptionDoc, valueName } from './reference';

// troff: a backslash is an escape, a line that starts with . or ' is a
// request, and a plain - may be set as a hyphen (options want a minus).
function esc(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

const bold = (s: string) => `\\fB${esc(s)}\\fP`;
const italic = (s: string) => `\\fI${esc(s)}\\fP`;

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return t.endsWith('.') ? t : t + '.';
}

function header(title: string, version: string): string[] {
  return ['.nh', '.ad l', `.TH ${title.toUpperCase().replace(/-/g, '\\-')} 8 "" "runts ${esc(version)}" "runts manual"`];
}

function optionItem(o: OptionDoc): string[] {
  const names = [bold(`--${o.name}`), ...(o.alias ? [bold(o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`)] : [])].join('|');
  const v = valueName(o);
  const lines = ['.TP', v ? `${names} ${italic(v)}` : names];
  let text = esc(sentence(o.describe ?? ''));
  if (o.default !== undefined && o.default !== false && o.default !== '') text += ` The default is ${bold(String(o.default))}.`;
  if (o.hidden) text += esc(' Accepted for compatibility with runc.');
  lines.push(text);
  return lines;
}

function argSynopsis(c: CommandDoc): string {
  return c.args
    .map((a) => {
      const w = italic(a.name) + (a.variadic ? ' ...' : '');
      return a.optional ? `[${w}]` : w;
    })
    .join(' ');
}

export function commandPage(c: CommandDoc, version: string): string {
  const out = header(`runts-${c.name}`, version);
  out.push('.SH NAME', `runts\\-${esc(c.name)} \\- ${esc(c.describe)}`);
  out.push('.SH SYNOPSIS', `${bold(`runts ${c.name}`)}${c.options.length ? ` [${italic('option')} ...]` : ''} ${argSynopsis(c)}`.trimEnd());
  out.push('.SH DESCRIPTION', '.PP', esc(`The ${c.name} command: ${c.describe}.`));
  if (c.aliases.length) out.push('.PP', `Also spelled ${c.aliases.map((a) => bold(`runts ${a}`)).join(', ')}.`);
  if (c.args.length) {
    out.push('.SH ARGUMENTS');
    for (const a of c.args) out.push('.TP', italic(a.name) + (a.variadic ? ' ...' : ''), esc(sentence(a.describe ?? '')));
  }
  if (c.options.length) {
    out.push('.SH OPTIONS');
    for (const o of c.options) out.push(...optionItem(o));
  }
  out.push('.PP', `The global options of ${bold('runts')}(8) come before the command.`);
  out.push('.SH SEE ALSO', `${bold('runts')}(8), ${bold('runc')}(8)`);
  return out.join('\n') + '\n';
}

export function mainPage(ref: CliReference, version: string): string {
  const out = header('runts', version);
  out.push('.SH NAME', 'runts \\- an OCI container runtime, a drop\\-in for runc');
  out.push('.SH SYNOPSIS', `${bold('runts')} [${italic('global-option')} ...] ${italic('command')} [${italic('command-option')} ...] [${italic('argument')} ...]`);
  out.push(
    '.SH DESCRIPTION',
    '.PP',
    esc('runts runs containers from OCI bundles as the Open Container Initiative runtime specification describes them: a directory that holds a config.json and the root filesystem it names. It takes the commands and options of runc, so engines (containerd, podman, docker, Kubernetes) can call it in its place.'),
    '.PP',
    esc('To run a container from the bundle in the current directory:'),
    '.PP',
    '.RS',
    '.nf',
    esc('# runts run [-b bundle] container-id'),
    '.fi',
    '.RE',
  );
  out.push('.SH COMMANDS');
  for (const c of ref.commands) {
    const names = [c.name, ...c.aliases].map(bold).join(', ');
    out.push('.TP', names, `${esc(sentence(c.describe))} See ${bold(`runts-${c.name}`)}(8).`);
  }
  out.push('.TP', `${bold('help')}, ${bold('h')} [${italic('command')}]`, esc('Show the commands, or the options of one command.'));
  out.push('.SH GLOBAL OPTIONS');
  for (const o of ref.globals) out.push(...optionItem(o));
  out.push('.TP', `${bold('--help')}|${bold('-h')}`, esc('Show help.'));
  out.push('.TP', `${bold('--version')}|${bold('-v')}`, esc('Print the version of runts, of the runtime specification, of Node and of libseccomp.'));
  out.push('.SH SEE ALSO', ref.commands.map((c) => `${bold(`runts-${c.name}`)}(8)`).join(',\n') + ',', `${bold('runc')}(8)`);
  return out.join('\n') + '\n';
}

// Every page by its file name (runts.8, runts-create.8, ...).
export function manPages(ref: CliReference, version: string): Map<string, string> {
  const pages = new Map<string, string>([['runts.8', mainPage(ref, version)]]);
  for (const c of ref.commands) pages.set(`runts-${c.name}.8`, commandPage(c, version));
  return pages;
}
