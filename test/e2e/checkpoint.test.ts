// checkpoint and restore through criu, against the real kernel: a container
// counting in a file on a bind mount is checkpointed (its process gone, its
// cgroup and state gone), restored (a new process in its cgroup, with its
// limits, its namespaces and mounts, the count going on from where it
// stopped), then killed and deleted like any other. What the tests believe
// is what /proc, the cgroup files and the count file say.
//
// Debian 12's criu 3.17 cannot initialise on every kernel (on this project's
// development host, 6.18, `criu check` fails in its vDSO detection): the
// tests that need a working criu skip there with criu's reason, and run in
// the cgroup v2 VM (`make test-v2`, Debian's 6.1 kernel), where it works.
// The error paths run everywhere, with a stand-in criu that refuses.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupDirs, criuProblem, isAlive, makeBundle, newId, nsLink, procsInCgroup, remember, RUNTS, runts, runtsAsync, spawnHelper, state, stateDir, tempDir, writeConfig } from './lib';
import { detectLayout } from '../../src/cgroups/layout';
import { Runtime, RuntsError } from '../../src/api';

const problem = criuProblem();
const needsCriu = (name: string) => (problem ? `${name} (skipped: ${problem})` : name);

const layout = detectLayout();
const pidsHome = layout.hierarchies.find((h) => h.controllers.includes('pids'));

// The counter: PID 1 of the container writes 1, 2, 3, ... to /data/count,
// a bind mount of a host directory (so the host reads it, and criu must map
// an external mount).
function counterBundle(t: Parameters<typeof makeBundle>[0]) {
  const data = tempDir(t, 'runts-e2e-ckpt-data-');
  const b = makeBundle(t, {
    args: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /data/count; sleep 0.5; done'],
    edit: (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
      c.linux.resources = { ...(c.linux.resources ?? {}), pids: { limit: 42 } };
    },
  });
  return { ...b, data, count: () => Number(fs.readFileSync(path.join(data, 'count'), 'utf8').trim() || 0) };
}

async function until(what: string, cond: () => boolean, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const counting = (b: { count: () => number }, atLeast: number) => () => {
  try {
    return b.count() >= atLeast;
  } catch {
    return false;
  }
};

function pidsMax(id: string): string | undefined {
  if (!pidsHome) return undefined;
  try {
    return fs.readFileSync(path.join(pidsHome.mountpoint, 'runts', id, 'pids.max'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

const LONG = { timeout: 180000 };

t.test(needsCriu('checkpoint stops the container and removes it; restore brings the process back in its cgroup, with its limits, namespaces and mounts, counting on'), { skip: !!problem, timeout: 600000 }, async (t) => {
  const b = counterBundle(t);
  const id = newId(t);
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  t.equal(runts(['run', '-d', '--bundle', b.dir, id], LONG).status, 0, 'run -d');
  const pid1 = remember(state(id)!.pid!);
  await until('the count to reach 3', counting(b, 3));

  const ck = runts(['checkpoint', '--image-path', images, '--work-path', images, id], LONG);
  t.equal(ck.status, 0, 'checkpoint exits 0', { stderr: ck.stderr });
  t.ok(fs.existsSync(path.join(images, 'inventory.img')), 'criu wrote its images');
  await until('the checkpointed process to end', () => !isAlive(pid1), 10000);
  t.notOk(isAlive(pid1), 'the container process is gone after checkpoint');
  t.equal(state(id), undefined, 'the container is gone (state fails)');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], 'no cgroup directory');
  const stopped = b.count();
  await sleep(1500);
  t.equal(b.count(), stopped, `the count stays at ${stopped} while checkpointed`);

  const rs = runts(['restore', '-d', '--image-path', images, '--work-path', images, '--bundle', b.dir, id], LONG);
  t.equal(rs.status, 0, 'restore -d exits 0', { stderr: rs.stderr });
  const st = state(id);
  t.equal(st?.status, 'running', 'state says running');
  const pid2 = remember(st!.pid!);
  t.ok(isAlive(pid2), `the restored process ${pid2} lives`);
  t.match(fs.readFileSync(`/proc/${pid2}/cmdline`, 'utf8'), /^sh\0-c\0i=0/, 'it is the counter');
  t.ok(procsInCgroup(`/runts/${id}`).includes(pid2), `it is in the container's cgroup /runts/${id}`);
  if (pidsHome) t.equal(pidsMax(id), '42', 'pids.max of the restored cgroup is the config\'s 42');
  for (const ns of ['pid', 'mnt', 'ipc', 'uts', 'net']) t.not(nsLink(pid2, ns), nsLink('self', ns), `it has its own ${ns} namespace`);
  t.equal(fs.readFileSync(`/proc/${pid2}/root/data/count`, 'utf8').trim() !== '', true, 'its /data is the bind mount again');
  const ex = runts(['exec', id, 'cat', '/data/count'], LONG);
  t.equal(ex.status, 0, 'exec into the restored container', { stderr: ex.stderr });
  t.match(ex.stdout, /^\d+\n$/, 'exec sees the count');
  await until('the count to go on', counting(b, stopped + 2), 30000);
  t.ok(b.count() >= stopped + 2, `the count goes on from ${stopped} (now ${b.count()}), not from 1`);

  t.equal(runts(['kill', id, 'KILL']).status, 0, 'kill KILL');
  await until('the restored process to end', () => !isAlive(pid2), 10000);
  t.equal(state(id)?.status, 'stopped', 'state says stopped');
  t.equal(runts(['delete', id]).status, 0, 'delete');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory after delete');
  t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], 'no cgroup directory after delete');
});

t.test(needsCriu('checkpoint --leave-running keeps the container running; a pre-dump and a dump on top of it restore'), { skip: !!problem, timeout: 600000 }, async (t) => {
  const b = counterBundle(t);
  const id = newId(t);
  const dir = tempDir(t, 'runts-e2e-ckpt-img-');
  const pre = path.join(dir, 'pre');
  const full = path.join(dir, 'full');
  t.equal(runts(['run', '-d', '--bundle', b.dir, id], LONG).status, 0, 'run -d');
  const pid1 = remember(state(id)!.pid!);
  await until('the count to reach 2', counting(b, 2));

  const p = runts(['checkpoint', '--pre-dump', '--image-path', pre, id], LONG);
  t.equal(p.status, 0, 'checkpoint --pre-dump exits 0', { stderr: p.stderr });
  t.ok(isAlive(pid1) && state(id)?.status === 'running', 'the container runs on after a pre-dump');
  const lr = runts(['checkpoint', '--leave-running', '--image-path', full, '--parent-path', '../pre', id], LONG);
  t.equal(lr.status, 0, 'checkpoint --leave-running --parent-path ../pre exits 0', { stderr: lr.stderr });
  t.ok(isAlive(pid1), 'the same process still runs');
  const c = b.count();
  await until('the count to go on', counting(b, c + 2), 30000);
  t.equal(state(id)?.status, 'running', 'state still says running');

  t.equal(runts(['delete', '--force', id]).status, 0, 'delete --force');
  const rs = runts(['restore', '-d', '--image-path', full, '--bundle', b.dir, id], LONG);
  t.equal(rs.status, 0, 'restore -d from the dump on top of the pre-dump', { stderr: rs.stderr });
  const pid2 = remember(state(id)!.pid!);
  t.ok(isAlive(pid2), 'restored');
  t.equal(runts(['delete', '--force', id]).status, 0, 'delete --force');
  t.notOk(isAlive(pid2), 'gone');
});

t.test(needsCriu('restore in the foreground waits for the process and exits with its status, then deletes the container'), { skip: !!problem, timeout: 600000 }, async (t) => {
  const b = counterBundle(t);
  const id = newId(t);
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  t.equal(runts(['run', '-d', '--bundle', b.dir, id], LONG).status, 0, 'run -d');
  await until('the count to reach 2', counting(b, 2));
  t.equal(runts(['checkpoint', '--image-path', images, id], LONG).status, 0, 'checkpoint');
  // criu itself refusing: the bind mount's source is gone.
  const source = b.config.mounts.find((m: { destination: string }) => m.destination === '/data').source;
  writeConfig(b, (c) => {
    c.mounts.find((m: { destination: string }) => m.destination === '/data').source = source + '-gone';
  });
  const bad = runts(['restore', '-d', '--image-path', images, '--bundle', b.dir, id], LONG);
  t.equal(bad.status, 1, 'restore with a bind source that is gone: exit 1');
  t.match(bad.stderr, /^runts: restore: criu restore failed \(exit 1\): .+; criu's log: \S+\/restore\.log\n$/, 'one line naming criu\'s error and its log');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], 'no cgroup directory');
  t.same(procsInCgroup(`/runts/${id}`), [], 'no process');
  writeConfig(b, (c) => {
    c.mounts.find((m: { destination: string }) => m.destination === '/data').source = source;
  });
  const fg = runtsAsync(['restore', '--image-path', images, '--bundle', b.dir, id], LONG);
  await until('the restored container', () => state(id)?.status === 'running', 120000);
  const pid = remember(state(id)!.pid!);
  t.ok(isAlive(pid), 'restored and running while restore waits');
  t.equal(runts(['kill', id, 'KILL']).status, 0, 'kill KILL');
  const r = await fg.done;
  t.equal(r.status, 137, 'restore exits 128+9', { stderr: r.stderr });
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'the container is deleted');
  t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], 'no cgroup directory');
});

// Pipes as stdio, as conmon and containerd's shim give them: the restored
// process writes into the pipe of whoever ran restore.
t.test(needsCriu('a container whose stdout is a pipe writes, once restored, into the restoring caller\'s pipe'), { skip: !!problem, timeout: 600000 }, async (t) => {
  const b = counterBundle(t);
  writeConfig(b, (c) => {
    c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /data/count; echo "tick $i"; sleep 0.5; done'];
  });
  const id = newId(t);
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const io = tempDir(t, 'runts-e2e-ckpt-io-');
  // sh makes the pipes: runts's stdout (and so the container's) is a pipe into cat.
  const piped = (args: string[], out: string) => {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return spawnHelper(t, 'sh', ['-c', `${[RUNTS, '--root', stateDir(), ...args].map(q).join(' ')} </dev/null 2>${q(out + '.err')} | cat > ${q(out)}`]);
  };
  const text = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  const first = path.join(io, 'first');
  piped(['run', '-d', '--bundle', b.dir, id], first);
  await until('the container to tick on its pipe', () => /tick 3\n/.test(text(first)), 120000);
  const pid1 = remember(state(id)!.pid!);
  t.match(fs.readlinkSync(`/proc/${pid1}/fd/1`), /^pipe:/, 'its stdout is a pipe');
  t.equal(runts(['checkpoint', '--image-path', images, id], LONG).status, 0, 'checkpoint');
  const second = path.join(io, 'second');
  piped(['restore', '-d', '--image-path', images, '--bundle', b.dir, id], second);
  await until('the restored container to tick on the new pipe', () => /tick \d+\n/.test(text(second)), 120000);
  const pid2 = remember(state(id)!.pid!);
  t.match(fs.readlinkSync(`/proc/${pid2}/fd/1`), /^pipe:/, 'the restored stdout is a pipe');
  const ticks = fs.readFileSync(second, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
  t.ok(ticks[0] > 3, `the restored process writes into restore's pipe, counting on (${ticks[0]} first)`);
  t.equal(runts(['delete', '--force', id]).status, 0, 'delete --force');
});

t.test(needsCriu('through the API: Container.checkpoint and Runtime.restore'), { skip: !!problem, timeout: 600000 }, async (t) => {
  const b = counterBundle(t);
  const id = newId(t);
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const rt = new Runtime({ root: stateDir() });
  const c = await rt.create(id, { bundle: b.dir });
  await c.start();
  await until('the count to reach 2', counting(b, 2));
  await c.checkpoint({ imagePath: images });
  await t.rejects(c.state(), { name: 'RuntsError', message: `container "${id}" does not exist` }, 'gone after the checkpoint');
  const stopped = b.count();
  const r = await rt.restore(id, { bundle: b.dir, imagePath: images });
  const st = await r.state();
  t.equal(st.status, 'running', 'restored: running');
  t.ok(isAlive(remember(st.pid!)), 'its process lives');
  await until('the count to go on', counting(b, stopped + 1), 30000);
  await r.kill('SIGKILL');
  await until('stopped', () => !isAlive(st.pid!), 10000);
  await r.delete();
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'deleted');
  const err = await rt.restore(id, { bundle: b.dir, imagePath: path.join(images, 'none') }).catch((e: unknown) => e);
  t.ok(err instanceof RuntsError, 'a failed restore is a RuntsError');
  t.equal((err as RuntsError).step, 'restore: read the images', 'naming the step');
});

// ---------------------------------------------------------------- errors (run everywhere)

// A criu that refuses every dump and restore, and logs why, as criu does.
function refusingCriu(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t, 'runts-e2e-fakecriu-');
  const file = path.join(dir, 'criu');
  fs.writeFileSync(file, [
    '#!/bin/sh',
    'work=.; log=criu.log',
    'while [ $# -gt 0 ]; do case $1 in --work-dir) work=$2; shift;; --log-file) log=$2; shift;; esac; shift; done',
    'echo "(00.000100) Error (criu/fake.c:1): refused by the test" > "$work/$log"',
    'exit 1',
  ].join('\n') + '\n', { mode: 0o755 });
  return file;
}

t.test('checkpoint of a container that is not there, or only created, fails in one line and changes nothing', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const missing = runts(['checkpoint', 'e2e-no-such-container']);
  t.equal(missing.status, 1, 'exit 1 for a missing container');
  t.match(missing.stderr, /^runts: container "e2e-no-such-container" does not exist\n$/, 'one line naming it');
  t.equal(runts(['create', '--bundle', b.dir, id]).status, 0, 'create');
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const r = runts(['--criu', refusingCriu(t), 'checkpoint', '--image-path', images, id]);
  t.equal(r.status, 1, 'exit 1 for a created container');
  t.match(r.stderr, /^runts: checkpoint: container "e2e-[0-9a-f]+" is created, not running\n$/, 'one line: it is not running');
  t.equal(state(id)?.status, 'created', 'the container is still created');
});

// A machine without criu: --criu names a tool found nowhere (runts also
// looks in the sbin directories, so a short PATH would still find Debian's).
// The container and the images are checked first, as runc does, so these
// errors do not depend on criu being installed.
t.test('without criu: checkpoint names a missing or created container, restore names missing images, before looking for criu', async (t) => {
  const absent = ['--criu', 'e2e-absent-criu'];
  const missing = runts([...absent, 'checkpoint', 'e2e-no-such-container']);
  t.equal(missing.status, 1, 'exit 1');
  t.equal(missing.stderr, 'runts: container "e2e-no-such-container" does not exist\n', 'the container is named, not criu');
  const b = makeBundle(t);
  const id = newId(t);
  t.equal(runts(['create', '--bundle', b.dir, id]).status, 0, 'create');
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const created = runts([...absent, 'checkpoint', '--image-path', images, id]);
  t.equal(created.status, 1, 'exit 1 for a created container');
  t.match(created.stderr, /^runts: checkpoint: container "e2e-[0-9a-f]+" is created, not running\n$/, 'its status is named, not criu');
  t.equal(runts(['delete', '-f', id]).status, 0, 'delete');
  const noImages = runts([...absent, 'restore', '-d', '--image-path', path.join(images, 'nothing'), '--bundle', b.dir, id]);
  t.equal(noImages.status, 1, 'exit 1');
  t.match(noImages.stderr, /^runts: restore: --image-path \S+\/nothing: no checkpoint there \(no inventory.img\)\n$/, 'the images are named, not criu');
  fs.writeFileSync(path.join(images, 'inventory.img'), '');
  const noCriu = runts([...absent, 'restore', '-d', '--image-path', images, '--bundle', b.dir, id]);
  t.equal(noCriu.status, 1, 'with images: exit 1');
  t.match(noCriu.stderr, /^runts: criu: e2e-absent-criu not found on PATH/, 'then criu is named');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory left');
  t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], 'no cgroup directory left');
});

// A stand-in criu that writes its arguments to a file, then refuses.
function recordingCriu(t: Parameters<typeof tempDir>[0], argsFile: string): string {
  const file = path.join(tempDir(t, 'runts-e2e-criu-'), 'criu');
  fs.writeFileSync(file, [
    '#!/bin/sh',
    `printf '%s\\n' "$@" > ${argsFile}`,
    'work=.; log=criu.log',
    'while [ $# -gt 0 ]; do case $1 in --work-dir) work=$2; shift;; --log-file) log=$2; shift;; esac; shift; done',
    'echo "(00.000100) Error (criu/fake.c:1): refused by the test" > "$work/$log"',
    'exit 1',
  ].join('\n') + '\n', { mode: 0o755 });
  return file;
}

t.test('checkpoint --tcp-skip-in-flight and --link-remap (runc 1.5) reach criu as --skip-in-flight and --link-remap', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0, 'run -d');
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const argsFile = path.join(tempDir(t, 'runts-e2e-criu-args-'), 'args');
  const r = runts(['--criu', recordingCriu(t, argsFile), 'checkpoint', '--tcp-skip-in-flight', '--link-remap', '--image-path', images, id]);
  t.equal(r.status, 1, 'the stand-in refused');
  const args = fs.readFileSync(argsFile, 'utf8').split('\n');
  t.equal(args[0], 'dump', 'criu dump ran');
  t.ok(args.includes('--skip-in-flight'), '--skip-in-flight');
  t.ok(args.includes('--link-remap'), '--link-remap');
  const plain = runts(['--criu', recordingCriu(t, argsFile), 'checkpoint', '--image-path', images, id]);
  t.equal(plain.status, 1);
  const without = fs.readFileSync(argsFile, 'utf8').split('\n');
  t.notOk(without.includes('--skip-in-flight') || without.includes('--link-remap'), 'neither without the flags');
  t.equal(state(id)?.status, 'running', 'the container runs on');
});

t.test('criu refusing a checkpoint: one line naming the step and criu\'s log, and the container runs on', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0, 'run -d');
  const pid = remember(state(id)!.pid!);
  const images = tempDir(t, 'runts-e2e-ckpt-img-');
  const r = runts(['--criu', refusingCriu(t), 'checkpoint', '--image-path', images, id]);
  t.equal(r.status, 1, 'exit 1');
  const log = path.join(images, 'dump.log');
  t.equal(r.stderr, `runts: checkpoint: criu dump failed (exit 1): refused by the test; criu's log: ${log}\n`, 'one line: the step, criu\'s reason, its log');
  t.ok(isAlive(pid), 'the container process lives');
  t.equal(state(id)?.status, 'running', 'state says running');
  const none = runts(['--criu', '/nonexistent/criu', 'checkpoint', '--image-path', images, id]);
  t.equal(none.status, 1, 'a missing criu: exit 1');
  t.match(none.stderr, /^runts: criu: \/nonexistent\/criu not found .*--criu PATH\)\n$/, 'one line naming the tool');
});

t.test('restore that fails (no images, criu missing, criu refusing) leaves no state, cgroup or process', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const empty = tempDir(t, 'runts-e2e-ckpt-img-');
  const leftovers = (what: string) => {
    t.notOk(fs.existsSync(path.join(stateDir(), id)), `${what}: no state directory`);
    t.same(cgroupDirs(id).filter((d) => fs.existsSync(d)), [], `${what}: no cgroup directory`);
    t.same(procsInCgroup(`/runts/${id}`), [], `${what}: no process`);
  };
  const noImages = runts(['restore', '-d', '--image-path', path.join(empty, 'nothing'), '--bundle', b.dir, id]);
  t.equal(noImages.status, 1, 'a missing image directory: exit 1');
  t.match(noImages.stderr, /^runts: restore: --image-path \S+\/nothing: no checkpoint there \(no inventory.img\)\n$/, 'one line naming it');
  leftovers('no images');
  // A directory that looks like a checkpoint, for criu to refuse.
  fs.writeFileSync(path.join(empty, 'inventory.img'), '');
  const none = runts(['--criu', '/nonexistent/criu', 'restore', '-d', '--image-path', empty, '--bundle', b.dir, id]);
  t.equal(none.status, 1, 'a missing criu: exit 1');
  t.match(none.stderr, /^runts: criu: \/nonexistent\/criu not found/, 'one line naming the tool');
  leftovers('criu missing');
  const refused = runts(['--criu', refusingCriu(t), 'restore', '-d', '--image-path', empty, '--bundle', b.dir, id]);
  t.equal(refused.status, 1, 'criu refusing: exit 1');
  t.equal(refused.stderr, `runts: restore: criu restore failed (exit 1): refused by the test; criu's log: ${path.join(empty, 'restore.log')}\n`, 'one line: the step, criu\'s reason, its log');
  leftovers('criu refusing');
  const rt = new Runtime({ root: stateDir(), criu: refusingCriu(t) });
  const err = await rt.restore(id, { bundle: b.dir, imagePath: empty }).catch((e: unknown) => e);
  t.ok(err instanceof RuntsError, 'through the API: a RuntsError');
  t.equal((err as RuntsError).step, 'restore: criu restore', 'naming the step');
  leftovers('through the API');
});
