// Security regressions, end to end: each test makes the attack of a known
// container-runtime CVE class against bin/runts and checks, with what the
// kernel says (/proc/<pid>/{exe,fd,cwd,root,mountinfo}, the host's mount
// table, file hashes and directory listings), that it gets nowhere.
//
// The host side of every check is a temporary directory this file made
// (sentinel files, "host" directories that symlinks in a rootfs point at):
// nothing outside them is written. Two things are only read: the host's
// /proc/sys/kernel/core_pattern and bin/runts-init (whose hash must not
// change). Tests that run a container without a mount namespace (its mounts
// are then made in the runtime's, i.e. the host's, namespace, which is what
// makes a misdirected mount visible) lazily detach whatever is left under
// their own directories before those are removed.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Bundle,
  Config,
  REPO,
  RUNTS,
  fdsOf,
  fdTargets,
  isAlive,
  isOneLineError,
  makeBundle,
  newId,
  procExe,
  remember,
  runts,
  state,
  stateDir,
  tempDir,
  waitFor,
  writeConfig,
} from './lib';

type T = Test;

const INIT = path.join(REPO, 'bin', 'runts-init');
const TMPFS_MAGIC = 0x01021994;

// ---------------------------------------------------------------- helpers

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// The errno code a call fails with, or 'OK'.
function errnoOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

function devIno(p: string | number): string | undefined {
  try {
    const st = typeof p === 'number' ? fs.fstatSync(p) : fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

// Mount points and filesystem types of a mountinfo file (the host's by default).
function mounts(file = '/proc/self/mountinfo'): { point: string; fstype: string }[] {
  const out: { point: string; fstype: string }[] = [];
  for (const line of readText(file).split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    out.push({ point: unescapeMount(line.slice(0, sep).split(' ')[4]), fstype: line.slice(sep + 3).split(' ')[0] });
  }
  return out;
}

// Host mount points at dir or below it.
function hostMountsUnder(dir: string): string[] {
  return mounts()
    .map((m) => m.point)
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

// Everything under dir, without following symlinks: type, symlink target,
// sha256 of regular files. Two equal snapshots: nothing was written there.
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const r = path.posix.join(rel, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        out.push(`d ${r}`);
        walk(p, r);
      } else if (st.isSymbolicLink()) out.push(`l ${r} -> ${fs.readlinkSync(p)}`);
      else if (st.isFile()) out.push(`f ${r} ${sha256(p)}`);
      else out.push(`? ${r} ${st.mode.toString(8)} ${st.rdev}`);
    }
  };
  walk(dir, '');
  return out;
}

// A host directory the attacks aim at: a sentinel file in it, nothing else.
function hostTarget(t: T, prefix: string): { dir: string; secret: string; sentinel: string } {
  const dir = tempDir(t, `runts-e2e-sec-${prefix}-`);
  const secret = `host-secret-${randomBytes(6).toString('hex')}`;
  const sentinel = path.join(dir, 'SENTINEL');
  fs.writeFileSync(sentinel, secret + '\n');
  return { dir, secret, sentinel };
}

// What the host must still look like: the directory's content as it was, no mount on or under it.
function hostUnchanged(t: T, dir: string, before: string[], what: string): void {
  t.same(hostMountsUnder(dir), [], `${what}: nothing is mounted on or under the host directory ${dir}`);
  t.same(snapshot(dir), before, `${what}: the host directory ${dir} is unchanged`);
}

// The fingerprint of bin/runts-init. Other work may rebuild it while the
// tests run (the linker writes a new inode): an attack writes in place, so
// the hash must stay the same while the inode does, and the marker an
// attacker appends must never be in the file.
interface InitPrint {
  id: string;
  hash: string;
}
function initPrint(): InitPrint {
  return { id: devIno(INIT)!, hash: sha256(INIT) };
}
function initUnchanged(t: T, before: InitPrint, marker: string): void {
  const now = initPrint();
  if (now.id === before.id) t.equal(now.hash, before.hash, 'bin/runts-init on disk is unchanged (sha256)');
  else t.comment('bin/runts-init was replaced by a rebuild meanwhile: checking for the attack marker only');
  t.notOk(fs.readFileSync(INIT).includes(marker), 'bin/runts-init does not contain what the container wrote');
}

function created(t: T, bundle: string, id: string): number {
  const r = runts(['create', '--bundle', bundle, id]);
  t.equal(r.status, 0, `create ${id}`, { stderr: r.stderr });
  const s = state(id);
  if (!s?.pid) throw new Error(`create ${id}: no pid (${r.stderr.trim()})`);
  return remember(s.pid);
}

// runts with extra fds of the caller at the given numbers, NOT announced with
// --preserve-fds: what a careless caller leaks into the runtime.
function runtsLeaking(t: T, args: string[], leak: Record<number, number>) {
  const dir = tempDir(t, 'runts-e2e-sec-io-');
  const outFile = path.join(dir, 'out');
  const errFile = path.join(dir, 'err');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  const stdio: ('ignore' | number)[] = ['ignore', out, err];
  const max = Math.max(2, ...Object.keys(leak).map(Number));
  for (let fd = 3; fd <= max; fd++) stdio.push(leak[fd] ?? 'ignore');
  let res;
  try {
    res = spawnSync(RUNTS, ['--root', stateDir(), ...args], { cwd: REPO, stdio, timeout: 20000, killSignal: 'SIGKILL' });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  return { status: res.status, stdout: readText(outFile), stderr: readText(errFile), outFile };
}

// A container without a mount namespace has its mounts made in the host's:
// keep only what the init needs (/proc) plus what the test adds.
function withoutMountNs(c: Config): void {
  c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
  c.mounts = c.mounts.filter((m: { destination: string }) => m.destination === '/proc');
  c.linux.maskedPaths = [];
  c.linux.readonlyPaths = [];
}

// For containers without a mount namespace: on teardown (before the lib
// removes the directories) delete them, then detach anything still mounted
// under the test's directories, deepest first. Call after makeBundle/newId
// (tap runs teardowns last-in first-out).
function guardHostMounts(t: T, ids: () => string[], dirs: () => string[]): void {
  t.teardown(() => {
    for (const id of ids()) if (fs.existsSync(path.join(stateDir(), id))) runts(['delete', '--force', id]);
    for (let round = 0; round < 5; round++) {
      const left = dirs().flatMap(hostMountsUnder);
      if (!left.length) return;
      for (const p of [...new Set(left)].sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p]);
    }
  });
}

// The mounts a container's process sees, as paths inside its root.
function containerMounts(pid: number): { point: string; fstype: string }[] {
  return mounts(`/proc/${pid}/mountinfo`);
}

// The process's working directory is reachable from its root (what getcwd
// needs), and is none of the given host directories.
function cwdInsideRoot(pid: number, hostDirs: string[]): boolean {
  const cwd = devIno(`/proc/${pid}/cwd`);
  let link: string;
  try {
    link = fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return false;
  }
  if (!link.startsWith('/')) return false;
  const viaRoot = devIno(`/proc/${pid}/root${link}`);
  return cwd !== undefined && cwd === viaRoot && !hostDirs.some((d) => devIno(d) === cwd);
}

// The fds (3..10 are the ones runc's CVE-2024-21626 was about; Node keeps the
// caller's low fds to itself, so also two higher ones that do get through).
const FD_NUMBERS = [3, 4, 5, 6, 7, 8, 9, 10, 20, 40];

// A host directory with a sentinel, its content as it is now, and a map that
// hands an open fd of it to runts as each of FD_NUMBERS (see runtsLeaking).
function leakedHostDir(t: T, prefix: string) {
  const host = hostTarget(t, prefix);
  const before = snapshot(host.dir);
  const dirFd = fs.openSync(host.dir, 'r');
  t.teardown(() => fs.closeSync(dirFd));
  const leak: Record<number, number> = {};
  for (const n of FD_NUMBERS) leak[n] = dirFd;
  return { host, before, leak };
}

// ---------------------------------------------------------------- CVE-2019-5736

// In the container: write to /proc/1/exe (the waiting init); keep it open
// read-only; once the host says go (the init has exec'd the program, so the
// file is no longer busy), write through the kept fd, the way the published
// exploit overwrote runc.
const HOLD_AND_WRITE = `#!/bin/sh
m=$1
if echo "$m" >> /proc/1/exe; then echo "direct-write: WROTE"; else echo "direct-write: refused"; fi
exec 9< /proc/1/exe || { echo "hold: cannot open"; exit 0; }
echo "hold: $(readlink /proc/self/fd/9)"
while [ ! -e /tmp/go ]; do sleep 0.02; done
echo "after start: /proc/1/exe is $(readlink /proc/1/exe)"
if echo "$m" >> /proc/self/fd/9; then echo "fd-write: WROTE"; else echo "fd-write: refused"; fi
echo done
`;

// The container's program: until /tmp/stop exists, append the marker to the
// exe of every process of its pid namespace; whenever one is a runts-init,
// also keep its exe open and write through that fd a little later.
const EXE_LOOP = `#!/bin/sh
m=$1
n=0
echo started
while [ ! -e /tmp/stop ]; do
  for p in /proc/[0-9]*; do
    [ "$p" = "/proc/$$" ] && continue
    if echo "$m" >> $p/exe; then echo "WROTE $p"; fi
    case "$(readlink $p/exe)" in
      *runts*) echo "seen $p $(readlink $p/exe)"
        ( exec 8< $p/exe && { sleep 0.2; if echo "$m" >> /proc/self/fd/8; then echo "WROTE-HELD $p"; else echo "held-refused $p"; fi; } ) & ;;
    esac
  done 2>/dev/null
  n=$((n+1))
done
wait
echo "rounds $n"
`;

t.test('CVE-2019-5736: no process of a container can write bin/runts-init through /proc/<pid>/exe', async (t) => {
  const marker = `RUNTS-SEC-MARKER-${randomBytes(8).toString('hex')}`;
  const before = initPrint();
  const diskId = before.id;

  // (a) A created container: the waiting init runs from a sealed memfd.
  const b = makeBundle(t, { args: ['sleep', '30'] });
  fs.writeFileSync(path.join(b.rootfs, 'hold.sh'), HOLD_AND_WRITE, { mode: 0o755 });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  t.equal(procExe(pid), '/memfd:runts-init (deleted)', '/proc/<init>/exe is the memfd copy');
  const exeId = devIno(`/proc/${pid}/exe`);
  t.not(exeId, diskId, '/proc/<init>/exe is not the file bin/runts-init');
  if (procExe(pid) !== '/memfd:runts-init (deleted)' || exeId === diskId) {
    // Writing now could damage the shared binary: stop here, failed.
    t.fail('the init runs from the binary on disk: not attempting writes');
    return;
  }
  const w = errnoOf(() => fs.closeSync(fs.openSync(`/proc/${pid}/exe`, 'a')));
  t.ok(w === 'ETXTBSY' || w === 'EPERM', `opening /proc/<init>/exe for writing from the host fails (${w})`);
  const held = fs.openSync(`/proc/${pid}/exe`, 'r'); // what an attacker keeps for later
  t.teardown(() => fs.closeSync(held));

  // The same from inside the container: a process exec'd into it sees the init as PID 1.
  const attacker = runts(['exec', '--detach', id, '/hold.sh', marker]);
  t.equal(attacker.status, 0, 'exec the attacker into the created container', { stderr: attacker.stderr });
  t.ok(await waitFor(() => /^hold: /m.test(readText(attacker.outFile))), 'the attacker holds /proc/1/exe open');
  const s = runts(['start', id]);
  t.equal(s.status, 0, 'start', { stderr: s.stderr });
  t.ok(await waitFor(() => !/runts-init/.test(procExe(pid) ?? '')), 'the init has exec\'d the program');
  fs.writeFileSync(path.join(b.rootfs, 'tmp', 'go'), '');
  t.ok(await waitFor(() => /^done$/m.test(readText(attacker.outFile))), 'the attacker finished');
  const out = readText(attacker.outFile);
  t.match(out, /^direct-write: refused$/m, 'inside: writing /proc/1/exe of the waiting init fails', { out });
  t.match(out, /^hold: \/memfd:runts-init/m, 'inside: /proc/1/exe is the memfd', { out });
  t.match(out, /^fd-write: refused$/m, 'inside: writing through the kept fd after the init is gone fails (sealed)', { out });

  // The host's kept fd: still the memfd, still not writable.
  t.not(devIno(held), diskId, 'the fd kept from the host is not bin/runts-init');
  const hw = errnoOf(() => {
    const fd = fs.openSync(`/proc/self/fd/${held}`, 'a');
    try {
      fs.writeSync(fd, marker);
    } finally {
      fs.closeSync(fd);
    }
  });
  t.ok(hw === 'EPERM' || hw === 'ETXTBSY' || hw === 'EACCES', `writing through it from the host fails too (${hw})`);

  // (b) A running container whose program keeps trying every /proc/<pid>/exe
  // while runts exec runs, including a program whose interpreter is
  // /proc/self/exe (the published trigger: it re-executes the runtime's init).
  const lb = makeBundle(t, { args: ['/loop.sh', marker] });
  fs.writeFileSync(path.join(lb.rootfs, 'loop.sh'), EXE_LOOP, { mode: 0o755 });
  fs.writeFileSync(path.join(lb.rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
  const lid = newId(t);
  const run = runts(['run', '--detach', '--bundle', lb.dir, lid]);
  t.equal(run.status, 0, 'run --detach the attacker loop', { stderr: run.stderr });
  t.ok(await waitFor(() => readText(run.outFile).includes('started')), 'the attacker loop runs');
  for (let i = 0; i < 4; i++) {
    const e = runts(['exec', lid, '/evil']);
    t.not(e.status, 0, 'exec of a #!/proc/self/exe program does not run anything useful');
    t.match(e.stderr, /runts-init: _RUNTS_SYNC is not set/, 'it re-executed the (sealed) init, which refused to run', { stderr: e.stderr });
    const ok = runts(['exec', lid, 'true']);
    t.equal(ok.status, 0, 'a plain exec meanwhile', { stderr: ok.stderr });
  }
  fs.writeFileSync(path.join(lb.rootfs, 'tmp', 'stop'), '');
  t.ok(await waitFor(() => /^rounds \d+$/m.test(readText(run.outFile)), 5000), 'the attacker loop stopped');
  const log = readText(run.outFile);
  t.ok(Number(/^rounds (\d+)$/m.exec(log)?.[1]) > 0, 'it went round at least once');
  t.notMatch(log, /WROTE/, 'no write to any /proc/<pid>/exe succeeded', { log: log.split('\n').filter((l) => !/^seen/.test(l)).join('\n') });
  const seen = log.split('\n').filter((l) => l.startsWith('seen')).length;
  t.comment(`the loop caught an exec'ing runts-init ${seen} time(s)`);

  initUnchanged(t, before, marker);
});

// ---------------------------------------------------------------- CVE-2024-21626

t.test('CVE-2024-21626: process.cwd /proc/self/fd/N never puts the process in a host directory', async (t) => {
  const { host, before, leak } = leakedHostDir(t, 'cwd');
  const b = makeBundle(t, { args: ['sh', '-c', 'cat ./SENTINEL; sleep 30'] });
  for (const n of FD_NUMBERS) {
    writeConfig(b, (c) => (c.process.cwd = `/proc/self/fd/${n}`));
    const id = newId(t);
    const r = runtsLeaking(t, ['create', '--bundle', b.dir, id], leak);
    if (r.status === 0) {
      const pid = remember(state(id)!.pid!);
      t.ok(cwdInsideRoot(pid, [host.dir, b.dir, REPO, '/', stateDir()]), `cwd /proc/self/fd/${n}: the process's cwd is inside its root`, {
        cwd: fs.readlinkSync(`/proc/${pid}/cwd`),
      });
      runts(['start', id]);
      await waitFor(() => !/runts-init/.test(procExe(pid) ?? ''));
      t.notMatch(readText(r.outFile), host.secret, `cwd /proc/self/fd/${n}: the program cannot read the host sentinel`);
    } else {
      t.equal(r.status, 1, `cwd /proc/self/fd/${n}: create refuses`);
      t.ok(isOneLineError(r.stderr), `cwd /proc/self/fd/${n}: one line of error`, { stderr: r.stderr });
      t.match(r.stderr, /working directory/, `cwd /proc/self/fd/${n}: the error is about the working directory`);
      t.notOk(state(id), `cwd /proc/self/fd/${n}: no container is left`);
    }
  }
  hostUnchanged(t, host.dir, before, 'after all creates');
});

t.test('CVE-2024-21626: no fd beyond stdio reaches a container, neither its waiting init nor its program', async (t) => {
  const { host, before, leak } = leakedHostDir(t, 'fds');

  const b = makeBundle(t, { args: ['sleep', '30'] });
  const id = newId(t);
  const r = runtsLeaking(t, ['create', '--bundle', b.dir, id], leak);
  t.equal(r.status, 0, 'create, called with stray directory fds and no --preserve-fds', { stderr: r.stderr });
  const pid = remember(state(id)!.pid!);

  // The waiting init is PID 1 of the container: anything it holds, a process
  // exec'd into the created container reaches through /proc/1/fd.
  const fds = fdTargets(pid);
  const extra = Object.entries(fds).filter(([fd, target]) => Number(fd) > 2 && !target.endsWith(`/${id}/barrier`));
  t.same(extra, [], 'the waiting init holds no fd but stdio and its start barrier', { fds });
  t.notOk(
    Object.keys(fds).some((fd) => devIno(`/proc/${pid}/fd/${fd}`) === devIno(host.dir)),
    'in particular not the host directory the caller had open',
  );
  const probe = runts(['exec', id, 'sh', '-c', 'for f in /proc/1/fd/*; do cat "$f/SENTINEL" 2>/dev/null; touch "$f/escaped" 2>/dev/null; done; true']);
  t.equal(probe.status, 0, 'exec a probe into the created container', { stderr: probe.stderr });
  t.notMatch(probe.stdout, host.secret, 'the probe cannot read the host sentinel through /proc/1/fd');
  hostUnchanged(t, host.dir, before, 'after the probe');

  // After start: the program has exactly stdio.
  const s = runts(['start', id]);
  t.equal(s.status, 0, 'start', { stderr: s.stderr });
  t.ok(await waitFor(() => !/runts-init/.test(procExe(pid) ?? '')), 'the program runs');
  t.same(fdsOf(pid), [0, 1, 2], 'the container process has only fds 0, 1, 2', { fds: fdTargets(pid) });

  // An exec'd process, again with stray fds in the caller.
  const dir = tempDir(t);
  const pidFile = path.join(dir, 'exec.pid');
  const e = runtsLeaking(t, ['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '30'], leak);
  t.equal(e.status, 0, 'exec --detach with stray fds', { stderr: e.stderr });
  const epid = remember(Number(readText(pidFile)));
  t.ok(epid > 0 && isAlive(epid), 'the exec process runs');
  t.same(fdsOf(epid), [0, 1, 2], 'the exec process has only fds 0, 1, 2', { fds: fdTargets(epid) });
  hostUnchanged(t, host.dir, before, 'at the end');
});

t.test('CVE-2024-21626: exec --cwd /proc/self/fd/N cannot land outside the container', async (t) => {
  const { host, before, leak } = leakedHostDir(t, 'execcwd');
  const b = makeBundle(t, { args: ['sleep', '30'] });
  const id = newId(t);
  const run = runts(['run', '--detach', '--bundle', b.dir, id]);
  t.equal(run.status, 0, 'run --detach', { stderr: run.stderr });
  for (const n of FD_NUMBERS) {
    const r = runtsLeaking(t, ['exec', '--cwd', `/proc/self/fd/${n}`, id, 'sh', '-c', 'cat ./SENTINEL 2>/dev/null; echo "cwd=$(pwd -P)"'], leak);
    t.notMatch(r.stdout, host.secret, `--cwd /proc/self/fd/${n}: the host sentinel is not readable`);
    if (r.status === 0) {
      t.match(r.stdout, /^cwd=\/\S*$/m, `--cwd /proc/self/fd/${n}: the cwd is a path inside the container`, { stdout: r.stdout });
    } else {
      t.ok(isOneLineError(r.stderr), `--cwd /proc/self/fd/${n}: refused with one line`, { stderr: r.stderr });
      t.match(r.stderr, /chdir/, `--cwd /proc/self/fd/${n}: the error is about the chdir`);
    }
  }
  hostUnchanged(t, host.dir, before, 'after all execs');
});

t.test('exec into a container without a mount namespace stays inside its rootfs', async (t) => {
  const host = hostTarget(t, 'nomntns-exec');
  const b = makeBundle(t, { args: ['sleep', '30'], edit: withoutMountNs });
  const inside = `inside-${randomBytes(6).toString('hex')}`;
  fs.writeFileSync(path.join(b.rootfs, 'INSIDE'), inside + '\n');
  const id = newId(t);
  guardHostMounts(t, () => [id], () => [b.dir]);
  const run = runts(['run', '--detach', '--bundle', b.dir, id]);
  t.equal(run.status, 0, 'run --detach (no mount namespace)', { stderr: run.stderr });
  const pid = remember(state(id)!.pid!);
  t.equal(devIno(`/proc/${pid}/root`), devIno(b.rootfs), 'the container process is rooted at its rootfs');

  const r = runts(['exec', id, 'sh', '-c', `cat /INSIDE; cat ${host.sentinel}; true`]);
  t.equal(r.status, 0, 'exec', { stderr: r.stderr });
  t.match(r.stdout, inside, 'the exec process sees the container\'s files');
  t.notMatch(r.stdout, host.secret, 'the exec process cannot read a host file by its host path');

  const dir = tempDir(t);
  const pidFile = path.join(dir, 'exec.pid');
  const e = runts(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '30']);
  t.equal(e.status, 0, 'exec --detach', { stderr: e.stderr });
  const epid = remember(Number(readText(pidFile)));
  t.equal(devIno(`/proc/${epid}/root`), devIno(`/proc/${pid}/root`), 'the exec process has the container\'s root, not the host\'s', {
    root: fs.readlinkSync(`/proc/${epid}/root`),
  });
});

// ---------------------------------------------------------------- CVE-2021-30465 / CVE-2019-19921

// For both ways runts makes mounts (in the container's own mount namespace,
// and, without one, in the host's): symlinks in the rootfs that point at a
// host directory, absolute or through "..", and mount destinations with "..".
for (const mountNs of [true, false]) {
  const how = mountNs ? 'with a mount namespace' : 'without a mount namespace (mounts made in the host\'s)';
  t.test(`CVE-2021-30465/CVE-2019-19921: symlinks and ".." in the rootfs never send a mount to the host, ${how}`, async (t) => {
    const host = hostTarget(t, 'mnt');
    const missing = hostTarget(t, 'mnt-missing'); // a target with no counterpart in the rootfs
    const bindSrc = hostTarget(t, 'bindsrc');
    const before = snapshot(host.dir);
    const beforeMissing = snapshot(missing.dir);
    const up = '../../../../../../../..'; // more ".." than the rootfs is deep
    const ids: string[] = [];
    const dirs: string[] = [];
    const edit = (extra: (c: Config) => void) => (c: Config) => {
      if (!mountNs) withoutMountNs(c);
      extra(c);
    };
    const bundle = (extra: (c: Config) => void): Bundle => {
      const b = makeBundle(t, { edit: edit(extra) });
      dirs.push(b.dir);
      return b;
    };
    const id = () => {
      const i = newId(t);
      ids.push(i);
      return i;
    };
    guardHostMounts(t, () => ids, () => [...dirs, host.dir, missing.dir, bindSrc.dir]);

    // Targets that resolve, inside the root, to an existing directory.
    const a = bundle((c) => {
      c.mounts.push({ destination: '/evil-abs', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      c.mounts.push({ destination: '/evil-rel', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      c.mounts.push({ destination: `/../../../..${host.dir}/bound`, type: 'bind', source: bindSrc.dir, options: ['rbind'] });
      c.mounts.push({ destination: `/tmp/${up}${host.dir}/bound2`, type: 'bind', source: bindSrc.dir, options: ['rbind'] });
    });
    fs.mkdirSync(path.join(a.rootfs, host.dir), { recursive: true });
    fs.mkdirSync(path.join(a.rootfs, host.dir, 'abs'));
    fs.mkdirSync(path.join(a.rootfs, host.dir, 'rel'));
    fs.symlinkSync(path.join(host.dir, 'abs'), path.join(a.rootfs, 'evil-abs'));
    fs.symlinkSync(`${up}${host.dir}/rel`, path.join(a.rootfs, 'evil-rel'));
    fs.mkdirSync(path.join(host.dir, 'abs'));
    fs.mkdirSync(path.join(host.dir, 'rel'));
    const beforeA = snapshot(host.dir);
    const aid = id();
    const apid = created(t, a.dir, aid);
    hostUnchanged(t, host.dir, beforeA, 'symlinked tmpfs targets and ".." bind destinations');
    const am = containerMounts(apid);
    for (const [sub, type] of [['abs', 'tmpfs'], ['rel', 'tmpfs']]) {
      t.ok(am.some((m) => m.point === `${host.dir}/${sub}` && m.fstype === type), `the ${sub} symlink's tmpfs is mounted at its in-root target`, { mounts: am });
    }
    t.ok(am.some((m) => m.point === `${host.dir}/bound`), 'the "/../../.." bind lands inside the rootfs');
    t.ok(am.some((m) => m.point === `${host.dir}/bound2`), 'the "/tmp/../../.." bind lands inside the rootfs');
    if (!mountNs) {
      const hm = hostMountsUnder(a.rootfs);
      t.ok(hm.includes(path.join(a.rootfs, host.dir, 'abs')), 'on the host the tmpfs is under the rootfs', { hm });
    }
    // Through the container's root (/proc/<pid>/root), at the in-root paths.
    const inRoot = (p: string) => `/proc/${apid}/root${p}`;
    t.same(fs.readdirSync(inRoot(`${host.dir}/bound`)), ['SENTINEL'], 'the bind source is visible at the in-root destination');
    t.equal(readText(inRoot(`${host.dir}/bound/SENTINEL`)), readText(bindSrc.sentinel), '(it is the bind source)');
    t.equal(fs.statfsSync(inRoot(`${host.dir}/abs`)).type, TMPFS_MAGIC, 'the in-root target of /evil-abs is the tmpfs');
    t.same(fs.readdirSync(inRoot(`${host.dir}/abs`)), [], 'and it is empty: not the host directory');
    t.equal(runts(['delete', '--force', aid]).status, 0, 'delete');
    fs.rmdirSync(path.join(host.dir, 'abs'));
    fs.rmdirSync(path.join(host.dir, 'rel'));

    // Targets with nothing behind them inside the root: refused, or made inside.
    const m = bundle((c) => c.mounts.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }));
    fs.symlinkSync(missing.dir, path.join(m.rootfs, 'evil'));
    const mid = id();
    const mr = runts(['create', '--bundle', m.dir, mid]);
    if (mr.status === 0) {
      const mm = containerMounts(state(mid)!.pid!);
      t.ok(mm.some((x) => x.point === missing.dir && x.fstype === 'tmpfs'), 'made inside the root', { mm });
    } else {
      t.ok(isOneLineError(mr.stderr), 'a dangling symlink destination: create refuses with one line', { stderr: mr.stderr });
      t.match(mr.stderr, /\/evil/, 'naming the mount point');
    }
    hostUnchanged(t, missing.dir, beforeMissing, 'dangling symlink destination');

    // /proc itself a symlink to a host directory: absolute (existing in the
    // root), relative through ".." (nothing behind it in the root).
    const p = bundle(() => undefined);
    fs.rmdirSync(path.join(p.rootfs, 'proc'));
    fs.symlinkSync(host.dir, path.join(p.rootfs, 'proc'));
    fs.mkdirSync(path.join(p.rootfs, host.dir), { recursive: true });
    const pid2 = id();
    const pr = runts(['create', '--bundle', p.dir, pid2]);
    hostUnchanged(t, host.dir, before, '/proc -> host directory (absolute)');
    if (pr.status === 0) {
      const pm = containerMounts(state(pid2)!.pid!);
      t.ok(pm.some((x) => x.point === host.dir && x.fstype === 'proc'), 'proc is mounted at the in-root target', { pm });
    } else {
      t.ok(isOneLineError(pr.stderr), '/proc -> host directory: create refuses with one line', { stderr: pr.stderr });
    }
    t.equal(runts(['delete', '--force', pid2]).status, 0, 'delete');

    const q = bundle(() => undefined);
    fs.rmdirSync(path.join(q.rootfs, 'proc'));
    fs.symlinkSync(`${up}${missing.dir}`, path.join(q.rootfs, 'proc'));
    const qid = id();
    const qr = runts(['create', '--bundle', q.dir, qid]);
    hostUnchanged(t, missing.dir, beforeMissing, '/proc -> ../../host directory (relative)');
    if (qr.status === 0) {
      const qm = containerMounts(state(qid)!.pid!);
      t.ok(qm.some((x) => x.point === missing.dir && x.fstype === 'proc'), 'proc is mounted inside the root', { qm });
    } else {
      t.ok(isOneLineError(qr.stderr), '/proc -> ../../host directory: create refuses with one line', { stderr: qr.stderr });
      t.match(qr.stderr, /proc/, 'naming /proc');
    }
    hostUnchanged(t, host.dir, before, 'at the end');
  });
}

// ---------------------------------------------------------------- CVE-2025-31133

t.test('CVE-2025-31133: masked paths get the real /dev/null or create fails, whatever the rootfs has at /dev/null', async (t) => {
  const corePattern = readText('/proc/sys/kernel/core_pattern');
  const host = hostTarget(t, 'devnull');
  const before = snapshot(host.dir);
  const noDevTmpfs = (c: Config) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev');
  };
  // Control: /dev from the rootfs, runts makes the node: the masks are 1:3.
  const ok = makeBundle(t, { edit: noDevTmpfs });
  // The masked paths that are files on this kernel (directories get a tmpfs).
  const maskedFiles = (ok.config.linux.maskedPaths as string[]).filter((p) => {
    try {
      return !fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  });
  t.ok(maskedFiles.length > 0, `some default masked paths are files here (${maskedFiles.join(', ')})`);
  const okId = newId(t);
  created(t, ok.dir, okId);
  const st = runts(['exec', okId, 'stat', '-c', '%n %F %t:%T', ...maskedFiles]);
  t.equal(st.status, 0, 'control: stat the masked files', { stderr: st.stderr });
  for (const p of maskedFiles) t.match(st.stdout, `${p} character special file 1:3`, `control: ${p} is masked by the null device`);

  const variants: [string, (dev: string) => void][] = [
    ['a symlink to /proc/sys/kernel/core_pattern', (dev) => fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'null'))],
    ['a symlink to a host file', (dev) => fs.symlinkSync(host.sentinel, path.join(dev, 'null'))],
    ['a regular file', (dev) => fs.writeFileSync(path.join(dev, 'null'), 'not null\n')],
    ['a fifo', (dev) => spawnSync('mknod', [path.join(dev, 'null'), 'p'])],
    ['a different char device (1:5, zero)', (dev) => spawnSync('mknod', [path.join(dev, 'null'), 'c', '1', '5'])],
  ];
  for (const [what, plant] of variants) {
    const b = makeBundle(t, { edit: noDevTmpfs });
    plant(path.join(b.rootfs, 'dev'));
    const id = newId(t);
    const r = runts(['create', '--bundle', b.dir, id]);
    if (r.status === 0) {
      const s = runts(['exec', id, 'stat', '-c', '%n %F %t:%T', ...maskedFiles]);
      for (const p of maskedFiles) t.match(s.stdout, `${p} character special file 1:3`, `${what}: ${p} is masked by the real null device`);
    } else {
      t.ok(isOneLineError(r.stderr), `${what}: create refuses with one line`, { stderr: r.stderr });
      t.match(r.stderr, /\/dev\/null/, `${what}: the error names /dev/null`);
      t.notOk(state(id), `${what}: no container is left`);
    }
  }
  t.equal(readText('/proc/sys/kernel/core_pattern'), corePattern, 'the host\'s core_pattern is unchanged');
  hostUnchanged(t, host.dir, before, 'after all variants');
});

// ---------------------------------------------------------------- symlinked mount points

for (const mountNs of [true, false]) {
  const how = mountNs ? 'with a mount namespace' : 'without a mount namespace (mounts made in the host\'s)';
  t.test(`rootfs symlinks at /etc/hostname, /dev/pts, /dev/shm, /dev/mqueue, /sys, /dev never make runts write or mount on the host, ${how}`, async (t) => {
    const host = hostTarget(t, 'links');
    for (const d of ['pts', 'shm', 'mqueue', 'sys', 'dev']) fs.mkdirSync(path.join(host.dir, d));
    fs.writeFileSync(path.join(host.dir, 'hostname'), 'host-hostname\n');
    const before = snapshot(host.dir);
    const hnDir = tempDir(t, 'runts-e2e-sec-hn-');
    const hnFile = path.join(hnDir, 'hostname');
    fs.writeFileSync(hnFile, 'container-hostname\n');
    const ids: string[] = [];
    const dirs: string[] = [];
    guardHostMounts(t, () => ids, () => [...dirs, host.dir, hnDir]);

    const LINKED = ['/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/etc/hostname'];
    const make = (inRootTargets: boolean) => {
      const b = makeBundle(t, {
        edit: (c) => {
          const keep = c.mounts.filter((m: { destination: string }) => ['/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'].includes(m.destination));
          if (!mountNs) withoutMountNs(c);
          // /dev from the rootfs (so its entries can be symlinks); no cgroup mount.
          c.mounts = [
            ...c.mounts.filter((m: { destination: string }) => m.destination === '/proc'),
            ...keep,
            { destination: '/etc/hostname', type: 'bind', source: hnFile, options: ['rbind', 'ro'] },
          ];
        },
      });
      dirs.push(b.dir);
      // sysfs (like proc) is refused on a symlink, as runc refuses it
      // (CVE-2019-19921; runc-parity.test.ts): with in-root targets /sys stays a directory.
      const linked = inRootTargets ? LINKED.filter((p) => p !== '/sys') : LINKED;
      if (!inRootTargets) fs.rmdirSync(path.join(b.rootfs, 'sys'));
      for (const p of linked) fs.symlinkSync(path.join(host.dir, path.basename(p)), path.join(b.rootfs, p));
      if (inRootTargets) {
        for (const d of ['pts', 'shm', 'mqueue', 'sys']) fs.mkdirSync(path.join(b.rootfs, host.dir, d), { recursive: true });
        fs.writeFileSync(path.join(b.rootfs, host.dir, 'hostname'), '');
      }
      return b;
    };

    // Nothing behind the symlinks inside the root: refused (or made inside).
    const m = make(false);
    const mid = newId(t);
    ids.push(mid);
    const mr = runts(['create', '--bundle', m.dir, mid]);
    if (mr.status !== 0) t.ok(isOneLineError(mr.stderr), 'dangling symlinked mount points: create refuses with one line', { stderr: mr.stderr });
    hostUnchanged(t, host.dir, before, 'dangling symlinked mount points');
    runts(['delete', '--force', mid]);

    // Existing in-root targets: everything is mounted there.
    const b = make(true);
    const id = newId(t);
    ids.push(id);
    const pid = created(t, b.dir, id);
    hostUnchanged(t, host.dir, before, 'symlinked mount points');
    t.equal(readText(path.join(host.dir, 'hostname')), 'host-hostname\n', 'the host file a symlinked /etc/hostname points at is unchanged');
    const cm = containerMounts(pid);
    for (const [d, type] of [['pts', 'devpts'], ['shm', 'tmpfs'], ['mqueue', 'mqueue']]) {
      t.ok(cm.some((x) => x.point === `${host.dir}/${d}` && x.fstype === type), `${type} is mounted at the in-root target of /dev/${d}`, { mounts: cm });
    }
    t.equal(readText(`/proc/${pid}/root${host.dir}/hostname`), 'container-hostname\n', 'the in-root target of /etc/hostname is the bound file');
    if (!mountNs) {
      const hm = hostMountsUnder(b.rootfs);
      t.ok(hm.includes(path.join(b.rootfs, host.dir, 'pts')), 'on the host, devpts is under the rootfs', { hm });
    }
    t.equal(runts(['delete', '--force', id]).status, 0, 'delete');

    // /dev itself a symlink to a host directory, with the default devices made by mknod.
    const d = makeBundle(t, {
      edit: (c) => {
        if (!mountNs) withoutMountNs(c);
        c.mounts = c.mounts.filter((x: { destination: string }) => !x.destination.startsWith('/dev') && !x.destination.startsWith('/sys'));
      },
    });
    dirs.push(d.dir);
    fs.rmSync(path.join(d.rootfs, 'dev'), { recursive: true });
    fs.symlinkSync(path.join(host.dir, 'dev'), path.join(d.rootfs, 'dev'));
    const did = newId(t);
    ids.push(did);
    const dr = runts(['create', '--bundle', d.dir, did]);
    hostUnchanged(t, host.dir, before, '/dev -> host directory (devices, /dev/fd links)');
    if (dr.status !== 0) t.ok(isOneLineError(dr.stderr), '/dev -> host directory: create refuses with one line', { stderr: dr.stderr });
    else t.ok(fs.existsSync(path.join(d.rootfs, host.dir, 'dev', 'null')), '/dev -> host directory: the devices are made inside the root');
  });
}

// ---------------------------------------------------------------- runtime files

t.test('hooks with relative paths are refused, and never run', async (t) => {
  const cwd = tempDir(t);
  const ran = path.join(cwd, 'ran');
  fs.mkdirSync(path.join(cwd, 'hooks'));
  fs.writeFileSync(path.join(cwd, 'hooks', 'evil'), `#!/bin/sh\necho ran >> ${ran}\n`, { mode: 0o755 });
  const b = makeBundle(t);
  for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
    writeConfig(b, (c) => (c.hooks = { [kind]: [{ path: 'hooks/evil' }] }));
    const id = newId(t);
    const r = runts(['run', '--detach', '--bundle', b.dir, id], { cwd });
    t.equal(r.status, 1, `${kind}: a relative hook path is refused`);
    t.ok(isOneLineError(r.stderr), `${kind}: one line of error`, { stderr: r.stderr });
    t.match(r.stderr, new RegExp(`/hooks/${kind}/0/path: must be an absolute path`), `${kind}: the error names the hook`);
    t.notOk(state(id), `${kind}: no container is left`);
  }
  t.notOk(fs.existsSync(ran), 'the relative hook never ran');
});

t.test('--pid-file is replaced atomically, never written through a planted symlink', async (t) => {
  const dir = tempDir(t);
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'victim content\n');
  const pidFile = path.join(dir, 'container.pid');
  fs.symlinkSync(victim, pidFile);
  const b = makeBundle(t);
  const id = newId(t);
  const r = runts(['create', '--pid-file', pidFile, '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'create --pid-file', { stderr: r.stderr });
  const pid = state(id)!.pid!;
  t.equal(readText(victim), 'victim content\n', 'the symlink\'s target is unchanged');
  t.ok(fs.lstatSync(pidFile).isFile(), 'the pid file is now a regular file');
  t.equal(readText(pidFile), String(pid), 'holding exactly the pid');
  t.same(fs.readdirSync(dir).sort(), ['container.pid', 'victim'], 'no temporary file is left beside it');
});
