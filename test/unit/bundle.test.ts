// The startup snapshots (scripts/bundle.mjs): their script holds every module
// of src/, the build refuses a module that loads, at its top level, a
// built-in Node does not support in snapshots, and bin/runts (the launcher,
// native/launcher.c) picks the snapshot by the command. Needs `make build`
// (tsc's output in build/) and gcc.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.join(__dirname, '..', '..');

function copyTree(t: any): { build: string; src: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bundle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const build = path.join(dir, 'build');
  const src = path.join(dir, 'src');
  fs.cpSync(path.join(REPO, 'build'), build, { recursive: true, filter: (p) => !/\.blob$|snapshot\.js$/.test(p) });
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
  t.ok(fs.statSync(path.join(build, 'runts.blob')).size > 1e6, 'the full blob is written');
  t.ok(fs.statSync(path.join(build, 'runts-light.blob')).size > 1e6, 'the light blob is written');
  t.ok(fs.statSync(path.join(build, 'runts-light.blob')).size < fs.statSync(path.join(build, 'runts.blob')).size, 'the light one is smaller');
});

t.test('a module that loads child_process at its top level fails the build', async (t) => {
  const { build, src } = copyTree(t);
  fs.writeFileSync(path.join(src, 'bad.ts'), "import * as cp from 'node:child_process';\nexport const x = cp;\n");
  fs.writeFileSync(path.join(build, 'bad.js'), "'use strict';\nconst cp = require('node:child_process');\nexports.x = cp;\n");
  const r = bundle(build, src);
  t.equal(r.status, 1);
  t.match(r.stderr, /loads, at its top level, a built-in that Node does not support in a snapshot/);
  t.notOk(fs.existsSync(path.join(build, 'runts.blob')), 'no full blob left behind');
  t.notOk(fs.existsSync(path.join(build, 'runts-light.blob')), 'no light blob left behind');
});

t.test('the launcher: the blob by the command, node with the blob and bin/runts, no NODE_OPTIONS', async (t) => {
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
  const cases: [string[], string][] = [
    [['create', '--bundle', '/b', 'id'], 'runts.blob'],
    [['--root', '/r', 'run', 'id'], 'runts.blob'],
    [['--root=/r', '--debug', 'exec', 'id', 'sh'], 'runts.blob'],
    [['--log', 'create', 'state', 'id'], 'runts-light.blob'], // "create" is --log's value
    [['state', 'create'], 'runts-light.blob'],
    [['--root', '/r', 'kill', 'id', 'KILL'], 'runts-light.blob'],
    [['list'], 'runts-light.blob'],
    [['--version'], 'runts-light.blob'],
    [[], 'runts-light.blob'],
  ];
  for (const [args, blob] of cases) {
    const r = spawnSync(link, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300' } });
    t.equal(r.status, 0, r.stderr);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('arg ')).map((l) => l.slice(4));
    t.same(got, [`--snapshot-blob=${path.join(dir, 'build', blob)}`, launcher, ...args], `runts ${args.join(' ')}: ${blob}, then bin/runts (resolved) and the arguments`);
    t.match(r.stdout, /^NODE_OPTIONS unset$/m, 'NODE_OPTIONS is dropped');
  }
});

t.test("bin/runts starts from the snapshot whatever the caller's NODE_OPTIONS", async (t) => {
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
  t.match(heavy.stderr, /nonexistent-bundle/, 'create (the full snapshot) runs too, and names the missing bundle');
});
