// bin/runts-exit.node (native/exit.c, used by src/sys/exit.ts): a command
// ends with _exit(2) and its status, its output already written. Needs
// `make build`.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.join(__dirname, '..', '..');
const ADDON = path.join(REPO, 'bin', 'runts-exit.node');

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
  // A copy of the build with no bin/runts-exit.node beside it.
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
