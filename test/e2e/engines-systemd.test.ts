// Engines under the systemd cgroup manager on a stock host (systemd as
// PID 1, pure cgroup v2: the stock-host VM, scripts/v2-host; make test runs
// this file there): podman as root with its default cgroup manager,
// rootless podman in a lingering user's own systemd, and containerd's runc
// v2 shim with SystemdCgroup, each driving bin/runts as it drives runc
// (--systemd-cgroup, cgroupsPath slice:prefix:name). What a test believes is
// what systemd says (`systemctl show`, `systemctl list-units`) and what the
// kernel says (the cgroup's files, /proc/PID/cgroup).
//
// Kept lean (the VM emulates its CPUs): one container per engine, each
// scenario walking its limits, exec, stop and removal. Isolation as in
// engines.test.ts: podman with a private root, runroot, tmpdir and
// containers.conf; our own containerd (root, state, socket in a temp dir);
// a test user made and removed here. Units are stopped in the teardown
// whatever happens.
import t from 'tap';
import type { Test } from 'tap';
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeOciTar, remember, rootfsTemplate, RUNTS, tempDir, waitFor } from './lib';
import { detectLayout } from '../../src/cgroups/layout';

type T = Test;
type Run = SpawnSyncReturns<string>;

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
const pid1 = (() => {
  try {
    return fs.readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    return '';
  }
})();
const hostSkip =
  pid1 !== 'systemd'
    ? `needs systemd as PID 1 (PID 1 here is ${pid1 || 'unknown'}): runs in the stock-host VM, scripts/v2-host`
    : detectLayout().kind !== 'v2'
      ? `needs a pure cgroup v2 host (this one is ${detectLayout().kind})`
      : process.getuid?.() !== 0
        ? 'needs root'
        : undefined;
const missing = (cmds: string[]) => {
  const m = cmds.filter((c) => !which(c));
  return m.length ? `${m.join(', ')} missing (scripts/test-deps.sh installs them)` : undefined;
};
const PODMAN_SKIP = hostSkip ?? missing(['podman', 'conmon', 'unshare']);
const ROOTLESS_SKIP = PODMAN_SKIP ?? missing(['useradd', 'userdel', 'usermod', 'loginctl', 'setpriv', 'newuidmap']);
const CTRD_SKIP = hostSkip ?? missing(['containerd', 'ctr', 'containerd-shim-runc-v2', 'unshare', 'setpriv']);

const RAND = randomBytes(4).toString('hex');
const MEM = 64 * 1024 * 1024;
const LONG = 300_000; // under emulation, an engine call runs several runts calls

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number; cwd?: string } = {}): Run {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? LONG, env: opts.env, cwd: opts.cwd });
}

// `systemctl [--user] show UNIT -p ...` as an object; `as` runs it as a user in its session.
function show(unit: string, props: string[], as?: RootlessUser): Record<string, string> {
  const out: Record<string, string> = {};
  const r = systemctl(['show', unit, ...props.flatMap((p) => ['-p', p])], as);
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
function systemctl(args: string[], as?: RootlessUser): Run {
  return as ? asUser(as, 'systemctl', ['--user', '--no-pager', ...args]) : run('systemctl', ['--no-pager', ...args], { timeout: 60_000 });
}
function listed(unit: string, as?: RootlessUser): boolean {
  return systemctl(['list-units', '--all', '--plain', '--no-legend', unit], as).stdout.split('\n').some((l) => l.trim().split(/\s+/)[0] === unit);
}
function ownUnit(t: T, unit: string): string {
  t.teardown(() => {
    if (listed(unit)) {
      systemctl(['kill', '--signal=KILL', unit]);
      systemctl(['stop', unit]);
    }
    systemctl(['reset-failed', unit]);
  });
  return unit;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim();
const procs = (dir: string) => read(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
};
function cgroupOf(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '';
}

// The busybox rootfs as a tar (podman import) readable by anyone.
function rootfsTar(dir: string): string {
  const tar = path.join(dir, 'bb.tar');
  const r = run('tar', ['-C', rootfsTemplate(), '--numeric-owner', '-cf', tar, '.']);
  if (r.status !== 0) throw new Error(`tar of the rootfs failed: ${r.stderr}`);
  fs.chmodSync(tar, 0o644);
  return tar;
}

// A runtime wrapper with a private --root (podman 4.3 does not pass
// --runtime-flag to the cleanup it has conmon run: engines.test.ts) that
// notes each command line the engine gives it in dir/argv.log.
function wrapper(dir: string, root?: string): string {
  const w = path.join(dir, 'runts-wrapper');
  fs.writeFileSync(w, `#!/bin/sh\necho "$*" >> ${path.join(dir, 'argv.log')}\nexec ${RUNTS}${root ? ` --root ${root}` : ''} "$@"\n`, { mode: 0o755 });
  return w;
}

// What the engine sent: the global flags of its create, and the bundle's
// cgroupsPath (the bundle is the engine's, there while the container is).
function sentCreate(dir: string): { flags: string; cgroupsPath?: string } {
  let log = '';
  try {
    log = fs.readFileSync(path.join(dir, 'argv.log'), 'utf8');
  } catch {
    /* never called */
  }
  const line = log.split('\n').find((l) => / create /.test(` ${l} `)) ?? '';
  const args = line.split(' ');
  const bundle = args[args.indexOf('--bundle') + 1] ?? args[args.indexOf('-b') + 1];
  let cgroupsPath: string | undefined;
  try {
    cgroupsPath = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux?.cgroupsPath;
  } catch {
    /* no bundle */
  }
  return { flags: line.slice(0, line.indexOf(' create ') + 1 || 0), cgroupsPath };
}

// podman's private configuration under base: its global flags, for root or
// for a rootless user (vfs storage: the busybox image is small, and no
// overlay mounts in the user's namespace are needed).
function podmanFlags(base: string, rootless: boolean): { args: string[]; env: NodeJS.ProcessEnv; runtsRoot: string } {
  const d = (name: string) => {
    const p = path.join(base, name);
    fs.mkdirSync(p, { recursive: true, mode: 0o755 });
    return p;
  };
  const storage = d('storage');
  const runroot = d('run');
  const tmp = d('tmp');
  const net = d('net');
  const volumes = d('volumes');
  const runtsRoot = d('runts');
  const conf = path.join(base, 'containers.conf');
  // No cgroup_manager: podman's default (systemd) is what this file tests.
  fs.writeFileSync(conf, ['[engine]', 'lock_type = "file"', 'events_logger = "file"', `tmp_dir = "${tmp}"`, `volume_path = "${volumes}"`, `static_dir = "${path.join(storage, 'libpod')}"`, '[network]', `network_config_dir = "${net}"`, ''].join('\n'));
  const storageConf = path.join(base, 'storage.conf');
  fs.writeFileSync(storageConf, `[storage]\ndriver = "${rootless ? 'vfs' : 'overlay'}"\ngraphroot = "${storage}"\nrunroot = "${runroot}"\n`);
  const args = ['--root', storage, '--runroot', runroot, '--tmpdir', tmp, '--runtime', wrapper(base, runtsRoot), '--events-backend', 'file', '--network-config-dir', net, '--volumepath', volumes];
  return { args, env: { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storageConf, TMPDIR: tmp }, runtsRoot };
}

const IMAGE = 'localhost/runts-e2e-bb:latest';

// ================================================================ podman as root

t.test('podman as root, default cgroup manager (systemd): machine.slice:libpod:<id> scope with --memory, --cpus, --pids-limit; exec joins it; stop and rm remove it', { skip: PODMAN_SKIP ?? false, timeout: 900_000 }, async (t) => {
  const base = tempDir(t, 'runts-e2e-sdpodman-');
  const p = podmanFlags(base, false);
  const env = { ...process.env, ...p.env };
  const podman = (args: string[]) => run('podman', [...p.args, ...args], { env, cwd: base });
  t.teardown(() => {
    podman(['rm', '--all', '--force', '--time', '0']);
    podman(['rmi', '--all', '--force']);
    for (const id of fs.existsSync(p.runtsRoot) ? fs.readdirSync(p.runtsRoot) : []) run(RUNTS, ['--root', p.runtsRoot, 'delete', '--force', id]);
    run('sh', ['-c', `grep -l ' ${base}' /proc/self/mountinfo >/dev/null && awk '$5 ~ "^${base}" {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
  });
  t.equal(podman(['info', '--format', '{{.Host.CgroupManager}}']).stdout.trim(), 'systemd', "podman's default cgroup manager here is systemd");
  const imp = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs runts-e2e /var/lib/containers && exec podman "$@"', 'podman', ...p.args, 'import', rootfsTar(base), IMAGE], { env });
  t.equal(imp.status, 0, 'podman import of the busybox rootfs', { stderr: imp.stderr });

  const r = podman(['run', '-d', '--network', 'none', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '32', IMAGE, 'sleep', '600']);
  t.equal(r.status, 0, 'podman run -d', { stderr: r.stderr });
  const id = r.stdout.trim().split('\n').pop() ?? '';
  const unit = ownUnit(t, `libpod-${id}.scope`);
  const pid = remember(Number(podman(['inspect', '--format', '{{.State.Pid}}', id]).stdout.trim()));
  const sent = sentCreate(base);
  t.match(sent.flags, /--systemd-cgroup/, 'podman called runts create with --systemd-cgroup', sent);
  t.equal(sent.cgroupsPath, `machine.slice:libpod:${id}`, 'and cgroupsPath machine.slice:libpod:<id>');
  const sd = show(unit, ['ActiveState', 'ControlGroup', 'Slice', 'Delegate', 'MemoryMax', 'CPUQuotaPerSecUSec', 'TasksMax']);
  t.equal(sd.ActiveState, 'active', `systemd runs ${unit}`);
  t.equal(sd.Slice, 'machine.slice');
  t.equal(sd.ControlGroup, `/machine.slice/${unit}`);
  t.equal(sd.Delegate, 'yes');
  t.equal(sd.MemoryMax, String(MEM), '--memory 64m as MemoryMax');
  t.equal(sd.CPUQuotaPerSecUSec, '500ms', '--cpus 0.5 as CPUQuotaPerSecUSec');
  t.equal(sd.TasksMax, '32', '--pids-limit 32 as TasksMax');
  const dir = `/sys/fs/cgroup${sd.ControlGroup}`;
  t.equal(cgroupOf(pid), sd.ControlGroup, "the container's process is in the scope");
  t.equal(read(dir, 'memory.max'), String(MEM), 'the kernel: memory.max');
  t.equal(read(dir, 'cpu.max'), '50000 100000', 'cpu.max');
  t.equal(read(dir, 'pids.max'), '32', 'pids.max');

  const e = podman(['exec', '-d', id, 'sleep', '301']);
  t.equal(e.status, 0, 'podman exec -d', { stderr: e.stderr });
  t.ok(await waitFor(() => procs(dir).some((q) => cmdline(q) === 'sleep 301'), 30_000), "exec's process is in the scope's cgroup");
  const ex = podman(['exec', id, 'cat', '/sys/fs/cgroup/memory.max']);
  t.equal(ex.stdout.trim(), String(MEM), 'and sees the limit from inside', { stderr: ex.stderr });

  const s = podman(['stop', '--time', '1', id]);
  t.equal(s.status, 0, 'podman stop', { stderr: s.stderr });
  t.ok(await waitFor(() => !listed(unit), 30_000), 'the scope is gone once the container stopped');
  const rm = podman(['rm', id]);
  t.equal(rm.status, 0, 'podman rm', { stderr: rm.stderr });
  t.notOk(listed(unit), 'no unit after rm');
  t.notOk(fs.existsSync(dir), 'no cgroup');
  t.notOk(fs.existsSync(path.join(p.runtsRoot, id)), 'no runts state');
});

// ================================================================ rootless podman

interface RootlessUser {
  name: string;
  uid: number;
  home: string;
  before: (() => void)[]; // run first in the user's teardown, while its systemd is up
}

function asUser(u: RootlessUser, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const bus = `/run/user/${u.uid}`;
  return run('setpriv', ['--reuid', String(u.uid), '--regid', String(u.uid), '--init-groups', 'env', '-i', `PATH=${process.env.PATH}`, `HOME=${u.home}`, `USER=${u.name}`, `XDG_RUNTIME_DIR=${bus}`, `DBUS_SESSION_BUS_ADDRESS=unix:path=${bus}/bus`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args], { cwd: u.home });
}

// A user with subordinate ids, lingering (user@UID.service runs its own
// systemd and session bus); stopped and removed in the teardown.
async function rootlessUser(t: T): Promise<RootlessUser> {
  const name = `runtsrl${RAND}`;
  const home = tempDir(t, 'runts-e2e-sdrootless-');
  let u: RootlessUser | undefined;
  t.teardown(() => {
    if (!u) return;
    for (const fn of u.before) fn();
    run('loginctl', ['disable-linger', name], { timeout: 60_000 });
    run('systemctl', ['stop', `user@${u.uid}.service`], { timeout: 120_000 });
    run('loginctl', ['terminate-user', String(u.uid)], { timeout: 60_000 });
    run('userdel', ['--force', name]);
  });
  const add = run('useradd', ['--home-dir', home, '--no-create-home', '--shell', '/bin/sh', '--user-group', name]);
  if (add.status !== 0) throw new Error(`useradd: ${add.stderr}`);
  const uid = Number(run('id', ['-u', name]).stdout.trim());
  u = { name, uid, home, before: [] };
  fs.chownSync(home, uid, uid);
  const sub = run('usermod', ['--add-subuids', '300000-365535', '--add-subgids', '300000-365535', name]);
  if (sub.status !== 0) throw new Error(`usermod --add-subuids: ${sub.stderr}`);
  const l = run('loginctl', ['enable-linger', name], { timeout: 60_000 });
  if (l.status !== 0) throw new Error(`loginctl enable-linger: ${l.stderr}`);
  const up = await waitFor(() => fs.existsSync(`/run/user/${uid}/bus`) && run('systemctl', ['is-active', `user@${uid}.service`], { timeout: 30_000 }).stdout.trim() === 'active', 120_000, 500);
  if (!up) throw new Error(`user@${uid}.service or its bus did not come up: ${run('systemctl', ['status', '--no-pager', `user@${uid}.service`]).stdout}`);
  return u;
}

t.test('rootless podman in a lingering user\'s systemd: a scope under user@UID.service with --memory and --pids-limit; exec joins it; stop and rm remove it', { skip: ROOTLESS_SKIP ?? false, timeout: 900_000 }, async (t) => {
  let user: RootlessUser | undefined;
  try {
    user = await rootlessUser(t);
  } catch (e) {
    t.fail(`rootless user setup: ${(e as Error).message}`);
    return;
  }
  const u = user;
  const base = path.join(u.home, 'podman');
  fs.mkdirSync(base, { mode: 0o755 });
  fs.chownSync(base, u.uid, u.uid);
  const p = podmanFlags(base, true);
  run('chown', ['-R', `${u.uid}:${u.uid}`, base]);
  const podman = (args: string[]) => asUser(u, 'podman', [...p.args, ...args], p.env);
  u.before.push(() => {
    podman(['rm', '--all', '--force', '--time', '0']);
    podman(['unshare', 'rm', '-rf', path.join(base, 'storage')]);
  });
  t.equal(podman(['info', '--format', '{{.Host.CgroupManager}}']).stdout.trim(), 'systemd', 'rootless podman\'s cgroup manager is systemd');
  const tar = rootfsTar(u.home);
  const imp = podman(['import', tar, IMAGE]);
  t.equal(imp.status, 0, 'podman import (rootless)', { stderr: imp.stderr });

  const r = podman(['run', '-d', '--network', 'none', '--memory', '64m', '--pids-limit', '32', IMAGE, 'sleep', '600']);
  t.equal(r.status, 0, 'podman run -d (rootless)', { stderr: r.stderr });
  const id = r.stdout.trim().split('\n').pop() ?? '';
  const unit = `libpod-${id}.scope`;
  u.before.unshift(() => {
    if (listed(unit, u)) systemctl(['stop', unit], u);
  });
  const pid = remember(Number(podman(['inspect', '--format', '{{.State.Pid}}', id]).stdout.trim()));
  const sent = sentCreate(base);
  t.match(sent.flags, /--systemd-cgroup/, 'rootless podman called runts create with --systemd-cgroup', sent);
  t.equal(sent.cgroupsPath, `user.slice:libpod:${id}`, 'and cgroupsPath user.slice:libpod:<id>');
  const sd = show(unit, ['ActiveState', 'ControlGroup', 'MemoryMax', 'TasksMax'], u);
  t.equal(sd.ActiveState, 'active', `the user's systemd runs ${unit}`);
  t.match(sd.ControlGroup, new RegExp(`^/user\\.slice/user-${u.uid}\\.slice/user@${u.uid}\\.service/.*/${unit.replace(/\./g, '\\.')}$`), 'under user@UID.service');
  t.equal(sd.MemoryMax, String(MEM), '--memory 64m as MemoryMax');
  t.equal(sd.TasksMax, '32', '--pids-limit 32 as TasksMax');
  const dir = `/sys/fs/cgroup${sd.ControlGroup}`;
  t.equal(cgroupOf(pid), sd.ControlGroup, "the container's process is in the scope");
  t.equal(read(dir, 'memory.max'), String(MEM), 'the kernel: memory.max');
  t.equal(read(dir, 'pids.max'), '32', 'pids.max');

  const e = podman(['exec', '-d', id, 'sleep', '301']);
  t.equal(e.status, 0, 'podman exec -d', { stderr: e.stderr });
  t.ok(await waitFor(() => procs(dir).some((q) => cmdline(q) === 'sleep 301'), 30_000), "exec's process is in the scope's cgroup");

  const s = podman(['stop', '--time', '1', id]);
  t.equal(s.status, 0, 'podman stop', { stderr: s.stderr });
  t.ok(await waitFor(() => !listed(unit, u), 30_000), 'the scope is gone once the container stopped');
  const rm = podman(['rm', id]);
  t.equal(rm.status, 0, 'podman rm', { stderr: rm.stderr });
  t.notOk(listed(unit, u), 'no unit after rm');
  t.notOk(fs.existsSync(dir), 'no cgroup');
});

// ================================================================ containerd

t.test('containerd runc v2 shim with SystemdCgroup: a slice:prefix:name scope with the memory limit; exec joins it; kill and delete remove it', { skip: CTRD_SKIP ?? false, timeout: 900_000 }, async (t) => {
  const base = tempDir(t, 'runts-e2e-sdctrd-');
  const d = (name: string) => {
    const p = path.join(base, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const sock = path.join(base, 'containerd.sock');
  const config = path.join(base, 'config.toml');
  const runtsRoot = d('runts');
  fs.writeFileSync(config, [
    'version = 2',
    `root = "${d('root')}"`,
    `state = "${d('state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
    '  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.internal.v1.tracing",',
    '  "io.containerd.tracing.processor.v1.otlp"]',
    '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`,
    '[plugins."io.containerd.internal.v1.opt"]', `  path = "${d('opt')}"`, '',
  ].join('\n'));
  // The shims put their sockets in /run/containerd/s whatever the config
  // says: a tmpfs there, in the daemon's own mount namespace (not on /run,
  // which holds systemd's and the system bus's sockets that runts needs).
  const madeRunDir = !fs.existsSync('/run/containerd');
  if (madeRunDir) fs.mkdirSync('/run/containerd', { mode: 0o711 });
  const log = fs.openSync(path.join(base, 'containerd.log'), 'w');
  const daemon = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o mode=0711 runts-e2e /run/containerd && exec setpriv --pdeathsig KILL containerd --config "$0"', config], { stdio: ['ignore', log, log] });
  daemon.unref();
  fs.closeSync(log);
  const ns = `runts-e2e-${RAND}`;
  const ctr = (args: string[]) => run('ctr', ['-a', sock, '-n', ns, ...args], { timeout: 120_000 });
  const id = `c-${RAND}`;
  const unit = ownUnit(t, `runtstest-ctrd-${id}.scope`);
  t.teardown(() => {
    if (daemon.exitCode === null) {
      ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
      ctr(['tasks', 'delete', '--force', id]);
      ctr(['containers', 'delete', id]);
      ctr(['images', 'remove', IMAGE]);
      ctr(['namespaces', 'remove', ns]);
    }
    // Our shims outlive the daemon: by the socket in their command line.
    for (const p of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      if (cmdline(Number(p)).includes('containerd-shim') && cmdline(Number(p)).includes(sock)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    daemon.kill('SIGKILL');
    for (const c of fs.existsSync(path.join(runtsRoot, ns)) ? fs.readdirSync(path.join(runtsRoot, ns)) : []) run(RUNTS, ['--root', path.join(runtsRoot, ns), 'delete', '--force', c]);
    run('sh', ['-c', `awk '$5 ~ "^${base}" {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
    if (madeRunDir) fs.rmSync('/run/containerd', { recursive: true, force: true });
  });
  const up = await waitFor(() => fs.existsSync(sock) && run('ctr', ['-a', sock, 'version'], { timeout: 10_000 }).status === 0, 120_000, 200);
  t.ok(up, 'our containerd is up', { log: fs.readFileSync(path.join(base, 'containerd.log'), 'utf8').split('\n').slice(-5).join('\n') });
  if (!up) return;
  const tar = path.join(base, 'bb-oci.tar');
  makeOciTar(rootfsTemplate(), tar, IMAGE, base);
  const imp = ctr(['images', 'import', tar]);
  t.equal(imp.status, 0, 'ctr images import', { stderr: imp.stderr });

  const cgroupsPath = `system.slice:runtstest-ctrd:${id}`;
  // ctr makes the task's fifos on this side: where the daemon sees them too.
  const r = ctr(['run', '--detach', '--runc-binary', wrapper(base), '--runc-root', runtsRoot, '--fifo-dir', d('fifo'), '--runc-systemd-cgroup', '--cgroup', cgroupsPath, '--memory-limit', String(MEM), IMAGE, id, 'sleep', '600']);
  t.equal(r.status, 0, `ctr run --runc-systemd-cgroup --cgroup ${cgroupsPath}`, { stderr: r.stderr });
  const pid = remember(Number(/^\S+\s+(\d+)/m.exec(ctr(['tasks', 'list']).stdout.split('\n').find((l) => l.startsWith(id)) ?? '')?.[1] ?? 0));
  const sent = sentCreate(base);
  t.match(sent.flags, /--systemd-cgroup/, 'the shim called runts create with --systemd-cgroup', sent);
  t.equal(sent.cgroupsPath, cgroupsPath, 'and the cgroupsPath ctr gave');
  const sd = show(unit, ['ActiveState', 'ControlGroup', 'Delegate', 'MemoryMax']);
  t.equal(sd.ActiveState, 'active', `systemd runs ${unit}`);
  t.equal(sd.ControlGroup, `/system.slice/${unit}`);
  t.equal(sd.Delegate, 'yes');
  t.equal(sd.MemoryMax, String(MEM), 'the memory limit as MemoryMax');
  const dir = `/sys/fs/cgroup${sd.ControlGroup}`;
  t.equal(cgroupOf(pid), sd.ControlGroup, "the task's process is in the scope");
  t.equal(read(dir, 'memory.max'), String(MEM), 'the kernel: memory.max');

  const e = ctr(['tasks', 'exec', '--detach', '--fifo-dir', d('fifo'), '--exec-id', 'e1', id, 'sleep', '301']);
  t.equal(e.status, 0, 'ctr tasks exec --detach', { stderr: e.stderr });
  t.ok(await waitFor(() => procs(dir).some((q) => cmdline(q) === 'sleep 301'), 30_000), "exec's process is in the scope's cgroup");

  t.equal(ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', id]).status, 0, 'ctr tasks kill');
  t.ok(await waitFor(() => !/RUNNING/.test(ctr(['tasks', 'list']).stdout.split('\n').find((l) => l.startsWith(id)) ?? ''), 60_000, 200), 'the task stopped');
  const del = ctr(['tasks', 'delete', id]);
  t.equal(del.status, 0, 'ctr tasks delete', { stderr: del.stderr });
  t.equal(ctr(['containers', 'delete', id]).status, 0, 'ctr containers delete');
  t.ok(await waitFor(() => !listed(unit), 30_000), 'no unit after delete');
  t.notOk(fs.existsSync(dir), 'no cgroup');
  t.notOk(fs.existsSync(path.join(runtsRoot, ns, id)), 'no runts state');
});
