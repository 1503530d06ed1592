// What scripts/bundle.mjs makes: the light and the full bundle, each with
// its code cache, holding the modules their warm-ups load; bin/runts (the
// launcher, native/launcher.c) starts the one that suits the command.
// Needs `make build` (tsc's output in build/) and gcc.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const REPO = path.join(__dirname, '..', '..');
// The launcher's sources, as native/Makefile builds bin/runts from them.
const LAUNCHER_SOURCES = ['launcher.c', ...fs.readdirSync(path.join(REPO, 'native', 'direct')).filter((f) => f.endsWith('.c')).sort().map((f) => path.join('direct', f))].map((f) => path.join(REPO, 'native', f));

function copyTree(t: any): { build: string; src: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bundle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const build = path.join(dir, 'build');
  const src = path.join(dir, 'src');
  fs.cpSync(path.join(REPO, 'build'), build, { recursive: true, filter: (p) => !/\.cache$|\/(runts-)?(light|full)\.js$/.test(p) });
  fs.cpSync(path.join(REPO, 'src'), src, { recursive: true });
  return { build, src };
}

const bundle = (build: string, src: string) =>
  spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs'), build, src], { encoding: 'utf8' });

t.test('the full bundle: the modules of create, run and exec, nothing from build/ without a source', async (t) => {
  const { build, src } = copyTree(t);
  fs.writeFileSync(path.join(build, 'stale.js'), 'throw new Error("a stale module was loaded");');
  fs.writeFileSync(path.join(src, 'unused.ts'), 'export {};\n');
  fs.writeFileSync(path.join(build, 'unused.js'), "'use strict';\n");
  const r = bundle(build, src);
  t.equal(r.status, 0, r.stderr);
  const count = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).length;
  t.match(r.stdout, new RegExp(`full, \\d+ of ${count + 2} modules`), 'of the sources plus validators.cjs and version.json');
  const source = fs.readFileSync(path.join(build, 'runts-full.js'), 'utf8');
  for (const rel of ['cli/fast.js', 'container/create.js', 'container/run.js', 'container/exec.js', 'plan/compile.js', 'validators.cjs']) t.ok(source.includes(`"${rel}": function`), `${rel} is in`);
  t.notOk(source.includes('"stale.js"'), 'a file without a source stays out');
  t.notOk(source.includes('"unused.js": function'), 'a module no warm-up loads is not in');
  t.ok(/__runtsOnDisk = new Set\(\[[^\]]*"unused\.js"/.test(source), 'but named, to be compiled from build/ when required');
  t.notOk(/[^\x00-\x7f]/.test(source), 'the source is ASCII (V8 holds it in one byte a character)');
  t.notOk(/\brequire\((["'])\.\.?\//.test(source), 'every require of one module by another is bound when bundled: no path arithmetic at run time');
  t.ok(source.includes('require("runts:container/state.js")'), 'as the module table key');
  t.notOk(fs.existsSync(path.join(build, 'runts.blob')), 'no startup snapshot');
});

// A bundle, loaded as build/NAME.js loads it.
function loadBundle(t: any, build: string, name: 'light' | 'full'): { load: (rel: string) => any; loaded: () => string[] } {
  const file = path.join(build, `runts-${name}.js`);
  const script = new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData: fs.readFileSync(path.join(build, `runts-${name}.cache`)) });
  t.notOk(script.cachedDataRejected, `node accepts the ${name} bundle's code cache`);
  return script.runInThisContext()(createRequire(path.join(build, `${name}.js`)), build);
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
  const light = loadBundle(t, build, 'light');
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

t.test('a warm-up that fails fails the build, and leaves no bundle behind', async (t) => {
  const { build } = copyTree(t);
  fs.writeFileSync(path.join(build, 'warmup.js'), "'use strict';\nexports.warmUp = () => { throw new Error('warm-up broke'); };\n");
  const r = bundle(build, path.join(REPO, 'src'));
  t.equal(r.status, 1);
  t.match(r.stderr, /the warm-up of the full bundle failed: Error: warm-up broke/);
  for (const made of ['light.js', 'full.js', 'runts-light.js', 'runts-light.cache', 'runts-full.js', 'runts-full.cache']) t.notOk(fs.existsSync(path.join(build, made)), `no ${made} left behind`);
});

t.test('a copied build runs from where it is, its code caches accepted', async (t) => {
  const { build } = copyTree(t);
  const r = bundle(build, path.join(REPO, 'src'));
  t.equal(r.status, 0, r.stderr);
  // Moved after it was made, as make install and the benchmark copy it.
  const moved = path.join(path.dirname(build), 'moved');
  fs.renameSync(build, moved);
  const full = loadBundle(t, moved, 'full');
  t.equal(full.load('main.js'), full.load('main.js'), 'one module table');
  const v = spawnSync(process.execPath, [path.join(moved, 'full.js'), '--version'], { encoding: 'utf8' });
  t.equal(v.status, 0, v.stderr);
  t.match(v.stdout, /^runts version /);
  const heavy = spawnSync(process.execPath, [path.join(moved, 'full.js'), 'create', '--bundle', '/nonexistent-bundle', 'x'], { encoding: 'utf8' });
  t.equal(heavy.status, 1);
  t.match(heavy.stderr, /^runts: .*nonexistent-bundle/, 'create runs from the copy, and names the missing bundle');
});

t.test('the launcher: node with the light or the full entry by the command, without NODE_OPTIONS and NODE_EXTRA_CA_CERTS', async (t) => {
  // The launcher built with a stand-in for node that prints what it gets.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-launcher-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do echo "arg $a"; done\necho "NODE_OPTIONS ${NODE_OPTIONS-unset}"\necho "NODE_EXTRA_CA_CERTS ${NODE_EXTRA_CA_CERTS-unset}"\necho "OTHER ${RUNTS_TEST_OTHER-unset}"\n', { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'bin'));
  const launcher = path.join(dir, 'bin', 'runts');
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', launcher, ...LAUNCHER_SOURCES], { encoding: 'utf8' });
  t.equal(cc.status, 0, cc.stderr);
  const link = path.join(dir, 'runts-link'); // called through a symlink, as an install's $PREFIX/bin/runts is
  fs.symlinkSync(launcher, link);
  const full = [path.join(dir, 'build', 'full.js')];
  const light = [path.join(dir, 'build', 'light.js')];
  const cases: [string[], string[]][] = [
    [['create', '--bundle', '/b', 'id'], full],
    [['--root', '/r', 'run', 'id'], full],
    [['--root=/r', '--debug', 'exec', 'id', 'sh'], full],
    [['--log', 'state', 'create', 'id'], full], // "state" is --log's value
    [['--log', 'create', 'state', 'id'], light],
    [['state', 'create'], light],
    [['--root', '/r', 'kill', 'id', 'KILL'], light],
    // (a root that is there, or a state with a record, ends in the launcher: direct.test.ts)
    [['--root', '/nonexistent/r', 'list'], light],
    [['--root', '/nonexistent/r', 'ls', '-q'], light],
    [['start', 'id'], light],
    [['delete', 'id'], light], // (delete -f of a missing id ends in the launcher: direct.test.ts)
    [['--version'], full],
    [['spec'], full],
    [[], full],
  ];
  for (const [args, before] of cases) {
    // cwd: dir, for `--log create`: bin/runts opens (makes) its log, as runc does.
    const r = spawnSync(link, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', RUNTS_TEST_OTHER: 'kept' } });
    t.equal(r.status, 0, r.stderr);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('arg ')).map((l) => l.slice(4));
    t.same(got, [...before, ...args], `runts ${args.join(' ')}: the ${before === light ? 'light' : 'full'} entry and the arguments`);
    t.match(r.stdout, /^NODE_OPTIONS unset$/m, 'NODE_OPTIONS is dropped');
    t.match(r.stdout, /^NODE_EXTRA_CA_CERTS unset$/m, 'NODE_EXTRA_CA_CERTS is dropped (Node would load the certificates at start)');
    t.match(r.stdout, /^OTHER kept$/m, 'the rest of the environment is passed on');
  }
});

t.test("bin/runts starts whatever the caller's NODE_OPTIONS", async (t) => {
  const runts = path.join(REPO, 'bin', 'runts');
  // V8 flags there would make Node reject the code caches; --require would run the caller's code in runts.
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
  t.match(heavy.stderr, /nonexistent-bundle/, 'create (the full bundle) runs too, and names the missing bundle');
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

t.test('the bundles are plain ASCII, a wider character escaped: the entries map them as Latin-1', async (t) => {
  const { build, src } = copyTree(t);
  fs.appendFileSync(path.join(build, 'errors.js'), 'exports.wide = "caf\u00e9";\n'); // the character itself, not an escape
  const r = bundle(build, src);
  t.equal(r.status, 0, r.stderr);
  const source = fs.readFileSync(path.join(build, 'runts-full.js'), 'utf8');
  t.notOk(/[^\x00-\x7f]/.test(source), 'nothing but ASCII');
  t.ok(source.includes('exports.wide = "caf\\u00e9";'), 'the character as its escape');
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
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', launcher, ...LAUNCHER_SOURCES], { encoding: 'utf8' });
  t.equal(cc.status, 0, cc.stderr);
  const cases: [string[], 'early' | 'helper'][] = [
    [['create', 'id'], 'early'],
    [['--root', '/r', 'run', '-d', 'id'], 'early'],
    [['exec', 'id', 'sh'], 'early'],
    [['start', 'id'], 'helper'],
    [['delete', 'id'], 'helper'],
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
  for (const args of [['state', 'id'], ['create', '--dry-run', 'id'], ['--root', '/nonexistent/r', 'list'], ['kill', 'id']]) {
    fs.rmSync(out, { force: true });
    const r = spawnSync(launcher, args, { encoding: 'utf8', env: { ...process.env, _RUNTS_EARLY_INIT: '1:99', _RUNTS_EARLY_HELPER: '1:98' } });
    t.match(r.stdout, /^early unset\nhelper unset$/m, `runts ${args.join(' ')}: no early init or helper (nor the caller's variables)`);
    t.notOk(fs.existsSync(out), 'none started');
  }
});

// The systemd chunk (build/runts-systemd.js): dbus-next and the systemd
// manager, compiled from their code cache into a bundle's module table only
// when a command first needs them; without them nothing of it is loaded.
// In a child for each, so that Node's module cache starts empty.
t.test('the systemd chunk: loaded by either bundle only when the systemd manager is required, dbus-next from it, not from node_modules', async (t) => {
  const build = path.join(REPO, 'build');
  const probe = (name: string, rels: string[]) => {
    const script = `const fs = require('fs'), vm = require('vm'), path = require('path');
      const build = ${JSON.stringify(build)};
      const file = path.join(build, 'runts-${name}.js');
      const b = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file, cachedData: fs.readFileSync(path.join(build, 'runts-${name}.cache')) }).runInThisContext()(require('module').createRequire(path.join(build, '${name}.js')), build);
      for (const rel of ${JSON.stringify(rels)}) b.load(rel);
      const chunk = new vm.Script(fs.readFileSync(path.join(build, 'runts-systemd.js'), 'latin1'), { filename: path.join(build, 'runts-systemd.js'), cachedData: fs.readFileSync(path.join(build, 'runts-systemd.cache')) });
      console.log(JSON.stringify({ fromChunk: b.loaded().filter((k) => k.startsWith('../node_modules/') || k.startsWith('cgroups/systemd')), byNode: Object.keys(require.cache).filter((f) => ['dbus-next', 'xml2js', 'xmlbuilder', 'sax', 'jsbi', 'long', 'safe-buffer', '@nornagon'].some((p) => f.includes('/node_modules/' + p + '/'))), rejected: chunk.cachedDataRejected }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const none = probe('full', ['main.js', 'container/create.js', 'cgroups/manager.js', 'container/update.js']);
  t.same(none.fromChunk, [], 'create, run, update and the manager\'s module without systemd: nothing of the chunk');
  t.same(none.byNode, [], 'and nothing of dbus-next through Node');
  for (const name of ['full', 'light']) {
    // The manager's SystemdBus requires dbus-next, bound to the chunk's copy.
    const sd = probe(name, ['cgroups/systemd.js', '../node_modules/dbus-next/index.js']);
    t.ok(sd.fromChunk.includes('../node_modules/dbus-next/index.js') && sd.fromChunk.includes('../node_modules/jsbi/dist/jsbi-cjs.js'), `${name}: dbus-next and what it requires, from the chunk`, { found: sd.fromChunk });
    t.same(sd.fromChunk.filter((k) => /^\.\.\/node_modules\/(xml2js|xmlbuilder|sax)\//.test(k)), [], `${name}: not xml2js, xmlbuilder or sax (introspection only)`);
    t.ok(sd.fromChunk.includes('cgroups/systemd-bus-xml.js'), `${name}: dbus-next's require('xml2js') got runts's stand-in`);
    t.ok(['cgroups/systemd.js', 'cgroups/systemd-bus.js', 'cgroups/systemd-units.js'].every((k) => sd.fromChunk.includes(k)), `${name}: the manager's modules too`);
    t.same(sd.byNode, [], `${name}: no file of node_modules found, read and compiled by Node`);
    t.equal(sd.rejected, false, 'node accepts the chunk\'s code cache');
  }
  const chunk = fs.readFileSync(path.join(build, 'runts-systemd.js'), 'latin1');
  t.ok(chunk.includes('require("runts:../node_modules/dbus-next/index.js")'), 'systemd-bus.js\'s require of dbus-next is bound to it');
  t.notMatch(chunk, /node_modules\/(xml2js|xmlbuilder|sax)\//, 'the chunk holds nothing of xml2js, xmlbuilder or sax');
});

// dbus-next requires xml2js at load time, for introspection only (a bus
// answering Introspect on objects it exports, getProxyObject); runts does
// neither, and the chunk gives it src/cgroups/systemd-bus-xml.ts instead
// (scripts/bundle.mjs, ALIASES). A bus made through the chunk loads none of
// xml2js, xmlbuilder and sax; introspection, were it ever asked for, fails
// with an error that says why.
t.test('the systemd chunk: dbus-next without xml2js; introspection refused clearly', async (t) => {
  const build = path.join(REPO, 'build');
  const script = `const fs = require('fs'), vm = require('vm'), path = require('path');
    const build = ${JSON.stringify(build)};
    const file = path.join(build, 'runts-full.js');
    const b = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file, cachedData: fs.readFileSync(path.join(build, 'runts-full.cache')) }).runInThisContext()(require('module').createRequire(path.join(build, 'full.js')), build);
    const dbus = b.load('../node_modules/dbus-next/index.js');
    // A bus, made as every command makes one, on a socket that is not there.
    const bus = dbus.sessionBus({ busAddress: 'unix:path=/nonexistent/runts-test-bus' });
    bus.on('error', () => undefined);
    let introspect, proxy;
    try { bus._introspect('/'); } catch (err) { introspect = err.message; }
    const ProxyObject = b.load('../node_modules/dbus-next/lib/client/proxy-object.js');
    new ProxyObject(bus, 'org.example', '/')._init('<node/>').catch((err) => {
      proxy = err.message;
      console.log(JSON.stringify({ introspect, proxy, byNode: Object.keys(require.cache).filter((f) => /node_modules[/](xml2js|xmlbuilder|sax)[/]/.test(f)), loaded: b.loaded().filter((k) => /xml/.test(k)) }));
      process.exit(0);
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const why = /^runts: D-Bus introspection is not available: xml2js is left out of the systemd chunk/;
  t.match(out.introspect, why, 'a bus answering Introspect: the error says why');
  t.match(out.proxy, why, 'getProxyObject: rejected, saying why');
  t.same(out.byNode, [], 'nothing of xml2js, xmlbuilder or sax loaded by Node');
  t.same(out.loaded, ['cgroups/systemd-bus-xml.js'], 'only the stand-in, from the chunk');
});
