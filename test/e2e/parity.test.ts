// runc 1.1.5 parity, end to end: run --keep, run --no-subreaper.
import t from 'tap';
import * as fs from 'node:fs';
import { makeBundle, newId, runts, state, cgroupDirs } from './lib';

t.test('run --keep leaves the stopped container, its state and cgroup, for delete', async (t) => {
  const b = makeBundle(t, { args: ['true'] });
  const id = newId(t);
  const r = runts(['run', '--keep', '--bundle', b.dir, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(state(id)?.status, 'stopped', 'state says stopped');
  const dirs = cgroupDirs(id);
  t.ok(dirs.length > 0 && dirs.every((d) => fs.existsSync(d)), 'its cgroup directories are still there');
  t.equal(runts(['delete', id]).status, 0);
  t.equal(state(id), undefined, 'gone after delete');
  t.ok(dirs.every((d) => !fs.existsSync(d)), 'and its cgroup directories too');
});

t.test('run: an orphan of the container is reaped by runts\'s waiter, with --no-subreaper it is not', async (t) => {
  // No pid namespace, so the orphan is reparented on the host, where the
  // kernel's PPid tells who took it.
  const script = '(sleep 2 & echo $! > /dev/orphan); sleep 0.3; echo "orphan $(grep PPid /proc/$(cat /dev/orphan)/status | tr -dc 0-9) parent $PPID"';
  const edit = (c: any) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid'));
  for (const noSub of [false, true]) {
    const b = makeBundle(t, { args: ['sh', '-c', script], edit });
    const id = newId(t);
    const r = runts(['run', ...(noSub ? ['--no-subreaper'] : []), '--bundle', b.dir, id]);
    t.equal(r.status, 0, r.stderr);
    const m = /orphan (\d+) parent (\d+)/.exec(r.stdout);
    if (!t.ok(m, `output: ${r.stdout}`)) continue;
    if (noSub) t.not(m![1], m![2], '--no-subreaper: the orphan went to another reaper');
    else t.equal(m![1], m![2], 'the waiter (the container process\'s parent) took the orphan');
  }
});
