// runts under real container engines: podman 4.3 (with conmon) and
// containerd 1.6 (ctr, the io.containerd.runc.v2 shim), each driving
// bin/runts exactly as it would drive runc. What a test believes is what the
// engine reports (exit statuses, logs, states) and what the kernel says (the
// /proc status of the container's processes, the cgroup files on the host).
//
// Isolation: nothing here touches a daemon, container, image or state the
// test did not make.
// - podman runs with a private --root, --runroot and --tmpdir, its own
//   containers.conf (CONTAINERS_CONF: file locks under the tmpdir rather than
//   the host-wide /dev/shm/libpod_lock, whose first use by a fresh tmpdir
//   frees every lock in it) and storage.conf, and a private cgroup parent.
//   runts is reached through a two-line wrapper that adds a private --root:
//   podman 4.3 does not pass --runtime-flag to the `podman container cleanup`
//   it has conmon run at exit, so a --root given that way is lost on delete.
//   The image import runs in a private mount namespace with a tmpfs on
//   /var/lib/containers, where containers/image would otherwise update its
//   host-wide blob-info cache.
// - containerd is our own daemon (root, state, sockets in a temp dir, the CRI
//   plugin off), started in a private mount namespace with a tmpfs on /run
//   (the v2 shims put their sockets in /run/containerd/s whatever the
//   config says), in a random namespace whose name is also the cgroup parent.
//   The image is an OCI image layout tarball built here from the busybox
//   rootfs and imported with `ctr images import`.
// Every scenario checks that once the engine has removed a container, no
// runts state and no cgroup directory named after it is left.
import t from 'tap';
import type { Test } from 'tap';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupMountpoints, criuProblem, isAlive, makeOciTar, procsInCgroup, procStatus, remember, rootfsTemplate, RUNTS, tempDir, v1Mount, waitFor } from './lib';

type T = Test;

const PTY_DRIVE = path.join(__dirname, 'pty-drive.py');
const RAND = randomBytes(4).toString('hex');
const CAP_CHOWN = 0n;
const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

// ---------------------------------------------------------------- tools

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// The engine's commands, installed with apt-get when missing (apt-get update
// first only if a plain install fails). A reason to skip when that is impossible.
function ensureTools(pkgs: string[], cmds: string[]): string | undefined {
  if (cmds.every((c) => which(c))) return undefined;
  if (process.getuid?.() !== 0) return `${cmds.filter((c) => !which(c)).join(', ')} missing and not root to install ${pkgs.join(' ')}`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', ...pkgs], { encoding: 'utf8', env, timeout: 600000 });
  let r = install();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { encoding: 'utf8', env, timeout: 300000 });
    r = install();
  }
  const missing = cmds.filter((c) => !which(c));
  if (missing.length === 0) return undefined;
  const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
  return `${missing.join(', ')} missing; apt-get install ${pkgs.join(' ')} failed: ${why}`;
}

const NOT_ROOT = process.getuid?.() !== 0 ? 'needs root' : undefined;
const PODMAN_SKIP = NOT_ROOT ?? ensureTools(['podman', 'conmon'], ['podman', 'conmon', 'unshare']);
const CTRD_SKIP = NOT_ROOT ?? ensureTools(['containerd'], ['containerd', 'ctr', 'containerd-shim-runc-v2', 'unshare', 'setpriv']);

// ---------------------------------------------------------------- host facts

// Cgroup directories (any hierarchy, up to depth 4) whose name contains `name`.
function cgroupDirsNamed(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name.includes(name)) found.push(p);
      if (depth < 4) walk(p, depth + 1);
    }
  };
  for (const m of cgroupMountpoints()) walk(m, 1);
  return found;
}

// The cgroup2 mountpoint (the unified hierarchy of a hybrid host, or the only one), if any.
function v2Mount(): string | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep >= 0 && line.slice(sep + 3).startsWith('cgroup2 ')) return line.slice(0, sep).split(' ')[4];
  }
  return undefined;
}

function readTrim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

// The cgroup path (relative to the hierarchy root) of pid for a v1 controller, or the v2 path.
function cgroupPathOf(pid: number, controller: string): string | undefined {
  const text = readTrim(`/proc/${pid}/cgroup`);
  for (const line of text?.split('\n') ?? []) {
    const [, ctrls, p] = line.split(':');
    if (controller === '' ? ctrls === '' : ctrls.split(',').includes(controller)) return p;
  }
  return undefined;
}

function capBits(status: string | undefined): bigint {
  return BigInt('0x' + (status ?? '0'));
}

// A field of a "Name:\tvalue" /proc/<pid>/status text printed by a container.
function statusLine(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text)?.[1].trim();
}

// Processes whose command line contains every one of the strings (our daemons and shims only).
function procsWithCmdline(parts: string[]): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (parts.every((p) => cmd.includes(p)) && isAlive(Number(name))) out.push(Number(name));
  }
  return out;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// Removes a cgroup subtree of ours (deepest first), in every hierarchy.
// What was killed stays in its cgroup until it is reaped, and a daemonized
// conmon's reaper is pid 1, which may take a second or two: hence the
// deadline, not a count of tries.
function removeCgroupTree(rel: string): void {
  killAll(procsInCgroup(rel));
  const deadline = Date.now() + 10000;
  for (const m of cgroupMountpoints()) {
    const top = path.join(m, rel);
    if (!fs.existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      dirs.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(top);
    for (const d of dirs.reverse()) {
      while (fs.existsSync(d)) {
        try {
          fs.rmdirSync(d);
        } catch {
          if (Date.now() > deadline) break;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
      }
    }
  }
}

// Unmounts (lazily) whatever is mounted under dir in our mount namespace, deepest first.
function unmountUnder(dir: string): void {
  const points = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && (p === dir || p.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p]);
}

function rmrf(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCmd(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number; cwd?: string } = {}): Run {
  const start = Date.now();
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input ?? '',
    timeout: opts.timeout ?? 60000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? `\n${r.error.message}` : ''), ms: Date.now() - start };
}

// A command through a real terminal (test/e2e/pty-drive.py): what the screen showed, and the exit status.
function throughPty(rows: number, cols: number, steps: [number, string][], cmd: string[], env?: NodeJS.ProcessEnv): { screen: string; exit: number | undefined } {
  const r = spawnSync('python3', [PTY_DRIVE, String(rows), String(cols), JSON.stringify(steps), '--', ...cmd], {
    encoding: 'utf8',
    env: env ?? process.env,
    timeout: 60000,
    killSignal: 'SIGKILL',
  });
  const out = r.stdout ?? '';
  const m = /\nEXIT=(-?\d+)\s*$/.exec(out);
  return { screen: out, exit: m ? Number(m[1]) : undefined };
}

// The container's process sets this file's counter ten times a second: it stops while the container is frozen.
const COUNTER = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'];
// Reports the signals it traps on stdout; exits 7 on SIGTERM.
const TRAPPER = ['sh', '-c', 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done'];

async function counterFrozen(pid: number): Promise<{ before: string | undefined; after: string | undefined }> {
  await sleep(200);
  const before = readTrim(`/proc/${pid}/root/tmp/n`);
  await sleep(400);
  return { before, after: readTrim(`/proc/${pid}/root/tmp/n`) };
}

// ================================================================ podman

interface Podman {
  base: string;
  args: string[]; // global flags of every podman call
  env: NodeJS.ProcessEnv;
  runtsRoot: string; // the --root of every runts call podman makes
  cgParent: string; // cgroup parent of our containers (cgroupfs manager)
  runFlags: string[]; // flags of every podman run/create
  image: string;
  bin: string;
}

let pm: Podman | undefined;
let pmSetupError: Error | undefined;

function podmanSetup(): Podman {
  if (pmSetupError) throw pmSetupError; // pm may be half set up: teardown still needs it
  if (pm) return pm;
  try {
    pm = podmanSetupOnce();
    return pm;
  } catch (e) {
    pmSetupError = e as Error;
    throw e;
  }
}

function podmanSetupOnce(): Podman {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-podman-'));
  fs.chmodSync(base, 0o755);
  const d = (name: string) => {
    const p = path.join(base, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const storage = d('storage');
  const run = d('run');
  const tmp = d('tmp');
  const net = d('net');
  const volumes = d('volumes');
  const runtsRoot = d('runts');
  const bin = d('bin');
  const wrapper = path.join(bin, 'runts');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec env -i ${installedRunts()} --root ${runtsRoot} "$@"\n`, { mode: 0o755 });
  const conf = path.join(base, 'containers.conf');
  fs.writeFileSync(
    conf,
    [
      '[engine]',
      'lock_type = "file"',
      'events_logger = "file"',
      'cgroup_manager = "cgroupfs"',
      `tmp_dir = "${tmp}"`,
      `volume_path = "${volumes}"`,
      `static_dir = "${path.join(storage, 'libpod')}"`,
      '[network]',
      `network_config_dir = "${net}"`,
      '',
    ].join('\n'),
  );
  const storageConf = path.join(base, 'storage.conf');
  fs.writeFileSync(storageConf, `[storage]\ndriver = "overlay"\ngraphroot = "${storage}"\nrunroot = "${run}"\n`);
  const env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storageConf, TMPDIR: tmp };
  const args = [
    '--root', storage, '--runroot', run, '--tmpdir', tmp, '--runtime', wrapper,
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--network-config-dir', net, '--volumepath', volumes,
  ];
  const cgParent = `/runts-e2e-podman-${RAND}`;
  const p: Podman = {
    base, args, env, runtsRoot, cgParent, bin: which('podman')!,
    image: 'localhost/runts-e2e-bb:latest',
    // The host has no CAP_SYS_RESOURCE in its bounding set: podman's default
    // nofile (1048576) cannot be set, by any runtime.
    runFlags: ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--cgroup-parent', cgParent],
  };
  pm = p; // teardown must see it even if the import fails
  const tar = path.join(base, 'bb.tar');
  const tr = runCmd('tar', ['-C', rootfsTemplate(), '--numeric-owner', '-cf', tar, '.']);
  if (tr.status !== 0) throw new Error(`tar of the rootfs failed: ${tr.stderr}`);
  const quoted = [p.bin, ...args, 'import', tar, p.image].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `if [ -d /var/lib/containers ]; then mount -t tmpfs runts-e2e /var/lib/containers; else mount -t tmpfs runts-e2e /var/lib; fi && exec ${quoted}`;
  const imp = runCmd('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { env, timeout: 120000 });
  if (imp.status !== 0) throw new Error(`podman import failed (${imp.status}): ${imp.stderr}`);
  return p;
}

function podmanTeardown(): void {
  const p = pm;
  if (!p) return;
  pm = undefined;
  runCmd(p.bin, [...p.args, 'rm', '--all', '--force', '--time', '0'], { env: p.env, timeout: 60000 });
  runCmd(p.bin, [...p.args, 'rmi', '--all', '--force'], { env: p.env, timeout: 60000 });
  // Whatever is left of ours: conmons, container processes, runts state, cgroups, mounts.
  killAll(procsWithCmdline(['conmon', p.base]));
  for (const id of fs.existsSync(p.runtsRoot) ? fs.readdirSync(p.runtsRoot) : []) spawnSync(RUNTS, ['--root', p.runtsRoot, 'delete', '--force', id]);
  removeCgroupTree(p.cgParent);
  unmountUnder(p.base);
  rmrf(p.base);
}

function podman(args: string[], opts: { input?: string; timeout?: number } = {}): Run {
  const p = podmanSetup();
  // In our own directory: conmon writes a file `oom` into its working
  // directory when the container is OOM-killed.
  return runCmd(p.bin, [...p.args, ...args], { env: p.env, input: opts.input, timeout: opts.timeout, cwd: p.base });
}

// podman run --rm in the foreground; the container's ID (from --cidfile) comes back too.
function podmanRunRm(t: T, flags: string[], cmd: string[]): Run & { id: string } {
  const p = podmanSetup();
  const dir = tempDir(t, 'runts-e2e-cid-');
  const cidfile = path.join(dir, 'cid');
  const r = podman(['run', '--rm', '--cidfile', cidfile, ...p.runFlags, ...flags, p.image, ...cmd]);
  return { ...r, id: readTrim(cidfile) ?? '' };
}

// podman run -d; removed (rm -f) in t's teardown. Its full ID and host pid.
function podmanRunDetached(t: T, flags: string[], cmd: string[]): { id: string; pid: number } {
  const p = podmanSetup();
  const r = podman(['run', '-d', ...p.runFlags, ...flags, p.image, ...cmd]);
  t.equal(r.status, 0, 'podman run -d', { stderr: r.stderr });
  const id = r.stdout.trim().split('\n').pop() ?? '';
  t.teardown(() => {
    podman(['rm', '--force', '--time', '0', id]);
  });
  const pid = Number(podman(['inspect', '--format', '{{.State.Pid}}', id]).stdout.trim());
  if (pid > 0) remember(pid);
  return { id, pid };
}

function inspect(id: string, format: string): string {
  return podman(['inspect', '--format', format, id]).stdout.trim();
}

function podmanCgroup(id: string): string {
  return `${podmanSetup().cgParent}/libpod-${id}`;
}

// Once podman has removed container id: no runts state and no cgroup named after it.
async function podmanNothingLeft(t: T, id: string): Promise<void> {
  const p = podmanSetup();
  t.ok(id.length === 64, 'a full container ID', { id });
  const stateGone = await waitFor(() => !fs.existsSync(path.join(p.runtsRoot, id)), 5000);
  t.ok(stateGone, 'no runts state left for the container', { left: fs.existsSync(p.runtsRoot) ? fs.readdirSync(p.runtsRoot) : [] });
  await waitFor(() => cgroupDirsNamed(id).length === 0, 5000);
  t.same(cgroupDirsNamed(id), [], 'no cgroup directory named after the container in any hierarchy');
}

const podmanTest = (name: string, fn: (t: T) => Promise<void>, skip?: string) =>
  t.test(`podman: ${name}${skip && !PODMAN_SKIP ? ` (skipped: ${skip})` : ''}`, { skip: PODMAN_SKIP ? `podman unavailable: ${PODMAN_SKIP}` : skip ?? false }, async (t) => {
    try {
      podmanSetup();
    } catch (e) {
      t.fail(`podman setup: ${(e as Error).message}`);
      return;
    }
    await fn(t);
  });

// ================================================================ containerd

interface Ctrd {
  base: string;
  sock: string;
  ns: string; // containerd namespace, also the cgroup parent of its containers
  runtsRoot: string; // --runc-root: runts state is <runtsRoot>/<ns>/<id>
  fifoDir: string;
  logDir: string;
  daemon: ChildProcess;
  image: string;
  bin: string;
}

let cd: Ctrd | undefined;
let cdSetupError: Error | undefined;

async function ctrdSetup(): Promise<Ctrd> {
  if (cdSetupError) throw cdSetupError; // cd may be half set up: teardown still needs it
  if (cd) return cd;
  try {
    return await ctrdSetupOnce();
  } catch (e) {
    cdSetupError = e as Error;
    throw e;
  }
}

async function ctrdSetupOnce(): Promise<Ctrd> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-ctrd-'));
  fs.chmodSync(base, 0o755);
  const d = (name: string) => {
    const p = path.join(base, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const root = d('root');
  const stateDir = d('state');
  const opt = d('opt');
  const sock = path.join(base, 'containerd.sock');
  const config = path.join(base, 'config.toml');
  fs.writeFileSync(
    config,
    [
      'version = 2',
      `root = "${root}"`,
      `state = "${stateDir}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.internal.v1.tracing",',
      '  "io.containerd.tracing.processor.v1.otlp"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${opt}"`,
      '',
    ].join('\n'),
  );
  const log = fs.openSync(path.join(base, 'containerd.log'), 'w');
  // unshare execs sh, which execs setpriv, which execs containerd: the
  // child's pid is the daemon's, and it gets SIGKILL if this process dies
  // without a teardown (a tap timeout).
  const daemon = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o mode=0755 runts-e2e /run && exec setpriv --pdeathsig KILL containerd --config "$0"', config],
    { stdio: ['ignore', log, log] },
  );
  daemon.unref(); // it must not keep the test process alive: teardown kills it
  fs.closeSync(log);
  const c: Ctrd = {
    base, sock, daemon,
    ns: `runts-e2e-${RAND}`,
    runtsRoot: d('runts'),
    fifoDir: d('fifo'),
    logDir: d('logs'),
    image: 'localhost/runts-e2e-bb:latest',
    bin: which('ctr')!,
  };
  cd = c; // teardown must see it from here on
  const up = await waitFor(() => fs.existsSync(sock) && runCmd(c.bin, ['-a', sock, 'version'], { timeout: 5000 }).status === 0, 15000, 100);
  if (!up) throw new Error(`containerd did not come up: ${readTrim(path.join(base, 'containerd.log'))?.split('\n').slice(-5).join('\n')}`);
  const tar = path.join(base, 'bb-oci.tar');
  makeOciTar(rootfsTemplate(), tar, c.image, base);
  const imp = ctr(['images', 'import', tar]);
  if (imp.status !== 0) throw new Error(`ctr images import failed (${imp.status}): ${imp.stderr}`);
  return c;
}

function ctr(args: string[], opts: { timeout?: number } = {}): Run {
  if (!cd) throw new Error('containerd not set up');
  return runCmd(cd.bin, ['-a', cd.sock, '-n', cd.ns, ...args], { timeout: opts.timeout ?? 30000 });
}

function ctrRuntimeFlags(): string[] {
  return ['--runc-binary', installedRuntsEmptyEnv(), '--runc-root', cd!.runtsRoot, '--fifo-dir', cd!.fifoDir];
}

// The engines run the installed runts (`make install PREFIX=<tmp>`) with an
// empty environment, as an engine on a real host would start it.
let installed: string | undefined;
function installedRunts(): string {
  if (installed) return installed;
  const prefix = tempDir(t, 'runts-e2e-prefix-');
  const r = spawnSync('make', ['-s', 'install', `PREFIX=${prefix}`], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make install failed: ${r.stderr}`);
  installed = path.join(prefix, 'bin', 'runts');
  return installed;
}

let emptyEnvWrapper: string | undefined;
function installedRuntsEmptyEnv(): string {
  if (emptyEnvWrapper) return emptyEnvWrapper;
  const dir = tempDir(t, 'runts-e2e-envi-');
  emptyEnvWrapper = path.join(dir, 'runts');
  fs.writeFileSync(emptyEnvWrapper, `#!/bin/sh\nexec env -i ${installedRunts()} "$@"\n`, { mode: 0o755 });
  return emptyEnvWrapper;
}

function ctrTeardown(): void {
  const c = cd;
  if (!c) return;
  if (c.daemon.exitCode === null && c.daemon.signalCode === null) {
    for (const id of ctr(['containers', 'list', '--quiet'], { timeout: 10000 }).stdout.split('\n').filter(Boolean)) {
      ctr(['tasks', 'kill', '--signal', 'SIGKILL', id], { timeout: 10000 });
      ctr(['tasks', 'delete', '--force', id], { timeout: 10000 });
      ctr(['containers', 'delete', id], { timeout: 10000 });
    }
    ctr(['images', 'remove', c.image], { timeout: 10000 });
    ctr(['namespaces', 'remove', c.ns], { timeout: 10000 });
  }
  cd = undefined;
  // Our shims (they outlive the daemon), our daemon, whatever is in our cgroups.
  killAll(procsWithCmdline(['containerd-shim', c.sock]));
  try {
    c.daemon.kill('SIGKILL');
  } catch {
    /* gone */
  }
  for (const id of fs.existsSync(path.join(c.runtsRoot, c.ns)) ? fs.readdirSync(path.join(c.runtsRoot, c.ns)) : []) {
    spawnSync(RUNTS, ['--root', path.join(c.runtsRoot, c.ns), 'delete', '--force', id]);
  }
  removeCgroupTree(`/${c.ns}`);
  unmountUnder(c.base);
  rmrf(c.base);
}

// ctr run -d (stdout to a log file); task and container removed in t's teardown.
function ctrRunDetached(t: T, flags: string[], cmd: string[]): { id: string; pid: number; log: string } {
  const id = `c-${randomBytes(4).toString('hex')}`;
  const log = path.join(cd!.logDir, `${id}.log`);
  const r = ctr(['run', '--detach', ...ctrRuntimeFlags(), '--log-uri', `file://${log}`, ...flags, cd!.image, id, ...cmd]);
  t.equal(r.status, 0, 'ctr run --detach', { stderr: r.stderr });
  t.teardown(async () => {
    if (!cd) return;
    // Kill, wait for the shim to see the exit, delete: a plain sequence that
    // does not depend on what `tasks delete --force` does with a task that
    // has exited (see the test of that below).
    if (tasks().get(id)?.status === 'RUNNING' || tasks().get(id)?.status === 'PAUSED') {
      ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', id]);
      await waitFor(() => tasks().get(id)?.status !== 'RUNNING', 5000, 50);
    }
    if (tasks().has(id) && ctr(['tasks', 'delete', id]).status !== 0) ctr(['tasks', 'delete', '--force', id]);
    ctr(['containers', 'delete', id]);
  });
  return { id, pid: remember(taskPid(id) ?? 0), log };
}

// `ctr tasks list` as id -> {pid, status}.
function tasks(): Map<string, { pid: number; status: string }> {
  const out = new Map<string, { pid: number; status: string }>();
  for (const line of ctr(['tasks', 'list']).stdout.split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id) out.set(id, { pid: Number(pid), status });
  }
  return out;
}

function taskPid(id: string): number | undefined {
  return tasks().get(id)?.pid;
}

async function ctrNothingLeft(t: T, id: string): Promise<void> {
  const c = cd!;
  const stateGone = await waitFor(() => !fs.existsSync(path.join(c.runtsRoot, c.ns, id)), 5000);
  t.ok(stateGone, 'no runts state left for the container');
  await waitFor(() => cgroupDirsNamed(id).length === 0, 5000);
  t.same(cgroupDirsNamed(id), [], 'no cgroup directory named after the container in any hierarchy');
}

const ctrdTest = (name: string, fn: (t: T) => Promise<void>) =>
  t.test(`containerd: ${name}`, { skip: CTRD_SKIP ? `containerd unavailable: ${CTRD_SKIP}` : false }, async (t) => {
    try {
      await ctrdSetup();
    } catch (e) {
      t.fail(`containerd setup: ${(e as Error).message}`);
      return;
    }
    await fn(t);
  });

function teardownAll(): void {
  for (const fn of [podmanTeardown, ctrTeardown]) {
    try {
      fn();
    } catch (e) {
      console.error(`# engines teardown: ${(e as Error).message}`);
    }
  }
}
t.teardown(teardownAll);
// A crash that never reaches tap's teardown still must not leave a daemon running.
process.once('exit', teardownAll);

// ================================================================ podman scenarios

podmanTest('run --rm passes the exit status and stdio through, and leaves nothing behind', async (t) => {
  const r = podmanRunRm(t, [], ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.equal(r.status, 3, 'exit status 3', { stderr: r.stderr });
  t.equal(r.stdout, 'out\n', 'stdout');
  t.match(r.stderr, /^err$/m, 'stderr');
  await podmanNothingLeft(t, r.id);
  const ok = podmanRunRm(t, [], ['true']);
  t.equal(ok.status, 0, 'exit status 0', { stderr: ok.stderr });
  await podmanNothingLeft(t, ok.id);
});

// Where AppArmor is on (the stock-host VM), podman loads its default
// profile and passes it as process.apparmorProfile (docs/lsm.md).
const AA_SKIP = readTrim('/sys/module/apparmor/parameters/enabled') === 'Y' && fs.existsSync('/sys/kernel/security/apparmor') ? undefined : 'AppArmor is not enabled on this host';
podmanTest('its default AppArmor profile confines the container, seen from inside in enforce mode; apparmor=unconfined is not', async (t) => {
  const r = podmanRunRm(t, [], ['cat', '/proc/self/attr/current']);
  t.equal(r.status, 0, 'podman run', { stderr: r.stderr });
  t.match(r.stdout, /^containers-default-[0-9.]+ \(enforce\)$/m, 'the kernel names podman\'s profile');
  await podmanNothingLeft(t, r.id);
  const u = podmanRunRm(t, ['--security-opt', 'apparmor=unconfined'], ['cat', '/proc/self/attr/current']);
  t.equal(u.status, 0, 'podman run --security-opt apparmor=unconfined', { stderr: u.stderr });
  t.match(u.stdout, /^unconfined$/m);
}, AA_SKIP);

// podman's container checkpoint/restore drive runts checkpoint and restore
// through conmon (docs/checkpoint.md); criu must work on the host.
const CRIU_SKIP = PODMAN_SKIP ? undefined : criuProblem();
podmanTest('container checkpoint and restore: the counter goes on from where it was, in a new process', async (t) => {
  const { id, pid } = podmanRunDetached(t, [], ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "n $i"; sleep 0.5; done']);
  const last = () => Math.max(0, ...[...podman(['logs', id]).stdout.matchAll(/^n (\d+)$/gm)].map((m) => Number(m[1])));
  t.ok(await waitFor(() => last() >= 3, 60000, 200), 'it counts (podman logs)');
  const ck = podman(['container', 'checkpoint', id], { timeout: 180000 });
  t.equal(ck.status, 0, 'podman container checkpoint', { stderr: ck.stderr });
  t.ok(await waitFor(() => !isAlive(pid), 10000), 'the container process is gone');
  t.equal(inspect(id, '{{.State.Status}}'), 'exited', 'podman says exited');
  const stopped = last();
  const rs = podman(['container', 'restore', id], { timeout: 180000 });
  t.equal(rs.status, 0, 'podman container restore', { stderr: rs.stderr });
  t.equal(inspect(id, '{{.State.Status}}'), 'running', 'podman says running');
  const pid2 = Number(inspect(id, '{{.State.Pid}}'));
  t.ok(pid2 > 0 && pid2 !== pid && isAlive(remember(pid2)), `a new live process ${pid2}`);
  t.equal(cgroupPathOf(pid2, ''), podmanCgroup(id), 'in the container\'s cgroup again');
  t.ok(await waitFor(() => last() > stopped + 1, 60000, 200), `the count goes on from ${stopped} (podman logs: ${last()})`);
  const rm = podman(['rm', '--force', '--time', '0', id]);
  t.equal(rm.status, 0, 'rm -f', { stderr: rm.stderr });
  await podmanNothingLeft(t, id);
}, CRIU_SKIP);

podmanTest('run -d, then logs; the container is in its own cgroup and pid namespace', async (t) => {
  const { id, pid } = podmanRunDetached(t, [], ['sh', '-c', 'echo hello-from-detached; echo to-stderr >&2; sleep 60']);
  t.ok(pid > 0 && isAlive(pid), 'podman reports a live host pid');
  t.equal(inspect(id, '{{.State.Status}}'), 'running');
  t.ok(await waitFor(() => /hello-from-detached/.test(podman(['logs', id]).stdout), 5000, 100), 'podman logs shows the stdout');
  t.match(podman(['logs', id]).stderr, /to-stderr/, 'and the stderr');
  t.equal(cgroupPathOf(pid, 'memory'), podmanCgroup(id), 'memory cgroup is <parent>/libpod-<id>');
  t.equal(cgroupPathOf(pid, ''), podmanCgroup(id), 'and so is the cgroup2 one');
  t.not(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync('/proc/self/ns/pid'), 'own pid namespace');
  t.equal(procStatus(pid)?.NSpid.split(/\s+/).pop(), '1', 'PID 1 there');
  const rm = podman(['rm', '--force', '--time', '0', id]);
  t.equal(rm.status, 0, 'rm -f', { stderr: rm.stderr });
  await podmanNothingLeft(t, id);
});

podmanTest('exec: exit status, stdio, stdin, env, user; it joins the container', async (t) => {
  const { id, pid } = podmanRunDetached(t, [], ['sleep', '60']);
  let r = podman(['exec', id, 'sh', '-c', 'echo out; echo err >&2; exit 4']);
  t.equal(r.status, 4, 'exit status 4');
  t.equal(r.stdout, 'out\n');
  t.match(r.stderr, /^err$/m);
  r = podman(['exec', '-i', id, 'sh', '-c', 'cat; echo done'], { input: 'from-stdin\n' });
  t.equal(r.status, 0, 'exec -i', { stderr: r.stderr });
  t.equal(r.stdout, 'from-stdin\ndone\n', 'stdin reaches the process');
  r = podman(['exec', '-e', 'FOO=bar', '-u', '1000:1000', '-w', '/tmp', id, 'sh', '-c', 'echo $FOO $(id -u) $(id -g) $(pwd)']);
  t.equal(r.stdout.trim(), 'bar 1000 1000 /tmp', 'env, user, workdir applied', { stderr: r.stderr });
  r = podman(['exec', id, 'sh', '-c', 'for f in /proc/1/ns/pid /proc/self/ns/pid /proc/1/ns/mnt /proc/self/ns/mnt; do readlink $f; done; tr "\\0" " " < /proc/1/cmdline']);
  const [pid1, pidSelf, mnt1, mntSelf, cmd1] = r.stdout.trim().split('\n');
  t.equal(pidSelf, pid1, 'same pid namespace as PID 1');
  t.equal(mntSelf, mnt1, 'same mount namespace as PID 1');
  t.equal(cmd1.trim(), 'sleep 60', 'and PID 1 is the container process');
  t.equal(pid1, fs.readlinkSync(`/proc/${pid}/ns/pid`), 'which is the host pid podman reports');
  r = podman(['exec', id, 'no-such-program']);
  t.not(r.status, 0, 'a missing program fails the exec');
});

podmanTest('exec -it through a terminal', async (t) => {
  const { id } = podmanRunDetached(t, [], ['sleep', '60']);
  const p = podmanSetup();
  const r = throughPty(25, 90, [[1.5, 'stty size; tty; echo $((6*7))x\r'], [0.7, 'exit 6\r']], [p.bin, ...p.args, 'exec', '-it', id, 'sh'], p.env);
  t.equal(r.exit, 6, 'exit status of the shell', { screen: r.screen });
  t.match(r.screen, /^25 90\r?$/m, 'the terminal size reaches the container');
  t.match(r.screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
  t.match(r.screen, /^42x\r?$/m, 'typed input is run');
  const t2 = podman(['exec', '-t', id, 'tty']);
  t.match(t2.stdout, /^\/dev\/pts\/\d+/, 'exec -t without a caller terminal still gets a pty', { stderr: t2.stderr });
});

podmanTest('stop: SIGTERM, then SIGKILL after the timeout', async (t) => {
  // A trapper exits 7 on SIGTERM: stop is quick and the status is its own.
  const a = podmanRunDetached(t, ['--stop-timeout', '1'], TRAPPER);
  t.ok(await waitFor(() => /started/.test(podman(['logs', a.id]).stdout), 5000, 100), 'started');
  let r = podman(['stop', '-t', '5', a.id]);
  t.equal(r.status, 0, 'stop', { stderr: r.stderr });
  t.ok(r.ms < 4000, `stopped by SIGTERM, before the timeout (${r.ms} ms)`);
  t.equal(inspect(a.id, '{{.State.ExitCode}}'), '7', 'exit status from the TERM trap');
  t.match(podman(['logs', a.id]).stdout, /got-term/, 'the process saw SIGTERM');
  t.notOk(isAlive(a.pid), 'the process is gone');
  // PID 1 without a handler ignores SIGTERM: stop waits 1 s, then kills.
  const b = podmanRunDetached(t, ['--stop-timeout', '1'], ['sleep', '60']);
  r = podman(['stop', '-t', '1', b.id]);
  t.equal(r.status, 0, 'stop -t 1', { stderr: r.stderr });
  t.ok(r.ms >= 900 && r.ms < 8000, `waited the timeout, then killed (${r.ms} ms)`);
  t.equal(inspect(b.id, '{{.State.ExitCode}}'), '137', 'killed by SIGKILL');
  t.equal(inspect(b.id, '{{.State.Status}}'), 'exited');
  t.notOk(isAlive(b.pid), 'the process is gone');
  for (const id of [a.id, b.id]) {
    r = podman(['rm', id]);
    t.equal(r.status, 0, 'rm of the stopped container', { stderr: r.stderr });
    await podmanNothingLeft(t, id);
  }
});

podmanTest('kill: a signal reaches the process; the default SIGKILL ends it', async (t) => {
  const { id, pid } = podmanRunDetached(t, [], TRAPPER);
  t.ok(await waitFor(() => /started/.test(podman(['logs', id]).stdout), 5000, 100), 'started');
  let r = podman(['kill', '--signal', 'USR1', id]);
  t.equal(r.status, 0, 'kill -s USR1', { stderr: r.stderr });
  t.ok(await waitFor(() => /got-usr1/.test(podman(['logs', id]).stdout), 5000, 100), 'the process trapped SIGUSR1');
  t.equal(inspect(id, '{{.State.Status}}'), 'running', 'and is still running');
  r = podman(['kill', id]);
  t.equal(r.status, 0, 'kill', { stderr: r.stderr });
  t.ok(await waitFor(() => inspect(id, '{{.State.Status}}') === 'exited', 5000, 100), 'exited');
  t.equal(inspect(id, '{{.State.ExitCode}}'), '137', 'by SIGKILL');
  t.notOk(isAlive(pid), 'the process is gone');
});

podmanTest('pause/unpause freeze and thaw the container', async (t) => {
  const { id, pid } = podmanRunDetached(t, [], COUNTER);
  t.ok(await waitFor(() => readTrim(`/proc/${pid}/root/tmp/n`) !== undefined, 5000), 'the counter runs');
  const freezer = v1Mount('freezer');
  let r = podman(['pause', id]);
  t.equal(r.status, 0, 'pause', { stderr: r.stderr });
  t.equal(inspect(id, '{{.State.Status}}'), 'paused', 'podman says paused');
  if (freezer) t.equal(readTrim(path.join(freezer, podmanCgroup(id), 'freezer.state')), 'FROZEN', 'the freezer cgroup is FROZEN');
  const { before, after } = await counterFrozen(pid);
  t.equal(after, before, 'the counter stands still');
  r = podman(['unpause', id]);
  t.equal(r.status, 0, 'unpause', { stderr: r.stderr });
  t.equal(inspect(id, '{{.State.Status}}'), 'running', 'running again');
  if (freezer) t.equal(readTrim(path.join(freezer, podmanCgroup(id), 'freezer.state')), 'THAWED', 'the freezer cgroup is THAWED');
  t.ok(await waitFor(() => readTrim(`/proc/${pid}/root/tmp/n`) !== after, 3000), 'the counter moves again');
});

podmanTest('top and stats --no-stream', async (t) => {
  const { id } = podmanRunDetached(t, ['--memory', '64m'], ['sh', '-c', 'sleep 60 & sleep 61']);
  await waitFor(() => podman(['top', id, 'args']).stdout.includes('sleep 61'), 3000, 100);
  let r = podman(['top', id, 'pid', 'args']);
  t.equal(r.status, 0, 'top', { stderr: r.stderr });
  t.match(r.stdout, /^\s*1\s+sleep 61/m, 'PID 1 listed');
  t.match(r.stdout, /sleep 60/, 'and its child');
  r = podman(['stats', '--no-stream', '--format', 'json', id]);
  t.equal(r.status, 0, 'stats --no-stream', { stderr: r.stderr });
  let stats: Record<string, string> = {};
  try {
    stats = JSON.parse(r.stdout)[0];
  } catch {
    t.fail('stats output is JSON', { stdout: r.stdout });
  }
  t.equal(stats.pids, '2', 'two processes counted');
  t.match(stats.mem_usage, /\/ 67\.1\dMB$/, 'memory limit 64 MiB');
  t.notMatch(stats.mem_usage, /^0B/, 'some memory in use');
});

podmanTest('rm -f of a running container', async (t) => {
  const { id, pid } = podmanRunDetached(t, ['--stop-timeout', '1'], ['sleep', '60']);
  t.ok(isAlive(pid), 'running');
  const r = podman(['rm', '--force', id]);
  t.equal(r.status, 0, 'rm -f', { stderr: r.stderr });
  t.ok(r.ms < 8000, `within the stop timeout (${r.ms} ms)`);
  t.notOk(isAlive(pid), 'the process is gone');
  t.equal(podman(['ps', '--all', '--quiet', '--no-trunc', '--filter', `id=${id}`]).stdout.trim(), '', 'podman no longer lists it');
  await podmanNothingLeft(t, id);
});

podmanTest('run -it with a terminal', async (t) => {
  const p = podmanSetup();
  const r = throughPty(30, 100, [[1.5, 'stty size; tty; echo $((6*7))x\r'], [0.7, 'exit 5\r']], [p.bin, ...p.args, 'run', '-it', '--rm', ...p.runFlags, p.image, 'sh'], p.env);
  t.equal(r.exit, 5, 'exit status of the shell', { screen: r.screen });
  t.match(r.screen, /^30 100\r?$/m, 'the terminal size reaches the container');
  t.match(r.screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
  t.match(r.screen, /^42x\r?$/m, 'typed input is run');
});

podmanTest('run --read-only (with its default tmpfs on /tmp, /var/tmp, /run)', async (t) => {
  // podman mounts these with the "tmpcopyup" option (a runc extension).
  const r = podmanRunRm(t, ['--read-only'], ['sh', '-c', 'touch /x 2>/dev/null; echo root=$?; touch /tmp/y /run/y /var/tmp/y; echo tmp=$?; grep -E " / " /proc/mounts']);
  t.equal(r.status, 0, 'the container runs', { stderr: r.stderr });
  t.match(r.stdout, /^root=1$/m, 'the root filesystem refuses writes');
  t.match(r.stdout, /^tmp=0$/m, '/tmp, /run and /var/tmp are writable');
  t.match(r.stdout, /^\S+ \/ \S+ ro[,\s]/m, '/ is mounted ro');
  await podmanNothingLeft(t, r.id);
});

podmanTest('run --read-only --read-only-tmpfs=false', async (t) => {
  const r = podmanRunRm(t, ['--read-only', '--read-only-tmpfs=false'], ['sh', '-c', 'touch /x 2>/dev/null; echo root=$?; touch /tmp/y 2>/dev/null; echo tmp=$?; grep -E " / " /proc/mounts']);
  t.equal(r.status, 0, 'the container runs', { stderr: r.stderr });
  t.match(r.stdout, /^root=1$/m, 'the root filesystem refuses writes');
  t.match(r.stdout, /^tmp=1$/m, 'so does /tmp');
  t.match(r.stdout, /^\S+ \/ \S+ ro[,\s]/m, '/ is mounted ro');
  await podmanNothingLeft(t, r.id);
});

podmanTest('--tmpfs /scratch:size=1m', async (t) => {
  // podman adds "tmpcopyup" to the options of a --tmpfs mount, as it does for --read-only's.
  const r = podmanRunRm(t, ['--tmpfs', '/scratch:size=1m'], ['sh', '-c', 'echo x > /scratch/f && cat /scratch/f; grep " /scratch " /proc/mounts']);
  t.equal(r.status, 0, 'the container runs', { stderr: r.stderr });
  t.match(r.stdout, /^x$/m, 'the tmpfs is writable');
  t.match(r.stdout, /^\S+ \/scratch tmpfs \S*size=1024k/m, 'a 1 MiB tmpfs on /scratch');
  await podmanNothingLeft(t, r.id);
});

podmanTest('bind volumes (ro and rw), --hostname, --workdir, --env', async (t) => {
  const dir = tempDir(t, 'runts-e2e-vol-');
  fs.writeFileSync(path.join(dir, 'f'), 'from-host\n');
  let r = podmanRunRm(t, ['-v', `${dir}:/data:ro`, '--hostname', 'engine-host', '--workdir', '/tmp', '-e', 'A=b'], [
    'sh', '-c', 'cat /data/f; hostname; pwd; echo $A; touch /data/x 2>/dev/null; echo ro=$?',
  ]);
  t.equal(r.status, 0, 'runs', { stderr: r.stderr });
  t.same(r.stdout.trim().split('\n'), ['from-host', 'engine-host', '/tmp', 'b', 'ro=1'], 'volume content, hostname, workdir, env; a :ro volume refuses writes');
  r = podmanRunRm(t, ['-v', `${dir}:/data`], ['sh', '-c', 'echo from-container > /data/g']);
  t.equal(r.status, 0, 'a rw volume', { stderr: r.stderr });
  t.equal(readTrim(path.join(dir, 'g')), 'from-container', 'its writes reach the host');
});

podmanTest('--device and --privileged (device nodes in config.json carry their file type bits)', async (t) => {
  // podman writes linux.devices[].fileMode as st_mode, e.g. 0o20666 for a
  // character device: runc and crun take it.
  let r = podmanRunRm(t, ['--device', '/dev/null:/dev/mynull'], ['sh', '-c', 'ls -ln /dev/mynull; echo hi > /dev/mynull && echo written']);
  t.equal(r.status, 0, '--device runs', { stderr: r.stderr });
  t.match(r.stdout, /^crw-rw-rw-\s+1\s+0\s+0\s+1,\s+3 .*\/dev\/mynull$/m, 'a character device 1:3, mode 0666');
  t.match(r.stdout, /^written$/m, 'usable (the device cgroup allows it)');
  r = podmanRunRm(t, ['--privileged'], ['sh', '-c', 'grep CapEff /proc/self/status; test -c /dev/loop-control && echo has-host-devices']);
  t.equal(r.status, 0, '--privileged runs', { stderr: r.stderr });
  t.equal(capBits(statusLine(r.stdout, 'CapEff')), capBits(procStatus(process.pid)?.CapBnd), 'every capability of the host\'s bounding set');
  if (fs.existsSync('/dev/loop-control')) t.match(r.stdout, /has-host-devices/, 'the host\'s devices');
});

podmanTest('seccomp: podman\'s default profile, a custom one, unconfined', async (t) => {
  let r = podmanRunRm(t, [], ['grep', '-E', '^Seccomp:', '/proc/self/status']);
  t.equal(statusLine(r.stdout, 'Seccomp'), '2', 'a filter by default', { stderr: r.stderr });
  const dir = tempDir(t, 'runts-e2e-seccomp-');
  const profile = path.join(dir, 'profile.json');
  fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
  r = podmanRunRm(t, ['--security-opt', `seccomp=${profile}`], ['sh', '-c', 'mkdir /tmp/d; echo mkdir=$?']);
  t.equal(r.status, 0, 'runs with a custom profile', { stderr: r.stderr });
  t.match(r.stdout, /^mkdir=1$/m, 'mkdir is refused');
  t.match(r.stderr, /Operation not permitted/, 'with EPERM');
  r = podmanRunRm(t, ['--security-opt', 'seccomp=unconfined'], ['grep', '-E', '^Seccomp:', '/proc/self/status']);
  t.equal(statusLine(r.stdout, 'Seccomp'), '0', 'no filter when unconfined', { stderr: r.stderr });
});

podmanTest('--user 1000:1000', async (t) => {
  const r = podmanRunRm(t, ['--user', '1000:1000'], ['sh', '-c', 'id -u; id -g; cat /proc/self/status']);
  t.equal(r.status, 0, 'runs', { stderr: r.stderr });
  const [uid, gid] = r.stdout.split('\n');
  t.equal(uid, '1000');
  t.equal(gid, '1000');
  t.equal(statusLine(r.stdout, 'Uid'), '1000\t1000\t1000\t1000', 'real, effective, saved and fs uid');
  t.equal(statusLine(r.stdout, 'Gid'), '1000\t1000\t1000\t1000', 'and gid');
  t.equal(capBits(statusLine(r.stdout, 'CapEff')), 0n, 'no effective capabilities as a non-root user');
  t.equal(capBits(statusLine(r.stdout, 'CapPrm')), 0n, 'nor permitted ones');
});

podmanTest('--cap-drop / --cap-add', async (t) => {
  const caps = (flags: string[]) => {
    const r = podmanRunRm(t, flags, ['cat', '/proc/self/status']);
    t.equal(r.status, 0, `run ${flags.join(' ')}`, { stderr: r.stderr });
    return { eff: capBits(statusLine(r.stdout, 'CapEff')), bnd: capBits(statusLine(r.stdout, 'CapBnd')), prm: capBits(statusLine(r.stdout, 'CapPrm')) };
  };
  const def = caps([]);
  t.ok(def.eff & (1n << CAP_CHOWN), 'CAP_CHOWN is in the default set');
  t.notOk(def.eff & (1n << CAP_SYS_ADMIN), 'CAP_SYS_ADMIN is not');
  t.equal(def.bnd, def.eff, 'bounding set = effective set');
  const dropped = caps(['--cap-drop', 'CHOWN']);
  t.equal(dropped.eff, def.eff & ~(1n << CAP_CHOWN), '--cap-drop CHOWN removes exactly that one');
  t.equal(dropped.bnd, dropped.eff, 'from the bounding set too');
  const added = caps(['--cap-add', 'SYS_ADMIN']);
  t.equal(added.eff, def.eff | (1n << CAP_SYS_ADMIN), '--cap-add SYS_ADMIN adds exactly that one');
  const only = caps(['--cap-drop', 'all', '--cap-add', 'NET_ADMIN']);
  t.equal(only.eff, 1n << CAP_NET_ADMIN, '--cap-drop all --cap-add NET_ADMIN: effective');
  t.equal(only.prm, 1n << CAP_NET_ADMIN, 'permitted');
  t.equal(only.bnd, 1n << CAP_NET_ADMIN, 'bounding');
});

podmanTest('--memory 64m: the cgroup limit on the host and inside; over it, the OOM killer', async (t) => {
  const p = podmanSetup();
  const { id, pid } = podmanRunDetached(t, ['--memory', '64m'], ['sleep', '60']);
  const cfg = JSON.parse(fs.readFileSync(path.join(p.base, 'storage', 'overlay-containers', id, 'userdata', 'config.json'), 'utf8'));
  const want = cfg.linux?.resources?.memory ?? {};
  t.equal(want.limit, 67108864, 'podman asks for 64 MiB');
  const mem = v1Mount('memory');
  if (mem) {
    const dir = path.join(mem, podmanCgroup(id));
    t.equal(cgroupPathOf(pid, 'memory'), podmanCgroup(id), 'the process is in that memory cgroup');
    t.equal(readTrim(path.join(dir, 'memory.limit_in_bytes')), '67108864', 'memory.limit_in_bytes on the host');
    if (want.swap !== undefined && fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) {
      t.equal(readTrim(path.join(dir, 'memory.memsw.limit_in_bytes')), String(want.swap), 'memory.memsw.limit_in_bytes = the swap podman asked for');
    }
    const inside = podman(['exec', id, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
    t.equal(inside.stdout.trim(), '67108864', 'and inside the container', { stderr: inside.stderr });
  } else if (v2Mount()) {
    t.equal(readTrim(path.join(v2Mount()!, podmanCgroup(id), 'memory.max')), '67108864', 'memory.max on the host');
  }
  const oom = podmanRunRm(t, ['--memory', '64m'], ['sh', '-c', 'head -c 200m /dev/zero | tail > /dev/null; echo rc=$?']);
  t.equal(oom.status, 0, 'the container runs', { stderr: oom.stderr });
  t.match(oom.stdout, /^rc=137$/m, 'a process holding 200 MiB is killed (SIGKILL by the OOM killer)');
  await podmanNothingLeft(t, oom.id);
});

podmanTest('--pids-limit 50: pids.max on the host and inside; fork fails beyond it', async (t) => {
  const { id, pid } = podmanRunDetached(t, ['--pids-limit', '50'], ['sleep', '60']);
  const pids = v1Mount('pids');
  if (pids) {
    t.equal(cgroupPathOf(pid, 'pids'), podmanCgroup(id), 'the process is in that pids cgroup');
    t.equal(readTrim(path.join(pids, podmanCgroup(id), 'pids.max')), '50', 'pids.max on the host');
    t.equal(podman(['exec', id, 'cat', '/sys/fs/cgroup/pids/pids.max']).stdout.trim(), '50', 'and inside');
  }
  const r = podmanRunRm(t, ['--pids-limit', '50'], ['sh', '-c', 'i=0; while [ $i -lt 60 ]; do sleep 5 & i=$((i+1)); done; echo all-started']);
  t.match(r.stderr, /can't fork/, 'the 50th process cannot be made', { stdout: r.stdout });
  t.notMatch(r.stdout, /all-started/, 'so the loop never completes');
  await podmanNothingLeft(t, r.id);
});

podmanTest('nothing left behind after rm -a', async (t) => {
  const p = podmanSetup();
  const a = podmanRunDetached(t, [], ['sleep', '60']);
  const r = podman(['rm', '--all', '--force', '--time', '0']);
  t.equal(r.status, 0, 'rm -af', { stderr: r.stderr });
  t.equal(podman(['ps', '--all', '--quiet']).stdout.trim(), '', 'no containers');
  await podmanNothingLeft(t, a.id);
  t.same(fs.readdirSync(p.runtsRoot), [], 'the runts root podman used is empty');
  const leftover = cgroupDirsNamed('libpod-');
  t.same(
    leftover.filter((d) => d.includes(p.cgParent)),
    [],
    'no libpod-* cgroup under our parent',
  );
});

// ================================================================ containerd scenarios

ctrdTest('run --rm passes the exit status and stdout through, and leaves nothing behind', async (t) => {
  const id = `c-${randomBytes(4).toString('hex')}`;
  const r = ctr(['run', '--rm', ...ctrRuntimeFlags(), cd!.image, id, 'sh', '-c', 'echo out; exit 3']);
  t.equal(r.status, 3, 'exit status 3', { stderr: r.stderr });
  t.equal(r.stdout, 'out\n', 'stdout');
  t.equal(ctr(['containers', 'list', '--quiet']).stdout.trim(), '', 'no container left');
  await ctrNothingLeft(t, id);
  const id2 = `c-${randomBytes(4).toString('hex')}`;
  const ok = ctr(['run', '--rm', ...ctrRuntimeFlags(), cd!.image, id2, 'true']);
  t.equal(ok.status, 0, 'exit status 0', { stderr: ok.stderr });
  await ctrNothingLeft(t, id2);
});

ctrdTest('run -d, then task exec', async (t) => {
  const { id, pid, log } = ctrRunDetached(t, [], ['sh', '-c', 'echo hello-from-detached; sleep 60']);
  t.ok(pid > 0 && isAlive(pid), 'ctr task ls reports a live host pid');
  t.equal(tasks().get(id)?.status, 'RUNNING');
  t.ok(await waitFor(() => /hello-from-detached/.test(readTrim(log) ?? ''), 5000), 'stdout reaches the log');
  t.equal(cgroupPathOf(pid, 'memory'), `/${cd!.ns}/${id}`, 'the process is in the cgroup /<namespace>/<id>');
  let r = ctr(['tasks', 'exec', '--fifo-dir', cd!.fifoDir, '--exec-id', 'e1', id, 'sh', '-c', 'echo exec-out; readlink /proc/1/ns/pid; readlink /proc/self/ns/pid; exit 4']);
  t.equal(r.status, 4, 'exec exit status 4', { stderr: r.stderr });
  const [out, pid1, pidSelf] = r.stdout.trim().split('\n');
  t.equal(out, 'exec-out', 'exec stdout');
  t.equal(pidSelf, pid1, 'same pid namespace as PID 1');
  t.equal(pid1, fs.readlinkSync(`/proc/${pid}/ns/pid`), 'the container\'s');
  r = ctr(['tasks', 'exec', '--fifo-dir', cd!.fifoDir, '--exec-id', 'e2', '--user', '1000', '--cwd', '/tmp', id, 'sh', '-c', 'echo $(id -u) $(pwd)']);
  t.equal(r.stdout.trim(), '1000 /tmp', 'exec --user --cwd', { stderr: r.stderr });
  const p = cd!;
  const tty = throughPty(25, 90, [[1.0, 'stty size; tty\r'], [0.7, 'exit 6\r']], [p.bin, '-a', p.sock, '-n', p.ns, 'tasks', 'exec', '-t', '--fifo-dir', p.fifoDir, '--exec-id', 'e3', id, 'sh']);
  t.equal(tty.exit, 6, 'exec -t: exit status of the shell', { screen: tty.screen });
  t.match(tty.screen, /^25 90\r?$/m, 'the terminal size reaches the process');
  t.match(tty.screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
});

ctrdTest('run -t with a terminal', async (t) => {
  const p = cd!;
  const id = `c-${randomBytes(4).toString('hex')}`;
  const r = throughPty(30, 100, [[1.5, 'stty size; tty\r'], [0.7, 'exit 5\r']], [p.bin, '-a', p.sock, '-n', p.ns, 'run', '-t', '--rm', ...ctrRuntimeFlags(), p.image, id, 'sh']);
  t.equal(r.exit, 5, 'exit status of the shell', { screen: r.screen });
  t.match(r.screen, /^30 100\r?$/m, 'the terminal size reaches the container');
  t.match(r.screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
  await ctrNothingLeft(t, id);
});

ctrdTest('task kill: SIGTERM to a trapper, SIGKILL to the rest', async (t) => {
  const a = ctrRunDetached(t, [], TRAPPER);
  t.ok(await waitFor(() => /started/.test(readTrim(a.log) ?? ''), 5000), 'started');
  let r = ctr(['tasks', 'kill', '--signal', 'SIGUSR1', a.id]);
  t.equal(r.status, 0, 'kill -s SIGUSR1', { stderr: r.stderr });
  t.ok(await waitFor(() => /got-usr1/.test(readTrim(a.log) ?? ''), 5000), 'the process trapped SIGUSR1');
  r = ctr(['tasks', 'kill', a.id]);
  t.equal(r.status, 0, 'kill (SIGTERM)', { stderr: r.stderr });
  t.ok(await waitFor(() => tasks().get(a.id)?.status === 'STOPPED', 5000, 100), 'the task stops');
  t.notOk(isAlive(a.pid), 'the process is gone');
  r = ctr(['tasks', 'delete', a.id]);
  t.equal(r.status, 0, 'task delete', { stderr: r.stderr });
  t.match(r.stderr, /exit code 7/, 'exit status 7 from the TERM trap');
  const b = ctrRunDetached(t, [], ['sleep', '60']);
  r = ctr(['tasks', 'kill', '--signal', 'SIGKILL', b.id]);
  t.equal(r.status, 0, 'kill -s SIGKILL', { stderr: r.stderr });
  t.ok(await waitFor(() => tasks().get(b.id)?.status === 'STOPPED', 5000, 100), 'the task stops');
  r = ctr(['tasks', 'delete', b.id]);
  t.match(r.stderr, /exit code 137/, 'exit status 137');
});

ctrdTest('task pause/resume freeze and thaw the container', async (t) => {
  const { id, pid } = ctrRunDetached(t, [], COUNTER);
  t.ok(await waitFor(() => readTrim(`/proc/${pid}/root/tmp/n`) !== undefined, 5000), 'the counter runs');
  const freezer = v1Mount('freezer');
  let r = ctr(['tasks', 'pause', id]);
  t.equal(r.status, 0, 'pause', { stderr: r.stderr });
  t.equal(tasks().get(id)?.status, 'PAUSED', 'ctr says PAUSED');
  if (freezer) t.equal(readTrim(path.join(freezer, cd!.ns, id, 'freezer.state')), 'FROZEN', 'the freezer cgroup is FROZEN');
  const { before, after } = await counterFrozen(pid);
  t.equal(after, before, 'the counter stands still');
  r = ctr(['tasks', 'resume', id]);
  t.equal(r.status, 0, 'resume', { stderr: r.stderr });
  t.equal(tasks().get(id)?.status, 'RUNNING', 'RUNNING again');
  if (freezer) t.equal(readTrim(path.join(freezer, cd!.ns, id, 'freezer.state')), 'THAWED', 'the freezer cgroup is THAWED');
  t.ok(await waitFor(() => readTrim(`/proc/${pid}/root/tmp/n`) !== after, 3000), 'the counter moves again');
});

ctrdTest('task ps lists the container\'s processes', async (t) => {
  const { id, pid } = ctrRunDetached(t, [], ['sh', '-c', 'sleep 60 & sleep 61']);
  const child = await waitFor(() => ctr(['tasks', 'ps', id]).stdout.trim().split('\n').length >= 3, 3000, 100);
  t.ok(child, 'the child shows up');
  const r = ctr(['tasks', 'ps', id]);
  t.equal(r.status, 0, 'task ps', { stderr: r.stderr });
  const listed = r.stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort((x, y) => x - y);
  const inCgroup = procsInCgroup(`/${cd!.ns}/${id}`).sort((x, y) => x - y);
  t.ok(listed.includes(pid), 'the init pid is listed');
  t.same(listed, inCgroup, 'exactly the live processes of the container\'s cgroup');
});

ctrdTest('task metrics: the cgroup numbers, with a memory limit', async (t) => {
  const { id } = ctrRunDetached(t, ['--memory-limit', '67108864'], ['sh', '-c', 'sleep 60 & sleep 61']);
  await waitFor(() => procsInCgroup(`/${cd!.ns}/${id}`).length >= 2, 3000);
  const r = ctr(['tasks', 'metrics', '--format', 'json', id]);
  t.equal(r.status, 0, 'task metrics', { stderr: r.stderr });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any = {};
  try {
    m = JSON.parse(r.stdout);
  } catch {
    t.fail('metrics are JSON', { stdout: r.stdout });
  }
  t.equal(m.pids?.current, 2, 'pids.current 2');
  const limit = m.memory?.usage?.limit ?? m.memory?.hierarchical_memory_limit ?? m.memory?.usage_limit;
  t.equal(limit, 67108864, 'the memory limit');
  t.ok((m.memory?.usage?.usage ?? m.memory?.usage) > 0, 'some memory in use');
  const mem = v1Mount('memory');
  if (mem) t.equal(readTrim(path.join(mem, cd!.ns, id, 'memory.limit_in_bytes')), '67108864', 'memory.limit_in_bytes on the host');
});

ctrdTest('task delete (stopped and --force running), container delete: nothing left', async (t) => {
  const a = ctrRunDetached(t, [], ['sh', '-c', 'exit 9']);
  t.ok(await waitFor(() => tasks().get(a.id)?.status === 'STOPPED', 5000, 100), 'the task stops by itself');
  let r = ctr(['tasks', 'delete', a.id]);
  t.equal(r.status, 0, 'task delete', { stderr: r.stderr });
  t.match(r.stderr, /exit code 9/, 'exit status 9');
  t.notOk(tasks().has(a.id), 'the task is gone');
  await ctrNothingLeft(t, a.id);
  r = ctr(['containers', 'delete', a.id]);
  t.equal(r.status, 0, 'container delete', { stderr: r.stderr });
  const b = ctrRunDetached(t, [], ['sleep', '60']);
  r = ctr(['tasks', 'delete', b.id]);
  t.not(r.status, 0, 'task delete of a running task is refused');
  t.ok(isAlive(b.pid), 'and it keeps running');
  r = ctr(['tasks', 'delete', '--force', b.id]);
  t.equal(r.status, 0, 'task delete --force', { stderr: r.stderr });
  t.notOk(isAlive(b.pid), 'the process is gone');
  await ctrNothingLeft(t, b.id);
  r = ctr(['containers', 'delete', b.id]);
  t.equal(r.status, 0, 'container delete', { stderr: r.stderr });
  t.notMatch(ctr(['containers', 'list', '--quiet']).stdout, new RegExp(`^(${a.id}|${b.id})$`, 'm'), 'ctr lists neither');
});

// `ctr tasks delete --force` kills first (the shim runs `runc kill --all ID 9`,
// whatever the task's state) and accepts only "not found"-like failures of that
// kill; runc kill --all of a stopped container succeeds.
ctrdTest('task delete --force of a task that has already exited', async (t) => {
  const { id } = ctrRunDetached(t, [], ['sh', '-c', 'exit 2']);
  t.ok(await waitFor(() => tasks().get(id)?.status === 'STOPPED', 5000, 100), 'the task stops by itself');
  let r = ctr(['tasks', 'delete', '--force', id]);
  t.equal(r.status, 0, 'task delete --force', { stderr: r.stderr });
  t.match(r.stderr, /exit code 2/, 'exit status 2');
  t.notOk(tasks().has(id), 'the task is gone');
  await ctrNothingLeft(t, id);
  r = ctr(['containers', 'delete', id]);
  t.equal(r.status, 0, 'container delete', { stderr: r.stderr });
});

ctrdTest('nothing left behind: no container, runts state, shim or cgroup of ours', async (t) => {
  const c = cd!;
  t.equal(ctr(['containers', 'list', '--quiet']).stdout.trim(), '', 'no container in our namespace');
  t.equal(ctr(['tasks', 'list', '--quiet']).stdout.trim(), '', 'no task');
  t.same(fs.existsSync(path.join(c.runtsRoot, c.ns)) ? fs.readdirSync(path.join(c.runtsRoot, c.ns)) : [], [], 'the runts root the shims used is empty');
  t.ok(await waitFor(() => procsWithCmdline(['containerd-shim', c.sock]).length === 0, 5000), 'no shim left running', {
    shims: procsWithCmdline(['containerd-shim', c.sock]),
  });
  const children = cgroupMountpoints().flatMap((m) => {
    const dir = path.join(m, c.ns);
    return fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)) : [];
  });
  t.same(children, [], 'no container cgroup under /<namespace> in any hierarchy');
});

// ---------------------------------------------------------------- rootless podman

// An unprivileged user (made here, removed after) with subordinate ids in
// /etc/subuid and /etc/subgid (lines added here, removed after) runs
// rootless podman with the installed runts as its runtime: vfs storage in a
// home of its own, --network none, the cgroupfs manager (runts runs
// without a cgroup: docs/rootless.md). runts then runs as root of podman's
// user namespace, not of the initial one.
const ROOTLESS_PODMAN_SKIP = PODMAN_SKIP
  ?? (Number(readTrim('/proc/sys/user/max_user_namespaces') ?? '0') === 0 ? 'the host allows no user namespaces (max_user_namespaces is 0)' : undefined)
  ?? (['runuser', 'useradd', 'userdel', 'newuidmap', 'newgidmap'].every((c) => which(c)) ? undefined : 'runuser, useradd or newuidmap/newgidmap missing');

t.test('rootless podman: an unprivileged user runs podman --runtime runts', { skip: ROOTLESS_PODMAN_SKIP ? `rootless podman unavailable: ${ROOTLESS_PODMAN_SKIP}` : false }, async (t) => {
  const user = `runts-rl-${process.pid}-p`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-rlpodman-'));
  fs.chmodSync(base, 0o755);
  let uid = -1;
  let start = 0;
  const line = () => `${user}:${start}:65536`;
  // Processes of the user, and of its subordinate ids (the user is ours, and so are they).
  const ours = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    const u = /^Uid:\s+(\d+)/m.exec(readTrim(`/proc/${pid}/status`) ?? '');
    const id = u ? Number(u[1]) : -1;
    return uid >= 0 && (id === uid || (start > 0 && id >= start && id < start + 65536));
  });
  const cleanup = () => {
    if (uid >= 0) killAll(ours());
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      const text = readTrim(file);
      if (text !== undefined && start > 0) fs.writeFileSync(file, text.split('\n').filter((l) => l !== line()).join('\n') + '\n');
    }
    if (uid >= 0) runCmd('userdel', [user]);
    uid = -1;
    fs.rmSync(base, { recursive: true, force: true });
  };
  t.teardown(cleanup);
  process.once('exit', cleanup);

  const home = path.join(base, 'home');
  const xdg = path.join(base, 'xdg');
  const add = runCmd('useradd', ['--system', '--no-create-home', '--home-dir', home, '--shell', '/bin/sh', user]);
  if (!t.equal(add.status, 0, 'useradd', { stderr: add.stderr })) return;
  uid = Number(runCmd('id', ['-u', user]).stdout.trim());
  const gid = Number(runCmd('id', ['-g', user]).stdout.trim());
  start = 500000;
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    for (const l of (readTrim(file) ?? '').split('\n')) {
      const f = l.split(':');
      if (f.length === 3) start = Math.max(start, Number(f[1]) + Number(f[2]));
    }
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = readTrim(file) ?? '';
    fs.writeFileSync(file, `${text ? text + '\n' : ''}${line()}\n`);
  }
  fs.mkdirSync(home, { mode: 0o700 });
  fs.mkdirSync(xdg, { mode: 0o700 });
  const conf = path.join(base, 'containers.conf');
  fs.writeFileSync(conf, '[engine]\nlock_type = "file"\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n');
  const storageConf = path.join(base, 'storage.conf');
  fs.writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${home}/storage"\nrunroot = "${xdg}/containers"\n`);
  const tar = path.join(base, 'bb.tar');
  const tr = runCmd('tar', ['-C', rootfsTemplate(), '--numeric-owner', '-cf', tar, '.']);
  if (!t.equal(tr.status, 0, 'tar of the rootfs', { stderr: tr.stderr })) return;
  for (const p of [home, xdg, tar]) fs.chownSync(p, uid, gid);
  const runtime = installedRunts();
  const env = ['HOME=' + home, 'XDG_RUNTIME_DIR=' + xdg, 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'CONTAINERS_CONF=' + conf, 'CONTAINERS_STORAGE_CONF=' + storageConf];
  const podmanAs = (args: string[], timeout = 60000) =>
    runCmd('runuser', ['-u', user, '--', 'env', '-i', ...env, 'podman', '--runtime', runtime, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', ...args], { timeout, cwd: base });
  const imp = podmanAs(['import', tar, 'localhost/runts-e2e-bb:latest'], 120000);
  if (!t.equal(imp.status, 0, 'podman import as the user', { stderr: imp.stderr })) return;

  const r = podmanAs(['run', '--rm', '--network', 'none', 'localhost/runts-e2e-bb:latest', 'sh', '-c', 'id; cat /proc/self/uid_map']);
  t.equal(r.status, 0, 'podman run --rm', { stderr: r.stderr });
  const out = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  t.same(out[0], ['uid=0(root)', 'gid=0(root)'], 'root inside');
  t.same(out.slice(1), [['0', String(uid), '1'], ['1', String(start), '65536']], 'podman\'s mapping: the user, then its subordinate range');

  const d = podmanAs(['run', '-d', '--network', 'none', 'localhost/runts-e2e-bb:latest', 'sleep', '60']);
  t.equal(d.status, 0, 'podman run -d', { stderr: d.stderr });
  const id = d.stdout.trim().split('\n').pop() ?? '';
  const pid = Number(podmanAs(['inspect', '--format', '{{.State.Pid}}', id]).stdout.trim());
  t.ok(pid > 0, 'a pid');
  t.equal(procStatus(pid)?.Uid?.split(/\s+/)[0], String(uid), 'on the host the container\'s root is the user');
  const e = podmanAs(['exec', id, 'id', '-u']);
  t.equal(e.stdout.trim(), '0', 'podman exec', { stderr: e.stderr });
  const stop = podmanAs(['stop', '--time', '1', id]);
  t.equal(stop.status, 0, 'podman stop (SIGTERM, then SIGKILL after 1 s: sleep as PID 1 ignores TERM)', { stderr: stop.stderr });
  t.ok(await waitFor(() => !isAlive(pid), 5000), 'the container process is gone');
  t.equal(podmanAs(['inspect', '--format', '{{.State.Status}}', id]).stdout.trim(), 'exited', 'podman says exited');
  const rm = podmanAs(['rm', id]);
  t.equal(rm.status, 0, 'podman rm', { stderr: rm.stderr });

  // run -t: conmon's terminal, through a real one here (test/e2e/pty-drive.py).
  const tty = throughPty(30, 100, [[2.5, 'tty; id -u; echo $((6*7))x\r'], [1, 'exit 4\r']],
    [which('runuser')!, '-u', user, '--', 'env', '-i', ...env, 'podman', '--runtime', runtime, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', 'run', '-it', '--rm', '--network', 'none', 'localhost/runts-e2e-bb:latest', 'sh']);
  t.equal(tty.exit, 4, 'podman run -it: the shell\'s exit status', { screen: tty.screen });
  t.match(tty.screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
  t.match(tty.screen, /^0\r?$/m, 'root inside');
  t.match(tty.screen, /^42x\r?$/m, 'typed input is run');
  const runtsRoot = path.join(xdg, 'runts');
  t.same(fs.existsSync(runtsRoot) ? fs.readdirSync(runtsRoot) : [], [], 'no runts state left in $XDG_RUNTIME_DIR/runts');
  t.same(cgroupDirsNamed(id), [], 'no cgroup named after the container');
});
