// Rootless runts (docs/rootless.md), end to end, as an unprivileged user
// this file makes with useradd and removes again (even on failure): the
// container's process on the host is the caller's uid, in a user namespace
// with the config's mapping, root inside; the lifecycle works and leaves
// nothing behind; ranges go through newuidmap/newgidmap with /etc/subuid
// and /etc/subgid lines added here; what the user may not do fails in one
// line naming the field, leaving nothing.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isOneLineError, makeBundle, REPO, statusField, tempDir, waitFor } from './lib';

const USER = `runts-rl-${process.pid}`;
const maxUserNs = Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim());
const haveTools = ['runuser', 'useradd', 'userdel', 'newuidmap', 'newgidmap'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
const skip = maxUserNs === 0 ? 'the host allows no user namespaces (max_user_namespaces is 0)' : !haveTools ? 'runuser, useradd or newuidmap missing' : process.getuid!() !== 0 ? 'needs root to make the test user' : false;

let uid = -1;
let gid = -1;
let prefix = ''; // runts installed there
let runtsCopy = ''; // bin/runts as installed, in a directory the user can reach
let xdg = ''; // the user's XDG_RUNTIME_DIR
let io = '';
let seq = 0;
const subLines: string[] = []; // lines added to /etc/subuid and /etc/subgid
const ids = new Set<string>();
let subStart = -1; // the subordinate range added for the user (65536 ids), once added

function sh(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// The user's processes, by pid from /proc (the user is this file's own: all of them are ours).
function userPids(): number[] {
  const out: number[] = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = fs.readFileSync(`/proc/${n}/status`, 'utf8');
      const u = /^Uid:\s+(\d+)\s+(\d+)/m.exec(st);
      const mine = (id: number) => id === uid || (subStart >= 0 && id >= subStart && id < subStart + 65536);
      if (u && (mine(Number(u[1])) || mine(Number(u[2]))) && !/^State:\s+Z/m.test(st)) out.push(Number(n));
    } catch {
      /* gone */
    }
  }
  return out;
}

function removeSubLines(): void {
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const kept = text.split('\n').filter((l) => !subLines.includes(l));
      if (kept.join('\n') !== text) fs.writeFileSync(file, kept.join('\n'));
    } catch {
      /* no such file */
    }
  }
}

function cleanupUser(): void {
  if (uid < 0) return;
  for (const id of ids) asUser(['delete', '--force', id]);
  for (const pid of userPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  removeSubLines();
  sh('userdel', [USER]);
  for (const d of [xdg, prefix, io]) if (d) fs.rmSync(d, { recursive: true, force: true });
  uid = -1;
}

function setup(): void {
  const add = sh('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', USER]);
  if (add.status !== 0) throw new Error(`useradd ${USER}: ${add.stderr}`);
  process.once('exit', cleanupUser);
  uid = Number(sh('id', ['-u', USER]).stdout.trim());
  gid = Number(sh('id', ['-g', USER]).stdout.trim());
  // runts as `make install` lays it out, where the user can reach it (the
  // checkout may sit under a directory it cannot traverse).
  prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rl-install-'));
  fs.chmodSync(prefix, 0o755);
  const lib = path.join(prefix, 'lib');
  fs.mkdirSync(lib, { mode: 0o755 });
  for (const d of ['bin', 'build', 'package.json']) fs.cpSync(path.join(REPO, d), path.join(lib, d), { recursive: true });
  runtsCopy = path.join(lib, 'bin', 'runts');
  xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rl-xdg-'));
  fs.chownSync(xdg, uid, gid);
  fs.chmodSync(xdg, 0o700);
  io = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rl-io-'));
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

// bin/runts as the test user, with its own XDG_RUNTIME_DIR and no --root.
function asUser(args: string[], env: Record<string, string> = { XDG_RUNTIME_DIR: xdg }, user = USER): Ran {
  const outFile = path.join(io, `${++seq}.out`);
  const errFile = path.join(io, `${seq}.err`);
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  try {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const r = spawnSync('runuser', ['-u', user, '--', 'env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', ...envArgs, runtsCopy, ...args], { stdio: ['ignore', out, err], timeout: 20000, killSignal: 'SIGKILL', cwd: '/' });
    return { status: r.status, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

// A bundle the user owns, its config from `runts spec --rootless` run by the user.
function userBundle(tt: Test, args: string[], edit: (c: any) => void = () => {}): string {
  const b = makeBundle(tt);
  fs.rmSync(b.configPath);
  sh('chown', ['-R', `${uid}:${gid}`, b.dir]);
  const spec = spawnSync('runuser', ['-u', USER, '--', runtsCopy, 'spec', '--rootless', '--bundle', b.dir], { encoding: 'utf8' });
  if (spec.status !== 0) throw new Error(`runts spec --rootless: ${spec.stderr}`);
  const c = JSON.parse(fs.readFileSync(b.configPath, 'utf8'));
  c.process.terminal = false;
  c.process.args = args;
  edit(c);
  fs.writeFileSync(b.configPath, JSON.stringify(c, null, '\t'));
  return b.dir;
}

function newId(): string {
  const id = `rl-${process.pid}-${++seq}`;
  ids.add(id);
  return id;
}

const stateDirOf = (id: string) => path.join(xdg, 'runts', id);

// Nothing of the container left: no state directory, no process of the
// user (the early inits of the last commands end within moments), no
// mount of the bundle in the host's table, no cgroup.
async function nothingLeft(tt: Test, id: string, bundle?: string): Promise<void> {
  tt.notOk(fs.existsSync(stateDirOf(id)), `no state directory of ${id}`);
  tt.ok(await waitFor(() => userPids().length === 0, 5000), `no process of the user left (${userPids().join(' ')})`);
  if (bundle) tt.notOk(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(bundle), 'no mount of the bundle on the host');
  for (const m of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    tt.notOk(fs.existsSync(path.join(m, 'runts', id)), `no cgroup in ${m}`);
  }
}

t.test(skip ? `rootless e2e (skipped: ${skip})` : 'rootless e2e as an unprivileged user', { skip: skip || false }, async (t) => {
  setup();
  t.teardown(cleanupUser);

  t.test('run: root inside, the caller\'s uid outside; nothing left; state in $XDG_RUNTIME_DIR/runts', async (t) => {
    const bundle = userBundle(t, ['id']);
    const id = newId();
    const r = asUser(['run', '--bundle', bundle, id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), 'uid=0(root) gid=0(root) groups=0(root)');
    const root = fs.statSync(path.join(xdg, 'runts'));
    t.equal(root.mode & 0o777, 0o700, 'the state root is 0700');
    t.equal(root.uid, uid, 'and the user\'s');
    await nothingLeft(t, id, bundle);
  });

  t.test('create, state, exec, ps, events, list, start, kill, delete: the host sees the caller\'s uid and the mapping', async (t) => {
    const bundle = userBundle(t, ['sleep', '60']);
    const id = newId();
    const c = asUser(['create', '--bundle', bundle, id]);
    t.equal(c.status, 0, c.stderr);
    const dirMode = fs.statSync(stateDirOf(id)).mode & 0o777;
    t.equal(dirMode, 0o700, 'the container\'s state directory is 0700');
    const st = asUser(['state', id]);
    t.equal(st.status, 0, st.stderr);
    const state = JSON.parse(st.stdout);
    t.equal(state.status, 'created');
    const pid = state.pid as number;
    t.equal(statusField(pid, 'Uid')!.split(/\s+/)[0], String(uid), '/proc/<pid>/status: the caller\'s uid on the host');
    t.equal(statusField(pid, 'Gid')!.split(/\s+/)[0], String(gid), 'and gid');
    t.same(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/), ['0', String(uid), '1'], 'uid_map: 0 -> the caller, size 1');
    t.same(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8').trim().split(/\s+/), ['0', String(gid), '1'], 'gid_map likewise');
    t.equal(fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim(), 'deny', 'setgroups denied, as the kernel requires of an unprivileged gid_map');
    t.not(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync('/proc/self/ns/user'), 'a user namespace of its own');
    const other = asUser(['--root', path.join(xdg, 'runts'), 'state', id], {}, 'nobody');
    t.not(other.status, 0, 'another user cannot reach the state');
    t.ok(isOneLineError(other.stderr), other.stderr);
    t.equal(asUser(['start', id]).status, 0);
    const e = asUser(['exec', id, 'id']);
    t.equal(e.status, 0, e.stderr);
    t.equal(e.stdout.trim(), 'uid=0(root) gid=0(root) groups=0(root)', 'exec: root inside too');
    const ps = asUser(['ps', '--format', 'json', id]);
    t.equal(ps.status, 0, ps.stderr);
    t.ok((JSON.parse(ps.stdout) as number[]).includes(pid), 'ps lists the container process without a cgroup');
    const ev = asUser(['events', '--stats', id]);
    t.equal(ev.status, 0, ev.stderr);
    t.equal(JSON.parse(ev.stdout).type, 'stats');
    const list = asUser(['list', '--format', 'json']);
    t.equal(list.status, 0, list.stderr);
    t.same((JSON.parse(list.stdout) as { id: string; status: string }[]).map((x) => [x.id, x.status]), [[id, 'running']]);
    t.equal(asUser(['kill', id, 'KILL']).status, 0);
    t.ok(await waitFor(() => JSON.parse(asUser(['state', id]).stdout || '{}').status === 'stopped', 5000), 'stopped after kill');
    const d = asUser(['delete', id]);
    t.equal(d.status, 0, d.stderr);
    await nothingLeft(t, id, bundle);
  });

  t.test('delete --force of a running rootless container kills it (no cgroup to empty)', async (t) => {
    const bundle = userBundle(t, ['sleep', '60']);
    const id = newId();
    t.equal(asUser(['run', '-d', '--bundle', bundle, id]).status, 0);
    const pid = JSON.parse(asUser(['state', id]).stdout).pid as number;
    t.equal(asUser(['exec', '-d', id, 'sleep', '50']).status, 0);
    const d = asUser(['delete', '--force', id]);
    t.equal(d.status, 0, d.stderr);
    t.notOk(fs.existsSync(`/proc/${pid}/status`) && !/State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')), 'the process is gone');
    await nothingLeft(t, id, bundle);
  });

  t.test('a range through newuidmap/newgidmap, from /etc/subuid and /etc/subgid lines added for the user', async (t) => {
    // A range past every one the files hold.
    let start = 300000;
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      for (const line of (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').split('\n')) {
        const f = line.split(':');
        if (f.length === 3) start = Math.max(start, Number(f[1]) + Number(f[2]));
      }
    }
    const line = `${USER}:${start}:65536`;
    subStart = start;
    subLines.push(line);
    t.teardown(removeSubLines);
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      fs.writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`);
    }
    const maps = (own: number) => [{ containerID: 0, hostID: own, size: 1 }, { containerID: 1, hostID: start, size: 65536 }];
    const bundle = userBundle(t, ['sleep', '60'], (c) => {
      c.linux.uidMappings = maps(uid);
      c.linux.gidMappings = maps(gid);
      c.process.user = { uid: 1000, gid: 1000 };
    });
    const id = newId();
    const c = asUser(['run', '-d', '--bundle', bundle, id]);
    t.equal(c.status, 0, c.stderr);
    const pid = JSON.parse(asUser(['state', id]).stdout).pid as number;
    t.equal(statusField(pid, 'Uid')!.split(/\s+/)[0], String(start + 999), 'container uid 1000 is subuid start+999 on the host');
    t.equal(statusField(pid, 'Gid')!.split(/\s+/)[0], String(start + 999), 'and the gid likewise');
    const uidMap = fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/));
    t.same(uidMap, [['0', String(uid), '1'], ['1', String(start), '65536']], 'uid_map holds both lines');
    const e = asUser(['exec', id, 'id', '-u']);
    t.equal(e.stdout.trim(), '1000', e.stderr);
    t.equal(asUser(['delete', '--force', id]).status, 0);
    await nothingLeft(t, id, bundle);

    // Root of the container a subordinate id, not the caller: the init
    // reaches the 0700 state directory through the barrier it opened as
    // the caller, before the user namespace.
    const sub = [{ containerID: 0, hostID: start, size: 65536 }];
    const other = userBundle(t, ['sleep', '60'], (c) => {
      c.linux.uidMappings = sub;
      c.linux.gidMappings = sub;
    });
    const id2 = newId();
    const r2 = asUser(['create', '--bundle', other, id2]);
    t.equal(r2.status, 0, r2.stderr);
    const pid2 = JSON.parse(asUser(['state', id2]).stdout || '{}').pid as number;
    t.equal(statusField(pid2, 'Uid')?.split(/\s+/)[0], String(start), 'container root is the first subordinate uid');
    const s2 = asUser(['start', id2]);
    t.equal(s2.status, 0, s2.stderr);
    t.equal(asUser(['exec', id2, 'id', '-u']).stdout.trim(), '0');
    t.equal(asUser(['delete', '--force', id2]).status, 0);
    await nothingLeft(t, id2, other);
  });

  t.test('refused, in one line naming the field, with nothing left', async (t) => {
    const cases: [string, (c: any) => void, RegExp][] = [
      ['a mapping of host uid 0', (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }]), /^runts: config\.json: \/linux\/uidMappings\/0: host ids 0-0 are not yours to map/],
      ['a gid range not granted', (c) => (c.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: 5000000, size: 10 }]), /^runts: config\.json: \/linux\/gidMappings\/1: host ids 5000000-5000009 are not yours/],
      ['no user namespace', (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'user');
        delete c.linux.uidMappings;
        delete c.linux.gidMappings;
      }, /^runts: config\.json: \/linux\/namespaces: running without root needs a user namespace/],
      ['a device the host lacks (bound, not made)', (c) => (c.linux.devices = [{ path: '/dev/runts-rl-none', type: 'c', major: 1, minor: 3 }]), /^runts: create: bind device \/dev\/runts-rl-none: ENOENT/],
      ['a limit without a writable cgroup', (c) => (c.linux.resources = { pids: { limit: 10 } }), /^runts: config\.json: \/linux\/resources\/pids: rootless: limits need a cgroup this user may write, and create cgroup \/runts\/\S+: EACCES$/m],
    ];
    for (const [what, edit, re] of cases) {
      const bundle = userBundle(t, ['true'], edit);
      const id = newId();
      const r = asUser(['run', '--bundle', bundle, id]);
      t.equal(r.status, 1, `${what}: exit 1`);
      t.ok(isOneLineError(r.stderr), `${what}: one line (${r.stderr.trim()})`);
      t.match(r.stderr, re, what);
      await nothingLeft(t, id, bundle);
    }
  });

  t.test('no state directory: XDG_RUNTIME_DIR unset and no --root is one line', async (t) => {
    const bundle = userBundle(t, ['true']);
    const id = newId();
    const r = asUser(['run', '--bundle', bundle, id], {});
    t.equal(r.status, 1);
    t.ok(isOneLineError(r.stderr), r.stderr);
    t.match(r.stderr, /^runts: rootless: no state directory: XDG_RUNTIME_DIR is not set; set it or pass --root$/m);
    const unusable = asUser(['run', '--bundle', bundle, id], { XDG_RUNTIME_DIR: '/etc' });
    t.equal(unusable.status, 1);
    t.match(unusable.stderr, /^runts: create the state directory \/etc\/runts: EACCES/);
    t.ok(isOneLineError(unusable.stderr), unusable.stderr);
  });

  // A cgroup v2 subtree delegated to the user, as systemd's user@.service
  // gets one: the directory and its cgroup.procs, cgroup.subtree_control
  // and cgroup.threads are the user's, and the user's processes live in a
  // leaf inside it (the kernel lets a process move, or be cloned, between
  // two cgroups only with write access to their common ancestor's
  // cgroup.procs). The container's cgroup is then made inside it, with its
  // limits, as runc does with a delegated cgroup (docs/rootless.md).
  const v2Root = (() => {
    for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = l.indexOf(' - ');
      if (sep > 0 && l.slice(sep + 3).startsWith('cgroup2 ') && l.slice(0, sep).split(' ')[4] === '/sys/fs/cgroup') return '/sys/fs/cgroup';
    }
    return undefined;
  })();
  const v2Controllers = v2Root ? fs.readFileSync(path.join(v2Root, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/) : [];
  const noDelegation = !v2Root ? 'no pure cgroup v2 hierarchy at /sys/fs/cgroup on this host (hybrid); make test-v2 runs it'
    : !['pids', 'memory'].every((c) => v2Controllers.includes(c)) ? 'the cgroup v2 root enables no pids and memory controllers' : undefined;
  t.test(`a cgroup v2 subtree delegated to the user: the container's cgroup is made inside it and its limits applied${noDelegation ? ` (skipped: ${noDelegation})` : ''}`, { skip: noDelegation ?? false }, async (t) => {
    const deleg = path.join(v2Root!, `runts-rl-deleg-${process.pid}`);
    const leaf = path.join(deleg, 'login');
    fs.mkdirSync(deleg);
    t.teardown(() => {
      for (const d of [path.join(deleg, 'ctr'), leaf, deleg]) {
        try {
          for (const p of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 100 && fs.existsSync(d); i++) {
          try {
            fs.rmdirSync(d);
          } catch {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
          }
        }
      }
    });
    fs.mkdirSync(leaf);
    for (const f of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) fs.chownSync(path.join(deleg, f), uid, gid);
    for (const f of ['', 'cgroup.procs', 'cgroup.threads']) fs.chownSync(path.join(leaf, f), uid, gid);
    const cgPath = `/${path.basename(deleg)}/ctr`;
    const bundle = userBundle(t, ['sleep', '60'], (c) => {
      c.linux.cgroupsPath = cgPath;
      c.linux.resources = { pids: { limit: 17 }, memory: { limit: 33554432 } };
    });
    const id = newId();
    // Root puts the shell into the user's leaf, then becomes the user.
    const script = 'leaf=$1; user=$2; xdg=$3; shift 3; echo $$ > "$leaf/cgroup.procs" && exec runuser -u "$user" -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$xdg" "$@"';
    const run = (args: string[]) => spawnSync('sh', ['-c', script, 'sh', leaf, USER, xdg, runtsCopy, ...args], { encoding: 'utf8', timeout: 60000 });
    const r = run(['run', '-d', '--bundle', bundle, id]);
    t.equal(r.status, 0, 'run -d as the user, from inside the delegated subtree', { stderr: r.stderr });
    const ctr = path.join(v2Root!, cgPath);
    t.ok(fs.existsSync(ctr), `the container's cgroup ${cgPath} is made inside the delegated subtree`);
    t.equal(fs.readFileSync(path.join(ctr, 'pids.max'), 'utf8').trim(), '17', 'pids.max is the config\'s 17');
    t.equal(fs.readFileSync(path.join(ctr, 'memory.max'), 'utf8').trim(), '33554432', 'memory.max is the config\'s 32 MiB');
    const pid = Number(fs.readFileSync(path.join(ctr, 'cgroup.procs'), 'utf8').trim().split('\n')[0]);
    t.ok(pid > 0, `the container's process ${pid} is in it`);
    t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${uid}\\s`, 'm'), 'it runs as the caller on the host');
    const d = run(['delete', '--force', id]);
    t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
    t.ok(await waitFor(() => !fs.existsSync(ctr), 5000), 'the container\'s cgroup is removed');
    t.ok(fs.existsSync(deleg), 'the delegated subtree itself stays (it is not runts\'s)');
    await nothingLeft(t, id, bundle);
  });

  t.test('mounts the kernel refuses in a user namespace: sysfs bound from the host, devpts without gid=5, devices bound', async (t) => {
    const tun = fs.existsSync('/dev/net/tun');
    const bundle = userBundle(t, ['sh', '-c', 'cat /proc/self/mountinfo; ls -ln /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty' + (tun ? ' /dev/net/tun' : '')], (c) => {
      c.mounts = c.mounts.map((m: any) => {
        if (m.destination === '/sys') return { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
        if (m.destination === '/dev/pts') return { ...m, options: [...m.options, 'gid=5'] };
        return m;
      });
      if (tun) c.linux.devices = [{ path: '/dev/net/tun', type: 'c', major: 10, minor: 200 }];
    });
    const id = newId();
    const r = asUser(['run', '--bundle', bundle, id]);
    t.equal(r.status, 0, r.stderr);
    const line = (mp: string) => r.stdout.split('\n').find((l) => l.split(' ')[4] === mp) ?? '';
    t.match(line('/sys'), /^\S+ \S+ \S+ \/ \/sys ro,nosuid,nodev,noexec\S*( .*)? - sysfs /, 'the host\'s /sys, bound read-only with nosuid,nodev,noexec');
    t.match(line('/dev/pts'), / - devpts devpts /, 'devpts mounted');
    t.notMatch(line('/dev/pts'), /gid=5/, 'without gid=5');
    const nodes = r.stdout.split('\n').filter((l) => l.startsWith('c'));
    t.equal(nodes.length, tun ? 7 : 6, 'every device there, as a character device');
    t.ok(nodes.some((l) => /\b1,\s+3\b.*\/dev\/null$/.test(l)), '/dev/null is the host\'s 1:3');
    await nothingLeft(t, id, bundle);
  });
});
