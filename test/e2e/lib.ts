// Shared helpers for the end-to-end tests: bundles on a busybox rootfs, a
// runts wrapper with a private --root, and readers of what the kernel says
// about a container (/proc, the cgroup filesystems).
//
// Everything a test makes is registered on that test and removed in its
// teardown, which tap runs whether the test passed, failed or threw:
// containers (delete --force, then a SIGKILL and rmdir of our own cgroup for
// anything runts left behind), helper processes, temporary directories. A
// last sweep at the end of the file's run catches whatever a crashed test
// registered. Nothing is ever done to a process, mount or cgroup the tests
// did not create: container IDs are random, and a process is only killed when
// it is one we spawned or it sits in a cgroup named after one of our IDs.
import tap from 'tap';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Helpers that need no tap test, for scripts too (test/e2e/host.ts).
export { REPO, RUNTS, MAKE_ROOTFS, cgroupMountpoints, makeOciTar, waitFor } from './host';
import { REPO, RUNTS, MAKE_ROOTFS, cgroupMountpoints, waitFor } from './host';

// What the helpers need from a tap test (any Test or the root TAP object).
export interface Scoped {
  teardown(fn: () => unknown): void;
}

// ---------------------------------------------------------------- per-process state

let stateRoot: string | undefined; // --root of every runts call of this process
let ioDir: string | undefined; // files that receive runts' (and containers') stdout/stderr
let rootfsCache: string | undefined; // the busybox rootfs, made once per process
let ioSeq = 0;
const liveIds = new Set<string>(); // containers made and not yet cleaned up
const liveHelpers = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let sweepRegistered = false;

function registerSweep(): void {
  if (sweepRegistered) return;
  sweepRegistered = true;
  tap.teardown(() => finalSweep());
  // If tap never gets to its teardown (a crash), still do what can be done synchronously.
  process.once('exit', () => finalSweep());
}

function finalSweep(): void {
  for (const id of [...liveIds]) cleanupContainer(id);
  for (const h of [...liveHelpers]) killHelper(h);
  for (const d of [...liveDirs]) rmrf(d);
  for (const d of [stateRoot, ioDir, rootfsCache ? path.dirname(rootfsCache) : undefined]) if (d) rmrf(d);
  stateRoot = ioDir = rootfsCache = undefined;
}

function rmrf(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort: e.g. a mount still on it */
  }
  liveDirs.delete(dir);
}

// The --root every runts call of this test process uses (never /run/runts).
export function stateDir(): string {
  if (!stateRoot) {
    registerSweep();
    stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-'));
    // Reachable by a container's user in a user namespace (runts makes it 0711 too).
    fs.chmodSync(stateRoot, 0o711);
  }
  return stateRoot;
}

function ioFile(name: string): string {
  if (!ioDir) {
    registerSweep();
    ioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-io-'));
  }
  return path.join(ioDir, `${++ioSeq}.${name}`);
}

// ---------------------------------------------------------------- per-test scope

interface Scope {
  ids: string[];
  helpers: ChildProcess[];
  dirs: string[];
}
const scopes = new WeakMap<Scoped, Scope>();

function scopeOf(t: Scoped): Scope {
  let s = scopes.get(t);
  if (!s) {
    registerSweep();
    const scope: Scope = { ids: [], helpers: [], dirs: [] };
    scopes.set(t, scope);
    // One teardown per test, in a fixed order: containers first (a poststop
    // hook may still want the bundle), then helper processes, then files.
    t.teardown(() => {
      for (const id of scope.ids.reverse()) cleanupContainer(id);
      for (const h of scope.helpers) killHelper(h);
      for (const d of scope.dirs) rmrf(d);
    });
    s = scope;
  }
  return s;
}

// A temporary directory removed in t's teardown.
export function tempDir(t: Scoped, prefix = 'runts-e2e-tmp-', mode = 0o755): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, mode);
  liveDirs.add(dir);
  scopeOf(t).dirs.push(dir);
  return dir;
}

// bin/runts without Node: the launcher built with a stand-in node that only
// says it ran (exit 99), beside the real runts-init. A command that reaches
// its end through it ran in C (native/direct); one that falls back prints
// "node ran".
export function launcherWithoutNode(t: Scoped): string {
  const dir = tempDir(t, 'runts-e2e-nonode-');
  fs.mkdirSync(path.join(dir, 'bin'));
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\necho "node ran"\nexit 99\n', { mode: 0o755 });
  const bin = path.join(dir, 'bin', 'runts');
  const direct = fs.readdirSync(path.join(REPO, 'native', 'direct')).filter((f) => f.endsWith('.c')).sort().map((f) => path.join('direct', f));
  const sources = ['launcher.c', ...direct].map((f) => path.join(REPO, 'native', f));
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', bin, ...sources], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
  fs.symlinkSync(path.join(REPO, 'bin', 'runts-init'), path.join(dir, 'bin', 'runts-init'));
  return bin;
}

// ---------------------------------------------------------------- running runts

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outFile: string; // runts' stdout, which is also the stdout of a container it created
  errFile: string;
}

export interface RuntsOptions {
  cwd?: string;
  timeout?: number; // ms, default 20 s
  root?: string; // default: this process's state dir
  env?: NodeJS.ProcessEnv; // default: this process's
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// runts [--root <private root>] args... Its stdout and stderr go to files
// rather than pipes: a created container keeps them open (they are its
// stdio), which would keep a pipe-reading spawnSync waiting for it.
export function runts(args: string[], opts: RuntsOptions = {}): Result {
  const outFile = ioFile('out');
  const errFile = ioFile('err');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  let res;
  try {
    res = spawnSync(RUNTS, ['--root', opts.root ?? stateDir(), ...args], {
      cwd: opts.cwd ?? REPO,
      env: opts.env ?? process.env,
      stdio: ['ignore', out, err],
      timeout: opts.timeout ?? 20000,
      killSignal: 'SIGKILL',
    });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  return { status: res.status, signal: res.signal, stdout: readText(outFile), stderr: readText(errFile), outFile, errFile };
}

// runts in the background (e.g. a foreground `run` to be signalled while it waits).
export function runtsAsync(args: string[], opts: RuntsOptions = {}): { child: ChildProcess; done: Promise<Result>; outFile: string; errFile: string } {
  const outFile = ioFile('out');
  const errFile = ioFile('err');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  const child = spawn(RUNTS, ['--root', opts.root ?? stateDir(), ...args], { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['ignore', out, err] });
  fs.closeSync(out);
  fs.closeSync(err);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 20000);
  const done = new Promise<Result>((resolve) => {
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: readText(outFile), stderr: readText(errFile), outFile, errFile });
    });
  });
  return { child, done, outFile, errFile };
}

export interface State {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

// `runts state ID`, parsed; undefined when the command fails.
export function state(id: string): State | undefined {
  const r = runts(['state', id]);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as State;
}

// ---------------------------------------------------------------- containers

// A fresh container ID ('e2e-' + random), deleted with --force in t's teardown.
export function newId(t: Scoped): string {
  const id = `e2e-${randomBytes(5).toString('hex')}`;
  liveIds.add(id);
  scopeOf(t).ids.push(id);
  return id;
}

// The directory of a v1 controller's hierarchy (e.g. memory), if mounted.
export function v1Mount(controller: string): string | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , opts] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup' && opts.split(',').includes(controller)) return line.slice(0, sep).split(' ')[4];
  }
  return undefined;
}

// runts' default cgroup of a container: /runts/<id> under every hierarchy.
export function cgroupDirs(id: string): string[] {
  return cgroupMountpoints().map((m) => path.join(m, 'runts', id));
}

// Live (non-zombie) processes whose cgroup, in any hierarchy, is cgPath or below it.
export function procsInCgroup(cgPath: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    const inIt = text.split('\n').some((l) => {
      const p = l.split(':').slice(2).join(':');
      return p === cgPath || p.startsWith(cgPath + '/');
    });
    if (inIt && isAlive(pid)) found.push(pid);
  }
  return found;
}

// What teardown does for a container: delete --force, then make sure, for
// our own IDs only, that no process and no cgroup directory outlives it.
function cleanupContainer(id: string): void {
  liveIds.delete(id);
  if (!stateRoot) return;
  if (fs.existsSync(path.join(stateRoot, id))) runts(['delete', '--force', id], { timeout: 10000 });
  for (const pid of procsInCgroup(`/runts/${id}`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const dir of cgroupDirs(id)) {
    for (let i = 0; i < 100 && fs.existsSync(dir); i++) {
      try {
        fs.rmdirSync(dir);
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
  rmrf(path.join(stateRoot, id));
}

// ---------------------------------------------------------------- bundles

// The busybox rootfs, built once per test process by scripts/make-rootfs.sh.
export function rootfsTemplate(): string {
  if (!rootfsCache) {
    registerSweep();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-rootfs-'));
    fs.chmodSync(dir, 0o755);
    const rootfs = path.join(dir, 'rootfs');
    const r = spawnSync(MAKE_ROOTFS, [rootfs], { encoding: 'utf8' });
    if (r.status !== 0) {
      rmrf(dir);
      throw new Error(`make-rootfs.sh failed (${r.status}): ${r.stderr}`);
    }
    rootfsCache = rootfs;
  }
  return rootfsCache;
}

// A private copy of the rootfs template, fast: `cp -al` (new directories,
// hard links for the ~270 applet symlinks, whose creation is what makes a
// plain cp -a slow), then every regular file replaced by a real copy, so a
// container can never write through to the template or to another bundle.
function copyRootfs(template: string, dest: string): void {
  const cp = spawnSync('cp', ['-al', template, dest], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp -al ${template} ${dest}: ${cp.stderr}`);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.statSync(p);
        const tmp = path.join(dir, `.${e.name}.copy`);
        fs.copyFileSync(p, tmp);
        fs.chownSync(tmp, st.uid, st.gid);
        fs.chmodSync(tmp, st.mode & 0o7777);
        fs.renameSync(tmp, p);
      }
    }
  };
  walk(dest);
}

// The parts of config.json the tests touch; the rest passes through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = Record<string, any>;

export interface BundleOptions {
  args?: string[]; // process.args (default: sleep 30)
  edit?: (config: Config, bundle: string) => void; // any further change
  mkdirs?: string[]; // directories to create inside the rootfs (e.g. mount points)
}

export interface Bundle {
  dir: string;
  rootfs: string;
  configPath: string;
  config: Config;
}

// A bundle in a fresh temp dir: its own copy of the rootfs (see copyRootfs:
// containers never share or alter it) and the config `runts
// spec` writes there, with terminal false, then args and edit applied.
export function makeBundle(t: Scoped, opts: BundleOptions = {}): Bundle {
  const template = rootfsTemplate();
  const dir = tempDir(t, 'runts-e2e-bundle-');
  const rootfs = path.join(dir, 'rootfs');
  copyRootfs(template, rootfs);
  for (const d of opts.mkdirs ?? []) fs.mkdirSync(path.join(rootfs, d), { recursive: true, mode: 0o755 });
  const spec = runts(['spec'], { cwd: dir });
  if (spec.status !== 0) throw new Error(`runts spec failed (${spec.status}): ${spec.stderr}`);
  const configPath = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as Config;
  config.process.terminal = false;
  config.process.args = opts.args ?? ['sleep', '30'];
  opts.edit?.(config, dir);
  fs.writeFileSync(configPath, JSON.stringify(config, null, '\t') + '\n');
  return { dir, rootfs, configPath, config };
}

// Rewrites a bundle's config.json.
export function writeConfig(b: Bundle, edit: (config: Config) => void): void {
  edit(b.config);
  fs.writeFileSync(b.configPath, JSON.stringify(b.config, null, '\t') + '\n');
}

// ---------------------------------------------------------------- helper processes

// A host process the test needs (e.g. a namespace to join): SIGKILLed in t's teardown.
export function spawnHelper(t: Scoped, cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  liveHelpers.add(child);
  scopeOf(t).helpers.push(child);
  return child;
}

function killHelper(child: ChildProcess): void {
  liveHelpers.delete(child);
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------- what the kernel says

// The target of /proc/<pid>/ns/<type>, e.g. "net:[4026531840]"; undefined if unreadable.
export function nsLink(pid: number | 'self', type: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

// /proc/<pid>/status as a map of field name to its (trimmed) value.
export function procStatus(pid: number): Record<string, string> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

// One field of /proc/<pid>/status (e.g. "VmRSS", "Uid").
export function statusField(pid: number, field: string): string | undefined {
  return procStatus(pid)?.[field];
}

function readProcStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], startTime: rest[19] };
  } catch {
    return undefined;
  }
}

// The process state letter from /proc/<pid>/stat (R, S, Z, ...).
export function procState(pid: number): string | undefined {
  return readProcStat(pid)?.state;
}

// Start times of the processes a test remembered: pids are reused (pid_max
// may be small and other work on the host forks a lot), so "alive" means this
// very process, not whichever now has its number.
const remembered = new Map<number, string>();

export function remember(pid: number): number {
  const st = readProcStat(pid);
  if (st) remembered.set(pid, st.startTime);
  return pid;
}

// The pid exists, has not exited (a zombie has exited), and, when remembered, is the same process.
export function isAlive(pid: number): boolean {
  const st = readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  const start = remembered.get(pid);
  return start === undefined || start === st.startTime;
}

// The open fds of a process, in order, and what each points to ('?' if
// unreadable), from /proc/<pid>/fd.
export function fdsOf(pid: number): number[] {
  return fs
    .readdirSync(`/proc/${pid}/fd`)
    .map(Number)
    .sort((a, b) => a - b);
}

export function fdTargets(pid: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (const fd of fdsOf(pid)) {
    try {
      out[fd] = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      out[fd] = '?';
    }
  }
  return out;
}

export function procExe(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

export function procCmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => s !== '' || i < a.length - 1);
  } catch {
    return [];
  }
}

// What stops criu on this host, if anything (`criu check`'s error): the
// reason checkpoint tests skip with. Debian 12's criu 3.17 fails on this
// project's 6.18 development host and works in the cgroup v2 VM.
export function criuProblem(): string | undefined {
  const r = spawnSync('criu', ['check'], { encoding: 'utf8' });
  if (r.error) return `criu is not installed (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status === 0) return undefined;
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /Error/.test(l)) ?? lines.pop() ?? `exit ${r.status}`;
  return `criu check fails on this kernel: ${why.replace(/^\(\s*[\d.]+\)\s*/, '')}`;
}

// A runts error as users see it: exactly one line, starting "runts: ", no stack trace.
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l !== '');
  return lines.length === 1 && lines[0].startsWith('runts: ') && !/\n\s+at .+:\d+/.test(stderr) && !/internal error/.test(stderr);
}
