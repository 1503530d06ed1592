// runts under docker: Debian's docker.io 20.10 (dockerd, the containerd it
// manages, the io.containerd.runc.v2 shim) with runts registered as a
// runtime in daemon.json ("runtimes", as docs/cgroups.md shows) and chosen
// with `docker run --runtime runts`. What a test believes is what docker
// reports (exit statuses, output, logs) and what the kernel and systemd say
// (/proc/<pid>, the cgroup files, `systemctl show`, the AppArmor label).
//
// Isolation: the test's own dockerd, with every path of its own: data root
// on a tmpfs, exec root, API socket, pidfile, key and daemon.json in a temp
// dir, in a private mount namespace with a tmpfs on /run (the shims put
// their sockets in /run/containerd/s, dockerd its plugin sockets in
// /run/docker; and an empty /run/containerd keeps dockerd from using a
// system containerd: it starts its own). /run/systemd and /run/dbus are
// bound back into that /run, for the systemd driver. No networking: no
// bridge, no iptables, no ip_forward; every container runs with --network
// none. Everything the daemon mounts (overlay2 layers, netns) lives and dies
// in its namespace. On the cgroupfs driver the containers go under a cgroup
// parent named after this run; on the systemd driver in system.slice, as
// docker's own default.
//
// Where: the development host (hybrid cgroups, no systemd, no LSM) runs
// dockerd on the cgroupfs driver and the whole of this file but the systemd
// and AppArmor test; the stock-host VM (scripts/v2-host: systemd as PID 1,
// pure v2, AppArmor) runs dockerd with native.cgroupdriver=systemd and only
// that test, to keep the emulated run short.
import t from 'tap';
import type { Test } from 'tap';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupMountpoints, isAlive, procsInCgroup, rootfsTemplate, RUNTS, v1Mount, waitFor } from './lib';

type T = Test;

const DOCKER = '/usr/bin/docker'; // docker.io's client, matching its dockerd (not /usr/local/bin's)
const DOCKERD = '/usr/sbin/dockerd';
const PTY_DRIVE = path.join(__dirname, 'pty-drive.py');
const RAND = randomBytes(4).toString('hex');
const IMAGE = 'runts-e2e-bb:latest';
const AA_FS = '/sys/kernel/security/apparmor';

function readTrim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const SYSTEMD = fs.existsSync('/run/systemd/system') && readTrim('/proc/1/comm') === 'systemd';
const APPARMOR = readTrim('/sys/module/apparmor/parameters/enabled') === 'Y' && fs.existsSync(AA_FS);
// The stock-host VM sets RUNTS_V2_MODE for its test unit.
const IN_VM = process.env.RUNTS_V2_MODE !== undefined;
const SKIP =
  process.getuid?.() !== 0 ? 'needs root'
  : !fs.existsSync(DOCKER) || !fs.existsSync(DOCKERD) ? `${DOCKER} or ${DOCKERD} missing (docker.io; scripts/test-deps.sh installs it)`
  : undefined;
const VM_LEAN = IN_VM ? 'covered on the development host; the stock-host VM runs only the systemd driver test, for time' : undefined;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCmd(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, input: '', timeout: opts.timeout ?? 120000, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? `\n${r.error.message}` : '') };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------- the daemon

interface Daemon {
  base: string;
  sock: string;
  child: ChildProcess;
  driver: 'systemd' | 'cgroupfs';
  cgroupParent?: string; // cgroupfs: /runts-e2e-docker-<rand>
  runtsRoot: string; // the --root the shim gives runts: <exec-root>/runtime-runc/moby
  env: NodeJS.ProcessEnv; // the client's: its own config dir
  hadDockerDefault: boolean; // the AppArmor profile was loaded before our daemon
}

let dm: Daemon | undefined;
let dmError: Error | undefined;

function aaLoaded(profile: string): boolean {
  return (readTrim(path.join(AA_FS, 'profiles')) ?? '').split('\n').some((l) => l.startsWith(`${profile} (`));
}

async function daemon(): Promise<Daemon> {
  if (dm) return dm;
  if (dmError) throw dmError;
  try {
    return await startDaemon();
  } catch (e) {
    dmError = e as Error;
    throw e;
  }
}

async function startDaemon(): Promise<Daemon> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-docker-'));
  fs.chmodSync(base, 0o755);
  for (const d of ['data', 'exec', 'hostrun', 'client']) fs.mkdirSync(path.join(base, d));
  const sock = path.join(base, 'docker.sock');
  const driver = SYSTEMD ? 'systemd' : 'cgroupfs';
  const cgroupParent = driver === 'cgroupfs' ? `/runts-e2e-docker-${RAND}` : undefined;
  const config = {
    runtimes: { runts: { path: RUNTS } },
    'exec-opts': [`native.cgroupdriver=${driver}`],
    ...(cgroupParent ? { 'cgroup-parent': cgroupParent } : {}),
    'storage-driver': 'overlay2',
    bridge: 'none',
    iptables: false,
    'ip-forward': false,
    'ip-masq': false,
    'deprecated-key-path': path.join(base, 'key.json'), // not /etc/docker/key.json
  };
  fs.writeFileSync(path.join(base, 'daemon.json'), JSON.stringify(config, null, 2));
  const script = [
    'set -e',
    'B=$0',
    'mount --rbind /run "$B/hostrun"',
    'mount -t tmpfs -o mode=0755 runts-e2e-docker /run',
    'for d in systemd dbus; do if [ -d "$B/hostrun/$d" ]; then mkdir /run/$d; mount --rbind "$B/hostrun/$d" /run/$d; fi; done',
    'mount -t tmpfs -o mode=0711 runts-e2e-docker "$B/data"',
    'exec setpriv --pdeathsig KILL dockerd --config-file "$B/daemon.json" --data-root "$B/data" --exec-root "$B/exec" -H "unix://$B/docker.sock" --pidfile "$B/docker.pid"',
  ].join('\n');
  const log = fs.openSync(path.join(base, 'dockerd.log'), 'w');
  // unshare execs sh, which execs setpriv, which execs dockerd: the child's
  // pid is the daemon's, killed if this process dies without a teardown.
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, base], { stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  const d: Daemon = {
    base, sock, child, driver, cgroupParent,
    runtsRoot: path.join(base, 'exec', 'runtime-runc', 'moby'),
    env: { ...process.env, DOCKER_CONFIG: path.join(base, 'client') },
    hadDockerDefault: APPARMOR && aaLoaded('docker-default'),
  };
  dm = d; // teardown must see it from here on
  const up = await waitFor(() => child.exitCode === null && fs.existsSync(sock) && docker(['version'], 10000).status === 0, IN_VM ? 300000 : 60000, 200);
  const tail = () => readTrim(path.join(base, 'dockerd.log'))?.split('\n').slice(-8).join('\n');
  if (!up) throw new Error(`dockerd did not come up: ${tail()}`);
  const tar = path.join(base, 'bb.tar');
  const tr = runCmd('tar', ['-C', rootfsTemplate(), '--numeric-owner', '-cf', tar, '.']);
  if (tr.status !== 0) throw new Error(`tar of the rootfs: ${tr.stderr}`);
  const imp = docker(['import', '--change', 'CMD ["sh"]', tar, IMAGE]);
  fs.rmSync(tar);
  if (imp.status !== 0) throw new Error(`docker import: ${imp.stderr}`);
  return d;
}

function docker(args: string[], timeout = IN_VM ? 600000 : 120000): Run {
  if (!dm) throw new Error('dockerd not started');
  return runCmd(DOCKER, ['-H', `unix://${dm.sock}`, ...args], { env: dm.env, timeout });
}

// Processes whose command line contains s (our dockerd's containerd and shims).
function procsWithCmdline(s: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = (readTrim(`/proc/${name}/cmdline`) ?? '').split('\0').join(' ');
    if (cmd.includes(s) && isAlive(Number(name))) out.push(Number(name));
  }
  return out;
}

function kill(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

// Everything the daemon made: containers (through docker, then runts for
// any state left), the daemon, its containerd and shims (their mount
// namespace goes with them, and with it the overlay mounts and netns), our
// cgroup parent, the docker-default profile if it was not loaded before, the
// temp dir. Synchronous: it also runs from process 'exit'.
function stopDaemon(): void {
  const d = dm;
  if (!d) return;
  dm = undefined;
  const alive = () => d.child.exitCode === null && d.child.signalCode === null;
  if (alive()) {
    const ids = runCmd(DOCKER, ['-H', `unix://${d.sock}`, 'ps', '-aq'], { env: d.env, timeout: 30000 }).stdout.split('\n').filter(Boolean);
    if (ids.length) runCmd(DOCKER, ['-H', `unix://${d.sock}`, 'rm', '-f', ...ids], { env: d.env, timeout: IN_VM ? 300000 : 60000 });
    kill([d.child.pid!], 'SIGTERM'); // dockerd stops its containerd
    for (let i = 0; i < 300 && isAlive(d.child.pid!); i++) sleepSync(100);
  }
  kill([d.child.pid!], 'SIGKILL');
  kill(procsWithCmdline(d.base), 'SIGKILL');
  for (const id of fs.existsSync(d.runtsRoot) ? fs.readdirSync(d.runtsRoot) : []) {
    spawnSync(RUNTS, ['--root', d.runtsRoot, 'delete', '--force', id], { timeout: 60000 });
  }
  if (d.cgroupParent) {
    kill(procsInCgroup(d.cgroupParent), 'SIGKILL');
    for (const m of cgroupMountpoints()) {
      const dir = path.join(m, d.cgroupParent);
      for (let i = 0; i < 100 && fs.existsSync(dir); i++) {
        try {
          fs.rmdirSync(dir);
        } catch {
          sleepSync(20);
        }
      }
    }
  }
  if (APPARMOR && !d.hadDockerDefault && aaLoaded('docker-default')) {
    try {
      fs.writeFileSync(path.join(AA_FS, '.remove'), 'docker-default');
    } catch {
      /* best effort */
    }
  }
  try {
    fs.rmSync(d.base, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}
t.teardown(stopDaemon);
process.once('exit', stopDaemon);

// ---------------------------------------------------------------- helpers

const dockerTest = (name: string, fn: (t: T, d: Daemon) => Promise<void>, skip?: string) =>
  t.test(name, { skip: SKIP ?? skip ?? false }, async (t) => {
    let d: Daemon;
    try {
      d = await daemon();
    } catch (e) {
      t.fail(`dockerd setup: ${(e as Error).message}`);
      return;
    }
    await fn(t, d);
  });

const RUN = ['--runtime', 'runts', '--network', 'none'];

// docker run -d; rm -f in t's teardown. The full ID and the host pid of its process.
function runDetached(t: T, flags: string[], cmd: string[]): { id: string; pid: number } {
  const r = docker(['run', '-d', ...RUN, ...flags, IMAGE, ...cmd]);
  t.equal(r.status, 0, 'docker run -d', { stderr: r.stderr });
  const id = r.stdout.trim();
  t.teardown(() => {
    if (dm && id) docker(['rm', '-f', id]);
  });
  return { id, pid: Number(docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim()) };
}

// The container runs under runts: its state, in the root the shim gives
// runts, is runts's (`runts state` reads it) and names the pid docker reports.
function ranByRunts(t: T, d: Daemon, id: string, pid: number): void {
  const st = spawnSync(RUNTS, ['--root', d.runtsRoot, 'state', id], { encoding: 'utf8' });
  t.equal(st.status, 0, `runts --root ${d.runtsRoot} state`, { stderr: st.stderr });
  let state: { pid?: number; status?: string } = {};
  try {
    state = JSON.parse(st.stdout);
  } catch {
    /* the equal below fails */
  }
  t.equal(state.status, 'running', 'runts says running');
  t.equal(state.pid, pid, "runts's pid is the pid docker inspect reports");
  t.ok(pid > 0 && isAlive(pid), 'and that process is alive');
}

// The file of a cgroup controller of pid: the v1 hierarchy of that
// controller where there is one, else the v2 tree.
function cgroupFile(pid: number, controller: string, v1File: string, v2File: string): string | undefined {
  const lines = (readTrim(`/proc/${pid}/cgroup`) ?? '').split('\n').map((l) => l.split(':'));
  const v1 = v1Mount(controller);
  if (v1) {
    const line = lines.find(([, ctrls]) => ctrls.split(',').includes(controller));
    return line ? path.join(v1, line.slice(2).join(':'), v1File) : undefined;
  }
  const v2 = cgroupMountpoints().find((m) => readTrim(path.join(m, 'cgroup.controllers')) !== undefined);
  const line = lines.find(([h]) => h === '0');
  return v2 && line ? path.join(v2, line.slice(2).join(':'), v2File) : undefined;
}

// Once docker has removed container id: no runts state and no cgroup directory named after it.
async function nothingLeft(t: T, d: Daemon, id: string): Promise<void> {
  t.ok(await waitFor(() => !fs.existsSync(path.join(d.runtsRoot, id)), 10000), 'no runts state left for the container');
  const named = () => cgroupMountpoints().flatMap((m) => {
    const parent = d.cgroupParent ? path.join(m, d.cgroupParent) : path.join(m, 'system.slice');
    return fs.existsSync(parent) ? fs.readdirSync(parent).filter((n) => n.includes(id)) : [];
  });
  await waitFor(() => named().length === 0, 10000);
  t.same(named(), [], 'no cgroup directory named after the container');
}

// ---------------------------------------------------------------- scenarios

dockerTest('run: stdout, stderr and the exit status (3) pass through; run --rm leaves nothing', async (t, d) => {
  const name = `runts-e2e-${randomBytes(4).toString('hex')}`;
  const r = docker(['run', '--rm', '--name', name, ...RUN, IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.equal(r.status, 3, 'docker run gives the exit status 3', { stderr: r.stderr });
  t.equal(r.stdout, 'out\n', 'stdout');
  t.match(r.stderr, /^err$/m, 'stderr');
  t.equal(docker(['ps', '-aq', '--filter', `name=${name}`]).stdout.trim(), '', '--rm removed the container');
  t.same(fs.existsSync(d.runtsRoot) ? fs.readdirSync(d.runtsRoot) : [], [], 'no runts state left');
}, VM_LEAN);

// docker picks these from the runtime's words (runc's): runts says them the same way.
dockerTest('run of a program that cannot be run: 126 for a directory or a file without the exec bit, 127 for a missing one, as with runc', async (t) => {
  for (const [prog, status] of [['/etc', 126], ['/etc/passwd', 126], ['/no-such-file', 127], ['no-such-program', 127]] as const) {
    const r = docker(['run', '--rm', ...RUN, IMAGE, prog]);
    t.equal(r.status, status, `docker run ${prog}: ${status}`, { stderr: r.stderr });
  }
}, VM_LEAN);

dockerTest('run -d, then logs, exec, stop (SIGTERM) and rm; --memory and --pids-limit in the kernel\'s cgroup files', async (t, d) => {
  const trapper = ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done'];
  const { id, pid } = runDetached(t, ['--memory', '64m', '--pids-limit', '17'], trapper);
  ranByRunts(t, d, id, pid);
  const where = d.cgroupParent ? `${d.cgroupParent}/${id}` : `/system.slice/docker-${id}.scope`;
  t.match(readTrim(`/proc/${pid}/cgroup`) ?? '', new RegExp(`:${where}$`, 'm'), `the container's cgroup is ${where}`);
  t.equal(readTrim(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max') ?? ''), String(64 * 1024 * 1024), '--memory 64m is the memory limit');
  t.equal(readTrim(cgroupFile(pid, 'pids', 'pids.max', 'pids.max') ?? ''), '17', '--pids-limit 17 is pids.max');
  t.ok(await waitFor(() => docker(['logs', id]).stdout.includes('started'), 30000, 200), 'docker logs shows the output');
  const e = docker(['exec', id, 'sh', '-c', 'readlink /proc/self/ns/pid; tr "\\0" " " < /proc/1/cmdline; echo; exit 4']);
  t.equal(e.status, 4, 'docker exec gives the exit status 4', { stderr: e.stderr });
  const [pidNs, cmd1] = e.stdout.split('\n');
  t.equal(pidNs, fs.readlinkSync(`/proc/${pid}/ns/pid`), "exec joins the container's pid namespace");
  t.match(cmd1, /^sh -c trap/, 'where PID 1 is the container process');
  const s = docker(['stop', '-t', '30', id]);
  t.equal(s.status, 0, 'docker stop', { stderr: s.stderr });
  t.equal(docker(['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim(), '7', 'SIGTERM reached the trap: exit status 7');
  t.match(docker(['logs', id]).stdout, /^got-term$/m, 'and its output is in the logs');
  t.notOk(isAlive(pid), 'the process is gone');
  const rm = docker(['rm', id]);
  t.equal(rm.status, 0, 'docker rm', { stderr: rm.stderr });
  await nothingLeft(t, d, id);
}, VM_LEAN);

dockerTest('run -it with a terminal: size, pty, input, exit status', async (t) => {
  const r = spawnSync('python3', [PTY_DRIVE, '30', '100', JSON.stringify([[1.5, 'stty size; tty; echo $((6*7))x\r'], [0.7, 'exit 5\r']]), '--',
    DOCKER, '-H', `unix://${dm!.sock}`, 'run', '-it', '--rm', ...RUN, IMAGE, 'sh'], { encoding: 'utf8', env: dm!.env, timeout: 120000, killSignal: 'SIGKILL' });
  const screen = r.stdout ?? '';
  const exit = /\nEXIT=(-?\d+)\s*$/.exec(screen)?.[1];
  t.equal(exit, '5', 'exit status of the shell', { screen });
  t.match(screen, /^30 100\r?$/m, 'the terminal size reaches the container');
  t.match(screen, /^\/dev\/pts\/\d+\r?$/m, 'stdin is a pty');
  t.match(screen, /^42x\r?$/m, 'typed input is run');
}, VM_LEAN);

// The stock host: dockerd's systemd driver gives runts cgroupsPath
// system.slice:docker:<id> with --systemd-cgroup, so the container is the
// scope docker-<id>.scope; with AppArmor on, dockerd loads its docker-default
// profile and passes it as process.apparmorProfile (docs/lsm.md).
dockerTest('native.cgroupdriver=systemd: the container is docker-<id>.scope with MemoryMax and TasksMax; docker-default confines it, seen from inside', async (t, d) => {
  // Installing docker.io enabled these; nothing started them (the VM drops the wants links, test-deps.sh a daemon start on install).
  for (const u of ['docker.service', 'docker.socket', 'containerd.service']) {
    t.equal(runCmd('systemctl', ['is-active', u]).stdout.trim(), 'inactive', `the system's ${u} is not running: the daemon here is the test's own`);
  }
  const { id, pid } = runDetached(t, ['--memory', '64m', '--pids-limit', '17'], ['sh', '-c', 'echo label=$(cat /proc/self/attr/current); exec sleep 600']);
  ranByRunts(t, d, id, pid);
  const unit = `docker-${id}.scope`;
  const show = runCmd('systemctl', ['show', unit, '-p', 'LoadState', '-p', 'ActiveState', '-p', 'ControlGroup', '-p', 'MemoryMax', '-p', 'TasksMax', '-p', 'Delegate']).stdout;
  t.match(show, /^ActiveState=active$/m, `systemctl show ${unit}: active`, { show });
  t.match(show, new RegExp(`^ControlGroup=/system.slice/${unit}$`, 'm'), 'in system.slice');
  t.match(show, /^MemoryMax=67108864$/m, 'MemoryMax is --memory 64m');
  t.match(show, /^TasksMax=17$/m, 'TasksMax is --pids-limit 17');
  t.match(readTrim(`/proc/${pid}/cgroup`) ?? '', new RegExp(`^0::/system.slice/${unit}$`, 'm'), "the kernel puts the container's process there");
  t.equal(readTrim(`/sys/fs/cgroup/system.slice/${unit}/memory.max`), '67108864', 'memory.max');
  t.equal(readTrim(`/sys/fs/cgroup/system.slice/${unit}/pids.max`), '17', 'pids.max');
  if (APPARMOR) {
    t.ok(aaLoaded('docker-default'), 'dockerd loaded its docker-default profile');
    t.equal(readTrim(`/proc/${pid}/attr/apparmor/current`) ?? readTrim(`/proc/${pid}/attr/current`), 'docker-default (enforce)', "the container's process is confined by docker-default");
    t.ok(await waitFor(() => /^label=/m.test(docker(['logs', id]).stdout), 60000, 500), 'the container printed its label');
    t.match(docker(['logs', id]).stdout, /^label=docker-default \(enforce\)$/m, 'and sees docker-default (enforce) from inside');
  } else {
    t.comment('AppArmor is not enabled on this host: the profile part is not checked here');
  }
  const rm = docker(['rm', '-f', id]);
  t.equal(rm.status, 0, 'docker rm -f', { stderr: rm.stderr });
  t.ok(await waitFor(() => !/^LoadState=loaded$/m.test(runCmd('systemctl', ['show', unit, '-p', 'LoadState']).stdout), 30000, 200), 'the scope is gone after rm');
  await nothingLeft(t, d, id);
}, SYSTEMD ? undefined : 'needs systemd as PID 1 (dockerd refuses native.cgroupdriver=systemd without it); the stock-host VM runs it');
