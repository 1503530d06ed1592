// bin/runts-addon.node (native/addon.c): a command ends with _exit(2) and
// its status, its output already written (src/sys/exit.ts); the entries in
// build/ map their bundle and its code cache; it reads the libseccomp
// version for --version. Needs `make build`.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.join(__dirname, '..', '..');
const ADDON = path.join(REPO, 'bin', 'runts-addon.node');

t.test('the addon exits at once with the status given: no exit handler of Node runs', async (t) => {
  const script = `process.on('exit', () => process.stdout.write('Node exit ran'));
const addon = { exports: {} };
process.dlopen(addon, ${JSON.stringify(ADDON)});
addon.exports.exit(7);
process.stdout.write('still running');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  t.equal(r.status, 7, r.stderr);
  t.equal(r.stdout, '', 'neither the code after it nor the exit handlers ran');
});

t.test("a command's output and status survive the exit through the addon", async (t) => {
  const features = spawnSync(path.join(REPO, 'bin', 'runts'), ['features'], { encoding: 'utf8' });
  t.equal(features.status, 0, features.stderr);
  t.ok(features.stdout.length > 1000, 'a few KB of output');
  t.doesNotThrow(() => JSON.parse(features.stdout), 'all of it, through a pipe');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-exit-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const missing = spawnSync(path.join(REPO, 'bin', 'runts'), ['--root', root, 'state', 'nope'], { encoding: 'utf8' });
  t.equal(missing.status, 1);
  t.equal(missing.stderr, 'runts: container "nope" does not exist\n');
});

t.test('without the addon, a command ends as Node ends it', async (t) => {
  // A copy of the build with no bin/runts-addon.node beside it: the entries
  // read the bundles instead of mapping them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-noexit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(REPO, 'build'), path.join(dir, 'build'), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const r = spawnSync(process.execPath, [path.join(dir, 'build', 'full.js'), 'features'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.doesNotThrow(() => JSON.parse(r.stdout));
  const bad = spawnSync(process.execPath, [path.join(dir, 'build', 'light.js'), '--root', dir, 'kill', 'nope'], { encoding: 'utf8' });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^runts: container "nope" does not exist\n$/);
});

t.test('mapString and mapBuffer: a file as a string and as a Buffer, read in place; undefined where they cannot', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-addon-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const text = 'const x = "plain ASCII";\n'.repeat(5000);
  fs.writeFileSync(path.join(dir, 'f.js'), text);
  fs.writeFileSync(path.join(dir, 'empty'), '');
  const script = `const addon = { exports: {} };
process.dlopen(addon, ${JSON.stringify(ADDON)});
const [file, empty, dir] = process.argv.slice(1);
const s = addon.exports.mapString(file);
const b = addon.exports.mapBuffer(file);
const same = s === require('fs').readFileSync(file, 'utf8') && b.equals(require('fs').readFileSync(file));
const none = [addon.exports.mapString(dir + '/missing'), addon.exports.mapBuffer(empty), addon.exports.mapString(dir)];
process.stdout.write(JSON.stringify({ same, length: s.length, none: none.map((v) => v === undefined) }));`;
  const r = spawnSync(process.execPath, ['-e', script, path.join(dir, 'f.js'), path.join(dir, 'empty'), dir], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { same: true, length: text.length, none: [true, true, true] }, 'the same text and bytes; undefined for a missing file, an empty one, a directory');
});

t.test('the entries compile their bundle from the mapped source with its code cache', async (t) => {
  // What build/full.js does, with a probe: V8 takes the cache (not rejected)
  // for the source the addon maps.
  const script = `const addon = { exports: {} };
process.dlopen(addon, ${JSON.stringify(ADDON)});
const file = ${JSON.stringify(path.join(REPO, 'build', 'runts-full.js'))};
const s = new (require('vm').Script)(addon.exports.mapString(file), { filename: file, cachedData: addon.exports.mapBuffer(file.replace(/js$/, 'cache')) });
process.stdout.write(String(s.cachedDataRejected));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  t.equal(r.stdout, 'false', r.stderr);
  t.match(fs.readFileSync(path.join(REPO, 'build', 'full.js'), 'utf8'), /mapString\(file\)/, 'and build/full.js maps it');
});

t.test('readFile: a whole file in one call, UTF-8 or Latin-1; a failure throws with the errno as its code', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-addon-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'small'), '{"id":"caf\u00e9"}');
  const big = 'x'.repeat(200 * 1024) + '\u00e9nd';
  fs.writeFileSync(path.join(dir, 'big'), big);
  const script = `const addon = { exports: {} };
process.dlopen(addon, ${JSON.stringify(ADDON)});
const [dir] = process.argv.slice(1);
const r = {};
r.small = addon.exports.readFile(dir + '/small', false);
r.latin1 = addon.exports.readFile(dir + '/small', true);
r.big = addon.exports.readFile(dir + '/big', false).length;
r.stat = addon.exports.readFile('/proc/self/stat', true).startsWith(process.pid + ' (');
for (const f of [dir + '/missing', dir]) {
  try { addon.exports.readFile(f, false); } catch (e) { r[f === dir ? 'dir' : 'missing'] = [e.code, e.message]; }
}
process.stdout.write(JSON.stringify(r));`;
  const res = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8' });
  t.equal(res.status, 0, res.stderr);
  const r = JSON.parse(res.stdout);
  t.equal(r.small, '{"id":"caf\u00e9"}', 'UTF-8');
  t.equal(r.latin1, '{"id":"caf\u00c3\u00a9"}', 'Latin-1: a byte a character');
  t.equal(r.big, big.length, 'a file larger than its buffer, whole');
  t.ok(r.stat, '/proc/self/stat, whose size reads as 0');
  t.same(r.missing, ['ENOENT', `read ${dir}/missing: ENOENT`], 'a missing file: ENOENT');
  t.same(r.dir, ['EISDIR', `read ${dir}: EISDIR`], 'a directory: EISDIR');
});

t.test('libseccompVersion: what seccomp_version() of libseccomp.so.2 says, as koffi reads it too', async (t) => {
  const addon = { exports: {} as { libseccompVersion(): string | undefined } };
  process.dlopen(addon, ADDON);
  const { getLibseccomp } = await import('../../src/seccomp/libseccomp');
  const v = getLibseccomp().version();
  t.equal(addon.exports.libseccompVersion(), `${v.major}.${v.minor}.${v.micro}`);
});
