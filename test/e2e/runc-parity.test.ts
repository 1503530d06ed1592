// Issue 34: where runc 1.1.5 works (or refuses) in a way callers can see,
// runts does the same. Each test is one scenario of the issue, checked by
// what the kernel and the container say.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, newId, runts, state, tempDir, isOneLineError } from './lib';

t.test('process.user {"uid":0} without gid runs as 0:0, as in runc', async (t) => {
  const b = makeBundle(t, { args: ['id'], edit: (c) => (c.process.user = { uid: 0 }) });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/);
});

t.test('exec --process without user runs as 0:0; without args it is refused naming /args', async (t) => {
  const b = makeBundle(t, { edit: (c) => (c.process.user = { uid: 1000, gid: 1000 }) });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ args: ['id'], cwd: '/' }));
  const r = runts(['exec', '--process', path.join(dir, 'p.json'), id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/);
  fs.writeFileSync(path.join(dir, 'q.json'), JSON.stringify({ cwd: '/' }));
  const bad = runts(['exec', '--process', path.join(dir, 'q.json'), id]);
  t.not(bad.status, 0);
  t.match(bad.stderr, /\/args: must not be empty/);
  t.ok(isOneLineError(bad.stderr), bad.stderr);
});

t.test('a rootfs whose /proc is a symlink is refused (CVE-2019-19921), nothing mounted where it points', async (t) => {
  for (const target of ['/elsewhere', '/nowhere']) {
    const b = makeBundle(t, { args: ['true'] });
    fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true, force: true });
    if (target === '/elsewhere') fs.mkdirSync(path.join(b.rootfs, 'elsewhere'));
    fs.symlinkSync(target, path.join(b.rootfs, 'proc'));
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, 1, `${target}: refused`);
    t.ok(isOneLineError(r.stderr), r.stderr);
    if (target === '/elsewhere') t.match(r.stderr, /filesystem "proc" must be mounted on ordinary directory/);
    t.equal(state(id), undefined, 'no container left');
    if (target === '/elsewhere') t.same(fs.readdirSync(path.join(b.rootfs, 'elsewhere')), [], 'nothing in the link target');
  }
});
