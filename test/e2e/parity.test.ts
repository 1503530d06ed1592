// runc 1.1.5 parity, end to end: run --keep, run --no-subreaper.
import t from 'tap';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { makeBundle, newId, runts, state, cgroupDirs, tempDir, stateDir } from './lib';

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

t.test('runts --help starts with a usage line, as runc\'s', async (t) => {
  const r = runts(['--help']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout.split('\n')[0], /^Usage: runts \[global options\] <command>/, 'the first line');
});

t.test('--log to a file that cannot be opened is an error, before the command runs (as runc)', async (t) => {
  const dir = tempDir(t, 'runts-e2e-log-');
  const bad = path.join(dir, 'missing-dir', 'runts.log');
  // list (bin/runts alone) and state of a missing container (Node) alike.
  for (const args of [['list'], ['state', 'e2e-no-such-container'], ['features']]) {
    const r = runts(['--log', bad, ...args]);
    t.equal(r.status, 1, `${args[0]}: exit 1`);
    t.equal(r.stderr, `runts: --log ${bad}: cannot open: ENOENT\n`, `${args[0]}: one line naming the file`);
    t.equal(r.stdout, '', `${args[0]}: the command did not run`);
  }
  const good = path.join(dir, 'runts.log');
  const ok = runts(['--log', good, 'list']);
  t.equal(ok.status, 0, ok.stderr);
  t.ok(fs.existsSync(good), 'a log that can be opened is made, as runc makes it');
});

t.test('a hook without env gets runts\'s own environment (as runc and crun); "env": [] an empty one', async (t) => {
  const out = tempDir(t, 'runts-e2e-hookenv-');
  const b = makeBundle(t, {
    args: ['true'],
    edit: (c) => (c.hooks = {
      prestart: [
        { path: '/bin/sh', args: ['sh', '-c', `env > ${out}/inherited`] },
        { path: '/bin/sh', args: ['sh', '-c', `env > ${out}/empty`], env: [] },
        { path: '/bin/sh', args: ['sh', '-c', `env > ${out}/given`], env: ['ONLY=this'] },
      ],
    }),
  });
  const id = newId(t);
  const mark = `mark-${id}`;
  const r = runts(['run', '--bundle', b.dir, id], { env: { ...process.env, RUNTS_E2E_HOOK_MARK: mark } });
  t.equal(r.status, 0, r.stderr);
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  t.match(read('inherited'), new RegExp(`^RUNTS_E2E_HOOK_MARK=${mark}$`, 'm'), 'without env: runts\'s variables');
  t.match(read('inherited'), /^PATH=/m, 'without env: runts\'s PATH');
  t.notMatch(read('empty'), /RUNTS_E2E_HOOK_MARK/, 'env []: none of runts\'s');
  t.match(read('given'), /^ONLY=this$/m, 'env given: its variables');
  t.notMatch(read('given'), /RUNTS_E2E_HOOK_MARK/, 'env given: only those');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'run removed the container');
});
