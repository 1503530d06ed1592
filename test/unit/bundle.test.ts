// The startup snapshot (scripts/bundle.mjs): it holds every module of src/,
// and it refuses a module that loads, at its top level, a built-in Node does
// not support in snapshots. Needs `make build` (tsc's output in build/).
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
  fs.cpSync(path.join(REPO, 'build'), build, { recursive: true, filter: (p) => !/runts\.blob$|snapshot\.js$/.test(p) });
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
  t.match(r.stdout, new RegExp(`\\(${count + 2} modules`), 'the sources plus validators.cjs and version.json');
  t.ok(modules.includes('"cli/fast.js": function'), 'cli/fast.js is in');
  t.notOk(modules.includes('"stale.js"'), 'a file without a source stays out');
  t.ok(fs.statSync(path.join(build, 'runts.blob')).size > 1e6, 'the blob is written');
});

t.test('a module that loads child_process at its top level fails the build', async (t) => {
  const { build, src } = copyTree(t);
  fs.writeFileSync(path.join(src, 'bad.ts'), "import * as cp from 'node:child_process';\nexport const x = cp;\n");
  fs.writeFileSync(path.join(build, 'bad.js'), "'use strict';\nconst cp = require('node:child_process');\nexports.x = cp;\n");
  const r = bundle(build, src);
  t.equal(r.status, 1);
  t.match(r.stderr, /loads, at its top level, a built-in that Node does not support in a snapshot/);
  t.notOk(fs.existsSync(path.join(build, 'runts.blob')), 'no blob left behind');
});

t.test("bin/runts starts from the snapshot whatever the caller's NODE_OPTIONS", async (t) => {
  const runts = path.join(REPO, 'bin', 'runts');
  t.match(fs.readFileSync(runts, 'utf8').split('\n')[0], /--snapshot-blob=\S+runts\.blob$/, 'the #! line names the blob');
  // V8 flags there would make Node refuse the snapshot; --require would run the caller's code in runts.
  const r = spawnSync(runts, ['--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=300 --require /nonexistent/inject.js' } });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^runts version /);
});
