// The man pages and the bash completion are made from the CLI's own command
// definitions (src/cli/reference.ts): every command yargs knows has a page,
// every option its help lists is in that page, and man renders each page
// without a warning.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { commandReference } from '../../src/cli/reference';
import { manPages } from '../../src/cli/manpage';
import { bashCompletion } from '../../src/cli/completion';
import { COMMAND_FILES } from '../../src/cli/fast';

const REPO = path.join(__dirname, '..', '..');
const ref = commandReference();
const pages = manPages(ref, '9.9.9');
// A page as a reader sees it: troff's escaped minus back to a plain one.
const plain = (page: string) => page.replace(/\\-/g, '-').replace(/\\f[BIP]/g, '');

// The options yargs itself prints in `runts <command> --help` (the built CLI).
function helpFlags(args: string[]): string[] {
  const r = spawnSync(path.join(REPO, 'bin', 'runts'), [...args, '--help'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runts ${args.join(' ')} --help: ${r.stderr}`);
  // Option lines: "  -b, --bundle   description" or "      --pid-file  description".
  const flags = [...r.stdout.matchAll(/^ {2,6}(?:(-[a-z]), )?(--[a-z][a-z0-9-]*)/gm)].flatMap((m) => (m[1] ? [m[1], m[2]] : [m[2]]));
  return [...new Set(flags)];
}

t.test('a page for runts and for every command word of the CLI', async (t) => {
  const names = new Set(ref.commands.flatMap((c) => [c.name, ...c.aliases]));
  t.same([...names].sort(), Object.keys(COMMAND_FILES).sort(), 'the reference holds every command word');
  t.same([...pages.keys()].sort(), ['runts.8', ...ref.commands.map((c) => `runts-${c.name}.8`)].sort());
  const main = plain(pages.get('runts.8')!);
  for (const c of ref.commands) {
    t.match(main, `runts-${c.name}(8)`, `runts(8) points to runts-${c.name}(8)`);
    const page = plain(pages.get(`runts-${c.name}.8`)!);
    t.match(page, new RegExp(`^\\.TH RUNTS-${c.name.toUpperCase()} 8 `, 'm'), `runts-${c.name}: section 8`);
    t.match(page, `runts-${c.name} - ${c.describe}`, `runts-${c.name}: its NAME line`);
    for (const a of c.aliases) t.match(page, `runts ${a}`, `runts-${c.name} names its alias ${a}`);
  }
  for (const o of ref.globals) t.match(main, `--${o.name}`, `runts(8) has the global option --${o.name}`);
});

t.test('package.json\'s man list (what npm install -g links) names every page', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  t.same([...pkg.man].sort(), [...pages.keys()].map((p) => `./build/man/${p}`).sort());
});

t.test('every option of `runts <command> --help` is in the command\'s page', async (t) => {
  const globals = new Set(ref.globals.map((o) => `--${o.name}`).concat(['--help', '-h', '--version']));
  for (const c of ref.commands) {
    const page = plain(pages.get(`runts-${c.name}.8`)!);
    const flags = helpFlags([c.name]).filter((f) => !globals.has(f));
    t.ok(flags.length > 0 || c.options.length === 0, `${c.name}: its help lists its options`);
    for (const f of flags) t.match(page, new RegExp(`(^|\\|)${f}( |\\||$)`, 'm'), `runts-${c.name}(8) has ${f}`);
  }
  const main = plain(pages.get('runts.8')!);
  for (const f of helpFlags([])) t.match(main, new RegExp(`(^|\\|)${f}( |\\||$)`, 'm'), `runts(8) has ${f}`);
});

const man = spawnSync('man', ['--version'], { encoding: 'utf8' });
t.test('man renders every page without a warning', { skip: man.status === 0 ? false : 'man (man-db) is not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-man-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of pages) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '0' } });
    t.equal(r.status, 0, `${name} renders`);
    t.equal(r.stderr, '', `${name}: no warning from man`);
    t.match(r.stdout.replace(/.\x08/g, ''), /^NAME\n/m, `${name} has a NAME section`);
  }
});

t.test('the bash completion holds every command and every shown option', async (t) => {
  const script = bashCompletion(ref);
  for (const c of ref.commands) {
    t.match(script, new RegExp(`^\\t${[c.name, ...c.aliases].join('\\|')}\\)$`, 'm'), `a case for ${c.name}`);
    for (const o of c.options.filter((o) => !o.hidden)) t.match(script, `--${o.name}`, `${c.name} --${o.name}`);
  }
  const bash = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  t.equal(bash.status, 0, `bash parses it (${bash.stderr})`);
});
