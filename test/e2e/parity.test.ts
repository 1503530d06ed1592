// runc 1.1.5 parity, end to end: run --keep, run --no-subreaper.
import t from 'tap';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
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

t.test('exec --cgroup SUB joins the existing sub-cgroup; a missing one fails naming it', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '30'], edit: (c: any) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'cgroup')) });
  const id = newId(t);
  t.equal(runts(['run', '--detach', '--bundle', b.dir, id]).status, 0);
  const dirs = cgroupDirs(id);
  t.teardown(() => {
    runts(['kill', id, 'KILL']);
    for (const d of dirs) for (let i = 0; i < 50 && fs.existsSync(`${d}/sub`); i++) try { fs.rmdirSync(`${d}/sub`); } catch { spawnSync('sleep', ['0.1']); }
    runts(['delete', '--force', id]);
  });
  for (const d of dirs) {
    fs.mkdirSync(`${d}/sub`);
    // A v1 cpuset directory takes no task while empty (as with runc, the sub-cgroup is the caller's to set up).
    for (const f of ['cpuset.cpus', 'cpuset.mems']) if (fs.existsSync(`${d}/${f}`)) fs.writeFileSync(`${d}/sub/${f}`, fs.readFileSync(`${d}/${f}`));
  }
  const r = runts(['exec', '--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.ok(lines.length > 0 && lines.every((l) => l.endsWith(`/runts/${id}/sub`)), `every hierarchy in sub: ${r.stdout}`);
  const bad = runts(['exec', '--cgroup', 'nope', id, 'true']);
  t.equal(bad.status, 255, "exec's own failure: 255, as runc");
  t.match(bad.stderr, /nope/, bad.stderr);
});

t.test('help [command] and h print the help, as runc\'s do', async (t) => {
  const all = runts(['help']);
  t.equal(all.status, 0, all.stderr);
  t.match(all.stdout, /Commands:[\s\S]*checkpoint|Commands:[\s\S]*create/, 'the list of commands');
  const one = runts(['h', 'kill']);
  t.equal(one.status, 0, one.stderr);
  t.match(one.stdout, /runts kill/, 'the help of kill');
  t.notMatch(one.stdout, /Commands:/, 'not the list of commands');
});
