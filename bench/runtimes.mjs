// The workspace (a temporary directory, removed by cleanup.mjs) and the
// runtimes under comparison: their binaries, their --root in the workspace,
// the container IDs each may still hold, and how one of their commands is
// run and timed.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childCpuMs, firstLine, nowMs, which } from './util.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-'));
export const LOGS = path.join(TMP, 'logs');
export const ROOTFS = path.join(TMP, 'bundle', 'rootfs');
export const BUNDLE_TRUE = path.join(TMP, 'bundle'); // process: /bin/true
export const BUNDLE_SLEEP = path.join(TMP, 'bundle-sleep'); // the same rootfs, process: sleep
export const BUNDLE_SECCOMP = path.join(TMP, 'bundle-seccomp'); // sleep, with an engine's seccomp profile (setup.mjs)
export const PREFIX = `rb${process.pid}`; // every container ID this run makes starts with it
let seq = 0;
export const newId = (tag) => `${PREFIX}-${tag}-${++seq}`;

// name, binary, --root; `active` once it has shown it can run a container here.
export const RUNTIMES = [
  { name: 'runts', bin: path.join(REPO, 'bin', 'runts') },
  { name: 'runc', bin: which('runc', ['/usr/sbin', '/usr/bin']) },
  { name: 'crun', bin: which('crun', ['/usr/bin', '/usr/sbin']) },
];
for (const rt of RUNTIMES) {
  rt.root = path.join(TMP, `root-${rt.name}`);
  rt.active = false;
  rt.status = rt.bin ? 'untested' : 'not installed';
  rt.ids = new Set(); // containers it may still hold: deleted in cleanup
}
export const byName = (n) => RUNTIMES.find((r) => r.name === n);

// One command of a runtime, synchronously, timed. `capture: 'file'` gives the
// child a file for stdout and stderr instead of pipes: a container started by
// create/run/exec inherits them, and a pipe it holds would keep us waiting.
export function rtSync(rt, args, { capture = 'pipe', timeout = 60000 } = {}) {
  let fd;
  let file;
  if (capture === 'file') {
    file = path.join(LOGS, `${rt.name}.log`);
    fd = fs.openSync(file, 'w');
  }
  const c0 = childCpuMs();
  const t0 = nowMs();
  const r = spawnSync(rt.bin, ['--root', rt.root, ...args], {
    stdio: capture === 'file' ? ['ignore', fd, fd] : ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
  });
  const ms = nowMs() - t0;
  const cpu = childCpuMs() - c0;
  let out = r.stdout ?? '';
  let err = r.stderr ?? '';
  if (fd !== undefined) {
    fs.closeSync(fd);
    err = out = fs.readFileSync(file, 'utf8');
  }
  const ok = r.status === 0 && !r.error;
  const why = ok ? '' : r.error ? r.error.code ?? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}: ${firstLine(err) || '(no message)'}`;
  return { ok, ms, cpu, out, err, why };
}

// The same, asynchronously (the concurrent rows).
export function rtAsync(rt, args, { capture = 'pipe', timeout = 120000 } = {}) {
  return new Promise((resolve) => {
    let fd;
    let file;
    if (capture === 'file') {
      file = path.join(LOGS, `${rt.name}-${args[args.length - 1]}.log`);
      fd = fs.openSync(file, 'w');
    }
    const t0 = nowMs();
    const child = spawn(rt.bin, ['--root', rt.root, ...args], { stdio: capture === 'file' ? ['ignore', fd, fd] : ['ignore', 'ignore', 'pipe'] });
    inFlight.add(child);
    child.once('exit', () => inFlight.delete(child));
    if (fd !== undefined) fs.closeSync(fd);
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, ms: nowMs() - t0, why: e.code ?? e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = nowMs() - t0;
      if (file) err = fs.readFileSync(file, 'utf8');
      const ok = code === 0;
      resolve({ ok, ms, why: ok ? '' : signal ? `killed by ${signal}` : `exit ${code}: ${firstLine(err) || '(no message)'}` });
    });
  });
}

export class BenchError extends Error {}

// The rows run commands synchronously; between two of them they yield to the
// event loop, where a SIGINT handler can run (and clean up).
export const tick = () => new Promise((resolve) => setImmediate(resolve));
export const inFlight = new Set(); // async children, killed on a signal
export const must = (rt, what, r) => {
  if (!r.ok) throw new BenchError(`${rt.name} ${what}: ${r.why}`);
  return r;
};

export function createSleeper(rt, tag) {
  const id = newId(tag);
  rt.ids.add(id);
  must(rt, `create ${id}`, rtSync(rt, ['create', '--bundle', BUNDLE_SLEEP, id], { capture: 'file' }));
  return id;
}

export function deleteForce(rt, id) {
  const r = rtSync(rt, ['delete', '-f', id]);
  if (r.ok) rt.ids.delete(id);
  return r;
}

export function stateOf(rt, id) {
  const r = must(rt, `state ${id}`, rtSync(rt, ['state', id]));
  try {
    return JSON.parse(r.out);
  } catch {
    throw new BenchError(`${rt.name} state ${id}: not JSON: ${firstLine(r.out)}`);
  }
}
