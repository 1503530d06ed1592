// What scripts/bundle.mjs makes: the startup snapshot, whose script holds
// every module of src/, and the light bundle with its code cache; the build
// refuses a module that loads, at its top level, a built-in Node does not
// support in snapshots; bin/runts (the launcher, native/launcher.c) starts
// the one that suits the command. Needs `make build` (tsc's output in
// build/) and gcc.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const REPO = path.join(__dirname, '..', '..');

function copyTree(t: any): { build: string; src: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bundle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const build = path.join(dir, 'build');
  const src = path.join(dir, 'src');
  fs.cpSync(path.join(REPO, 'build'), build, { recursive: true, filter: (p) => !/\.blob$|\.cache$|\/snapshot\.js$|\/(runts-)?light\.js$/.test(p) });
  fs.cpSync(path.join(REPO, 'src'), src, { recursive: true });
  return { build, src };
}

const bundle = (build: string, src: string) =>
  spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs'), build, src], { encoding: 'utf8' });

t.test('every module of src/ is in the snapshot, and nothing else from build/', async (t) => {
  const { build, src } = copyTree(t);
  fs.writeFileSync(path.join(build, 'stale.js'), 'throw new Error("a stale module was loaded");');
  const r = bundle(build, src);
  t.equal(r.status, 0, r.stderr);
  const modules = fs.readFileSync(path.join(build, 'snapshot.js'), 'utf8');
  const count = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).length;
  t.match(r.stdout, new RegExp(`${count + 2} modules in the script`), 'the sources plus validators.cjs and version.json');
  t.ok(modules.includes('"cli/fast.js": function'), 'cli/fast.js is in');
  t.notOk(modules.includes('"stale.js"'), 'a file without a source stays out');
  t.ok(fs.statSync(path.join(build, 'runts.blob')).size > 1e6, 'the blob is written');
});

// The light bundle, loaded as build/light.js loads it.
function loadLight(t: any, build: string): { load: (rel: string) => any; loaded: () => string[] } {
  const file = path.join(build, 'runts-light.js');
  const script = new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData: fs.readFileSync(path.join(build, 'runts-light.cache')) });
  t.notOk(script.cachedDataRejected, 'node accepts the code cache');
  return script.runInThisContext()(createRequire(path.join(build, 'light.js')), build);
}

t.test('the light bundle: what the light commands use, the rest of src/ from build/ into the same table', async (t) => {
  const { build, src } = copyTree(t);
  // A module that no light command uses: it stays out of the bundle.
  fs.writeFileSync(path.join(src, 'probe.ts'), "export * as log from './log';\n");
  fs.writeFileSync(path.join(build, 'probe.js'), "'use strict';\nexports.log = require('./log');\n");
  const r = bundle(build, src);
  t.equal(r.status, 0, r.stderr);
  const source = fs.readFileSync(path.join(build, 'runts-light.js'), 'utf8');
  for (const rel of ['cli/state.js', 'cli/list.js', 'cli/kill.js', 'container/start.js', 'container/delete.js']) t.ok(source.includes(`"${rel}": function`), `${rel} is in`);
  for (const rel of ['container/create.js', 'validators.cjs', 'probe.js']) t.notOk(source.includes(`"${rel}": function`), `${rel} is not`);
  const light = loadLight(t, build);
  t.equal(light.load('probe.js').log, light.load('log.js'), 'a module from build/ gets the bundled modules, not copies');
  t.ok(light.loaded().includes('probe.js'));
  // The entry runs a light command (no container: its error, not a crash).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-light-root-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const list = spawnSync(process.execPath, [path.join(build, 'light.js'), '--root', root, 'list', '-q'], { encoding: 'utf8' });
  t.equal(list.status, 0, list.stderr);
  t.equal(list.stdout, '', 'an empty root lists nothing');
  const state = spawnSync(process.execPath, [path.join(build, 'light.js'), '--root', root, 'state', 'nope'], { encoding: 'utf8' });
  t.equal(state.status, 1);
  t.equal(state.stderr, 'runts: container "nope" does not exist\n');
  // A cache this Node rejects (made by another version, say) only costs time.
  fs.writeFileSync(path.join(build, 'runts-light.cache'), Buffer.alloc(1000, 7));
  const rejected = spawnSync(process.execPath, [path.join(build, 'light.js'), '--root', root, 'list', '-q'], { encoding: 'utf8' });
  t.equal(rejected.status, 0, `with a bad code cache: ${rejected.stderr}`);
});

t.test('a module that loads child_process at its top level fails the build', async (t) => {
  const { build, src } = copyTree(t);
  fs.writeFileSync(path.join(src, 'bad.ts'), "import * as cp from 'node:child_process';\nexport const x = cp;\n");
  fs.writeFileSync(path.join(build, 'bad.js'), "'use strict';\nconst cp = require('node:child_process');\nexports.x = cp;\n");
  const r = bundle(build, src);
  t.equal(r.status, 1);
  t.match(r.stderr, /loads, at its top level, a built-in that Node does not support in a snapshot/);
  for (const made of ['runts.blob', 'light.js', 'runts-light.js', 'runts-light.cache']) t.notOk(fs.existsSync(path.join(build, made)), `no ${made} left behind`);
});

t.test('the launcher: node with the light entry or the snapshot by the command, no NODE_OPTIONS', async (t) => {
  // The launcher built with a stand-in for node that prints what it gets.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-launcher-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do echo "arg $a"; done\necho "NODE_OPTIONS ${NODE_OPTIONS-unset}"\n', { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'bin'));
  const launcher = path.join(dir, 'bin', 'runts');
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', launcher, path.join(REPO, 'native', 'launcher.c')], { encoding: 'utf8' });
  t.equal(cc.status, 0, cc.stderr);
  const link = path.join(dir, 'runts-link'); // called through a symlink, as an install's $PREFIX/bin/runts is
  fs.symlinkSync(launcher, link);
  const snapshot = [`--snapshot-blob=${path.join(dir, 'build', 'runts.blob')}`, launcher];
  const light = [path.join(dir, 'build', 'light.js')];
  const cases: [string[], string[]][] = [
    [['create', '--bundle', '/b', 'id'], snapshot],
    [['--root', '/r', 'run', 'id'], snapshot],
    [['--root=/r', '--debug', 'exec', 'id', 'sh'], snapshot],
    [['--log', 'state', 'create', 'id'], snapshot], // "state" is --log's value
    [['--log', 'create', 'state', 'id'], light],
    [['state', 'create'], light],
    [['--root', '/r', 'kill', 'id', 'KILL'], light],
    [['list'], light],
    [['ls', '-q'], light],
    [['start', 'id'], light],
    [['delete', '-f', 'id'], light],
    [['--version'], snapshot],
    [['spec'], snapshot],
    [[], snapshot],
  ];
  for (const [args, before] of cases) {
    const r = spawnSync(link, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300' } });
    t.equal(r.status, 0, r.stderr);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('arg ')).map((l) => l.slice(4));
    t.same(got, [...before, ...args], `runts ${args.join(' ')}: ${before === light ? 'the light entry' : 'the snapshot, then bin/runts (resolved)'} and the arguments`);
    t.match(r.stdout, /^NODE_OPTIONS unset$/m, 'NODE_OPTIONS is dropped');
  }
});

t.test("bin/runts starts whatever the caller's NODE_OPTIONS", async (t) => {
  const runts = path.join(REPO, 'bin', 'runts');
  // V8 flags there would make Node refuse the snapshot; --require would run the caller's code in runts.
  for (const args of [['--version'], ['state', 'no-such-container']]) {
    const r = spawnSync(runts, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300 --require /nonexistent/inject.js' } });
    if (args[0] === '--version') {
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^runts version /);
    } else {
      t.equal(r.status, 1, 'state of an unknown container fails');
      t.match(r.stderr, /^runts: container "no-such-container" does not exist\n$/, 'with its own error, not Node\'s');
    }
  }
  const heavy = spawnSync(runts, ['create', '--bundle', '/nonexistent-bundle', 'x'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300' } });
  t.equal(heavy.status, 1);
  t.match(heavy.stderr, /nonexistent-bundle/, 'create (the snapshot) runs too, and names the missing bundle');
});

t.test('the warm-ups leave nothing behind: no directory, and no made-up cgroup layout cached for the commands', async (t) => {
  const { warmUp } = await import('../../src/warmup');
  const { detectLayout } = await import('../../src/cgroups/layout');
  const left = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('runts-warm-up-'));
  const before = left();
  warmUp();
  t.same(left(), before, 'its temporary directories are gone');
  const layout = detectLayout();
  t.notOk(layout.hierarchies.some((h) => h.mountpoint.includes('runts-warm-up-')), 'detectLayout() reads this host, not the warm-up\'s mount table', { layout });
});

t.test('the launcher starts runts-init early for create, run and exec, and as a helper for start and delete, with one end of a socket each', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-launcher-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'bin'));
  // A stand-in for node: says what it got, and writes "hello" on its end.
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(
    fakeNode,
    '#!/bin/sh\necho "early ${_RUNTS_EARLY_INIT-unset}"\necho "helper ${_RUNTS_EARLY_HELPER-unset}"\ne=${_RUNTS_EARLY_INIT:-$_RUNTS_EARLY_HELPER}\nif [ -n "$e" ]; then fd=${e#*:}; printf hello >&$fd; fi\n',
    { mode: 0o755 },
  );
  // A stand-in for runts-init: records its environment and what comes on its socket until EOF.
  const out = path.join(dir, 'init.out');
  fs.writeFileSync(
    path.join(dir, 'bin', 'runts-init'),
    `#!/bin/sh\necho "pid=$$ sync=$_RUNTS_SYNC early=$_RUNTS_EARLY args=$*" > ${out}\ncat <&$_RUNTS_SYNC > ${out}.in\necho eof >> ${out}\n`,
    { mode: 0o755 },
  );
  const launcher = path.join(dir, 'bin', 'runts');
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', launcher, path.join(REPO, 'native', 'launcher.c')], { encoding: 'utf8' });
  t.equal(cc.status, 0, cc.stderr);
  const cases: [string[], 'early' | 'helper'][] = [
    [['create', 'id'], 'early'],
    [['--root', '/r', 'run', '-d', 'id'], 'early'],
    [['exec', 'id', 'sh'], 'early'],
    [['start', 'id'], 'helper'],
    [['delete', '-f', 'id'], 'helper'],
  ];
  for (const [args, kind] of cases) {
    fs.rmSync(out, { force: true });
    const r = spawnSync(launcher, args, { encoding: 'utf8', env: { ...process.env, _RUNTS_EARLY_INIT: '1:99', _RUNTS_EARLY_HELPER: '1:98' } });
    const m = new RegExp(`^${kind} (\\d+):(\\d+)$`, 'm').exec(r.stdout);
    t.ok(m, `runts ${args.join(' ')}: node is told the ${kind === 'early' ? 'init' : 'helper'}'s pid and its end of the socket (not the caller's value)`, { stdout: r.stdout });
    t.match(r.stdout, new RegExp(`^${kind === 'early' ? 'helper' : 'early'} unset$`, 'm'), 'and nothing of the other kind');
    for (let i = 0; i < 200 && !(fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('eof')); i++) await new Promise((res) => setTimeout(res, 10));
    const said = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    const argsSeen = kind === 'early' ? '' : '--early-helper';
    t.match(said, new RegExp(`^pid=${m?.[1]} sync=\\d+ early=1 args=${argsSeen}\\n`), `that pid, _RUNTS_SYNC and _RUNTS_EARLY=1, arguments: ${argsSeen || 'none'}`);
    t.equal(fs.readFileSync(`${out}.in`, 'utf8'), 'hello', 'what node writes on its end reaches the init');
    t.match(said, /eof\n$/, 'and the init sees EOF when node is gone');
  }
  for (const args of [['state', 'id'], ['create', '--dry-run', 'id'], ['list'], ['kill', 'id']]) {
    fs.rmSync(out, { force: true });
    const r = spawnSync(launcher, args, { encoding: 'utf8', env: { ...process.env, _RUNTS_EARLY_INIT: '1:99', _RUNTS_EARLY_HELPER: '1:98' } });
    t.match(r.stdout, /^early unset\nhelper unset$/m, `runts ${args.join(' ')}: no early init or helper (nor the caller's variables)`);
    t.notOk(fs.existsSync(out), 'none started');
  }
});
