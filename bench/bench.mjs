#!/usr/bin/env node
// runts benchmark: runts side by side with runc (and crun, when this host
// lets it run) on one busybox bundle, built in a temporary directory and
// removed at the end. See docs/performance.md.
//
//   node bench/bench.mjs [--iterations N] [--heavy N] [--warmup N] [--json out.json] [--in-place]
//
// --iterations  samples per light row (default 20)
// --heavy       samples for the heavy rows: 50 concurrent containers, RSS
//               (default max(1, ceil(N/5)), at most 5)
// --warmup      unmeasured runs before each light row (default 2; heavy rows 1)
// --json        where to write the results (default bench/results/latest.json)
// --in-place    run bin/runts where it is; by default the benchmark runs a copy
//               of bin/ and build/ made at its start (node_modules linked), so
//               that a rebuild during the run cannot mix two builds
//
// Timings are wall-clock milliseconds of the whole command as a child of this
// process (spawn + exec + the runtime + exit), medians over the samples. They
// are measurements, never assertions: the exit status is 0 whenever the
// benchmark ran to the end, whatever the numbers say.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const opts = { iterations: 20, heavy: undefined, warmup: 2, json: path.join(HERE, 'results', 'latest.json'), inPlace: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (min) => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) usage(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
      return n;
    };
    switch (flag) {
      case '--iterations':
      case '-n':
        opts.iterations = int(1);
        break;
      case '--heavy':
        opts.heavy = int(1);
        break;
      case '--warmup':
        opts.warmup = int(0);
        break;
      case '--json':
        opts.json = path.resolve(value());
        break;
      case '--in-place':
        opts.inPlace = true;
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  opts.heavy ??= Math.min(5, Math.max(1, Math.ceil(opts.iterations / 5)));
  return opts;
}

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write('usage: node bench/bench.mjs [--iterations N] [--heavy N] [--warmup N] [--json out.json] [--in-place]\n');
  process.exit(msg ? 2 : 0);
}

const OPTS = parseArgs(process.argv.slice(2));
const N = OPTS.iterations;
const HEAVY = OPTS.heavy;
const WARMUP = OPTS.warmup;
const HEAVY_WARMUP = Math.min(1, WARMUP);
const LIST_COUNT = 100;
const CONCURRENT = 50;

// ---------------------------------------------------------------- helpers

const log = (msg) => {
  try {
    process.stderr.write(`bench: ${msg}\n`);
  } catch {
    /* stderr gone: keep going, cleanup matters more */
  }
};
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
// CPU time (user + system) of this process's reaped children, in ms, from
// /proc/self/stat (cutime + cstime, in clock ticks of 10 ms): a command's
// own CPU, and that of the children it waited for, once we have reaped it.
const TICK_MS = 10;
function childCpuMs() {
  try {
    const text = fs.readFileSync('/proc/self/stat', 'latin1');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}
const firstLine = (s) => String(s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';

function which(name, fallbacks) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(fallbacks)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function stats(samples) {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  const round = (x) => Math.round(x * 1000) / 1000;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), mean: round(mean), n: s.length, samples: s.map(round) };
}

// ---------------------------------------------------------------- the workspace

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-'));
const LOGS = path.join(TMP, 'logs');
const ROOTFS = path.join(TMP, 'bundle', 'rootfs');
const BUNDLE_TRUE = path.join(TMP, 'bundle'); // process: /bin/true
const BUNDLE_SLEEP = path.join(TMP, 'bundle-sleep'); // the same rootfs, process: sleep
const PREFIX = `rb${process.pid}`; // every container ID this run makes starts with it
let seq = 0;
const newId = (tag) => `${PREFIX}-${tag}-${++seq}`;

// name, binary, --root; `active` once it has shown it can run a container here.
const RUNTIMES = [
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
const byName = (n) => RUNTIMES.find((r) => r.name === n);

// One command of a runtime, synchronously, timed. `capture: 'file'` gives the
// child a file for stdout and stderr instead of pipes: a container started by
// create/run/exec inherits them, and a pipe it holds would keep us waiting.
function rtSync(rt, args, { capture = 'pipe', timeout = 60000 } = {}) {
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
function rtAsync(rt, args, { capture = 'pipe', timeout = 120000 } = {}) {
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

class BenchError extends Error {}

// The rows run commands synchronously; between two of them they yield to the
// event loop, where a SIGINT handler can run (and clean up).
const tick = () => new Promise((resolve) => setImmediate(resolve));
const inFlight = new Set(); // async children, killed on a signal
const must = (rt, what, r) => {
  if (!r.ok) throw new BenchError(`${rt.name} ${what}: ${r.why}`);
  return r;
};

function createSleeper(rt, tag) {
  const id = newId(tag);
  rt.ids.add(id);
  must(rt, `create ${id}`, rtSync(rt, ['create', '--bundle', BUNDLE_SLEEP, id], { capture: 'file' }));
  return id;
}

function deleteForce(rt, id) {
  const r = rtSync(rt, ['delete', '-f', id]);
  if (r.ok) rt.ids.delete(id);
  return r;
}

function stateOf(rt, id) {
  const r = must(rt, `state ${id}`, rtSync(rt, ['state', id]));
  try {
    return JSON.parse(r.out);
  } catch {
    throw new BenchError(`${rt.name} state ${id}: not JSON: ${firstLine(r.out)}`);
  }
}

// ---------------------------------------------------------------- setup

// The runts under test: a private copy of bin/ and build/ (see --in-place).
function copyRunts() {
  const git = (...a) => spawnSync('git', ['-C', REPO, ...a], { encoding: 'utf8' }).stdout?.trim() || undefined;
  const info = { source: REPO, commit: git('rev-parse', '--short', 'HEAD'), dirty: !!git('status', '--porcelain', '--', 'src', 'native', 'schemas', 'scripts') };
  const runts = byName('runts');
  if (!fs.existsSync(runts.bin)) throw new BenchError(`${runts.bin} is missing: run make build first`);
  if (OPTS.inPlace) return { ...info, copy: null };
  const snap = path.join(TMP, 'runts');
  for (const d of ['bin', 'build']) fs.cpSync(path.join(REPO, d), path.join(snap, d), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(snap, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(snap, 'node_modules'));
  runts.bin = path.join(snap, 'bin', 'runts');
  const v = spawnSync(runts.bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new BenchError(`the copy of runts does not run: ${firstLine(v.stderr)}`);
  return { ...info, copy: snap };
}

function buildBundle() {
  fs.mkdirSync(LOGS, { recursive: true });
  const mk = spawnSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [ROOTFS], { encoding: 'utf8' });
  if (mk.status !== 0) throw new BenchError(`make-rootfs.sh: ${firstLine(mk.stderr) || `exit ${mk.status}`}`);
  // runc's default config when runc is here: its ociVersion (1.0.2-dev) is one
  // every runtime in the comparison parses (crun 1.8 rejects runts's 1.3.0).
  const runc = byName('runc');
  const specBy = runc.bin ? runc : byName('runts');
  const sp = spawnSync(specBy.bin, ['spec'], { cwd: BUNDLE_TRUE, encoding: 'utf8' });
  if (sp.status !== 0) throw new BenchError(`${specBy.name} spec: ${firstLine(sp.stderr)}`);
  const base = JSON.parse(fs.readFileSync(path.join(BUNDLE_TRUE, 'config.json'), 'utf8'));
  const write = (dir, args) => {
    const c = structuredClone(base);
    c.process.terminal = false;
    c.process.args = args;
    c.root = { path: ROOTFS, readonly: true };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, '\t') + '\n');
  };
  write(BUNDLE_TRUE, ['/bin/true']);
  write(BUNDLE_SLEEP, ['sleep', '1000000']);
  return { specFrom: `${specBy.name} spec`, ociVersion: base.ociVersion };
}

function versionOf(rt) {
  if (!rt.bin) return undefined;
  const r = spawnSync(rt.bin, ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').trim().split('\n').slice(0, 2).join('; ') || undefined;
}

// A runtime takes part once it has run /bin/true here; crun refuses hybrid
// cgroup hosts, and that refusal is the result we report for it.
function probe(rt) {
  if (!rt.bin) return;
  const id = newId('probe');
  rt.ids.add(id);
  const r = rtSync(rt, ['run', '--bundle', BUNDLE_TRUE, id], { capture: 'file' });
  if (fs.existsSync(path.join(rt.root, id))) deleteForce(rt, id);
  else rt.ids.delete(id);
  if (r.ok) {
    rt.active = true;
    rt.status = 'ok';
  } else {
    rt.status = `refused (${firstLine(r.err) || r.why})`;
  }
}

// ---------------------------------------------------------------- rows

const ROWS = []; // { key, label, unit, values: { [rt]: stats | { error } | { unsupported } }, note? }

function addRow(key, label, unit = 'ms') {
  const row = { key, label, unit, values: {} };
  ROWS.push(row);
  return row;
}

// The floor is Node's start as runts pays it: in the environment bin/runts
// gives Node, which drops these variables of the caller's
// (native/launcher.c). With NODE_EXTRA_CA_CERTS set, as on hosts of this
// kind, `node -e 0` in the caller's own environment takes some 40 ms more
// (Node loads the certificates first): rowFloor reports that too, but no
// ratio uses it.
const DROPPED_BY_LAUNCHER = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const NODE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DROPPED_BY_LAUNCHER.includes(k)));

// One `node -e 0`, timed like a runtime's command.
function nodeOnce(env = NODE_ENV) {
  const c0 = childCpuMs();
  const t0 = nowMs();
  const r = spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore', env });
  const ms = nowMs() - t0;
  if (r.status !== 0) throw new BenchError('node -e 0 failed');
  return { ms, cpu: childCpuMs() - c0 };
}

// Interleave the runtimes sample by sample (rotating who goes first) so that
// drift in the host's load hits every runtime alike. Each round also times
// one `node -e 0`: the row's own floor, for its ratios to the floor, taken
// under the same load as its samples.
async function measure(row, runtimes, { iterations = N, warmup = WARMUP, once }) {
  const samples = new Map(runtimes.map((rt) => [rt, []]));
  const cpu = new Map(runtimes.map((rt) => [rt, []]));
  const dead = new Set();
  const floor = [];
  for (let i = -warmup; i < iterations; i++) {
    const order = runtimes.map((_, k) => runtimes[(k + i + warmup) % runtimes.length]);
    const f = nodeOnce();
    if (i >= 0) floor.push(f.ms);
    for (const rt of order) {
      if (dead.has(rt)) continue;
      await tick();
      try {
        const r = once(rt, i);
        if (i >= 0) {
          samples.get(rt).push(r.ms);
          cpu.get(rt).push(r.cpu);
        }
      } catch (err) {
        if (!(err instanceof BenchError)) throw err;
        dead.add(rt);
        row.values[rt.name] = { error: err.message };
        log(`${row.label}: ${err.message}`);
      }
    }
  }
  for (const rt of runtimes) {
    if (dead.has(rt)) continue;
    row.values[rt.name] = stats(samples.get(rt));
    row.values[rt.name].cpuMeanMs = meanCpu(cpu.get(rt));
  }
  if (floor.length) row.floor = stats(floor);
}

// Ticks are 10 ms: only the mean over many commands says something.
function meanCpu(xs) {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length ? Math.round((10 * ok.reduce((a, b) => a + b, 0)) / ok.length) / 10 : undefined;
}

function rowFloor() {
  const row = addRow('node', 'node -e 0 (floor)');
  const set = DROPPED_BY_LAUNCHER.filter((k) => process.env[k] !== undefined);
  const caller = set.length ? addRow('node.caller', `  node -e 0 with the caller's ${set.join(', ')} (no ratio uses it)`) : undefined;
  const samples = [];
  const cpu = [];
  const callerSamples = [];
  for (let i = -WARMUP; i < N; i++) {
    const r = nodeOnce();
    if (i >= 0) {
      samples.push(r.ms);
      cpu.push(r.cpu);
    }
    if (caller && i >= 0) callerSamples.push(nodeOnce(process.env).ms);
  }
  row.values.node = stats(samples);
  row.values.node.cpuMeanMs = meanCpu(cpu);
  if (caller) caller.values.node = stats(callerSamples);
  return row.values.node.median;
}

async function rowRun(active) {
  const row = addRow('run', 'run /bin/true');
  await measure(row, active, {
    once: (rt) => {
      const id = newId('run');
      rt.ids.add(id);
      const r = must(rt, `run ${id}`, rtSync(rt, ['run', '--bundle', BUNDLE_TRUE, id], { capture: 'file' }));
      // A foreground run deletes its container; make sure, untimed.
      if (fs.existsSync(path.join(rt.root, id))) deleteForce(rt, id);
      else rt.ids.delete(id);
      return r;
    },
  });
}

async function rowsLifecycle(active) {
  const rows = {
    create: addRow('create', 'create (detached sleep)'),
    start: addRow('start', 'start'),
    delete: addRow('delete', 'delete -f (running)'),
    total: addRow('lifecycle', 'create+start+delete'),
  };
  const parts = new Map(active.map((rt) => [rt, { create: [], start: [], delete: [], total: [] }]));
  const cpus = new Map(active.map((rt) => [rt, { create: [], start: [], delete: [], total: [] }]));
  const dead = new Set();
  const floor = [];
  for (let i = -WARMUP; i < N; i++) {
    const f = nodeOnce();
    if (i >= 0) floor.push(f.ms);
    for (let k = 0; k < active.length; k++) {
      const rt = active[(k + i + WARMUP) % active.length];
      if (dead.has(rt)) continue;
      await tick();
      const id = newId('life');
      rt.ids.add(id);
      try {
        const c = must(rt, `create ${id}`, rtSync(rt, ['create', '--bundle', BUNDLE_SLEEP, id], { capture: 'file' }));
        const s = must(rt, `start ${id}`, rtSync(rt, ['start', id]));
        const d = must(rt, `delete -f ${id}`, rtSync(rt, ['delete', '-f', id]));
        rt.ids.delete(id);
        if (i >= 0) {
          const p = parts.get(rt);
          p.create.push(c.ms);
          p.start.push(s.ms);
          p.delete.push(d.ms);
          p.total.push(c.ms + s.ms + d.ms);
          const q = cpus.get(rt);
          q.create.push(c.cpu);
          q.start.push(s.cpu);
          q.delete.push(d.cpu);
          q.total.push(c.cpu + s.cpu + d.cpu);
        }
      } catch (err) {
        if (!(err instanceof BenchError)) throw err;
        dead.add(rt);
        for (const r of Object.values(rows)) r.values[rt.name] = { error: err.message };
        log(`lifecycle: ${err.message}`);
      }
    }
  }
  for (const rt of active) {
    if (dead.has(rt)) continue;
    for (const [k, r] of Object.entries(rows)) {
      r.values[rt.name] = stats(parts.get(rt)[k]);
      r.values[rt.name].cpuMeanMs = meanCpu(cpus.get(rt)[k]);
    }
  }
  if (floor.length) for (const r of Object.values(rows)) r.floor = stats(floor);
  rows.total.floorCount = 3; // three commands, three Node starts
}

// state, kill and exec against one running container per runtime.
async function rowsRunning(active) {
  const state = addRow('state', 'state (running)');
  const kill = addRow('kill', 'kill CONT (running)');
  const exec = addRow('exec', 'exec /bin/true');
  const ready = [];
  const running = new Map();
  try {
    for (const rt of active) {
      try {
        const id = createSleeper(rt, 'svc');
        must(rt, `start ${id}`, rtSync(rt, ['start', id]));
        const st = stateOf(rt, id);
        if (st.status !== 'running') throw new BenchError(`${rt.name} state ${id}: status ${st.status}, expected running`);
        running.set(rt, id);
        ready.push(rt);
      } catch (err) {
        if (!(err instanceof BenchError)) throw err;
        for (const r of [state, kill, exec]) r.values[rt.name] = { error: err.message };
        log(err.message);
      }
    }
    await measure(state, ready, { once: (rt) => must(rt, 'state', rtSync(rt, ['state', running.get(rt)])) });
    await measure(kill, ready, { once: (rt) => must(rt, 'kill CONT', rtSync(rt, ['kill', running.get(rt), 'CONT'])) });
    // exec may not exist (yet): one try decides, and a failure is a result.
    const canExec = [];
    for (const rt of ready) {
      const r = rtSync(rt, ['exec', running.get(rt), '/bin/true'], { capture: 'file' });
      if (r.ok) canExec.push(rt);
      else exec.values[rt.name] = { unsupported: firstLine(r.err) || r.why };
    }
    await measure(exec, canExec, { once: (rt) => must(rt, 'exec', rtSync(rt, ['exec', running.get(rt), '/bin/true'], { capture: 'file' })) });
    // Still running after all those signals and execs?
    for (const rt of ready) {
      const st = stateOf(rt, running.get(rt));
      if (st.status !== 'running') log(`warning: ${rt.name}: the container is ${st.status} after the state/kill/exec rows`);
    }
  } finally {
    for (const [rt, id] of running) deleteForce(rt, id);
  }
}

async function rowList(active) {
  const row = addRow('list', `list (${LIST_COUNT} created)`);
  const made = new Map(active.map((rt) => [rt, []]));
  const ready = [];
  try {
    for (const rt of active) {
      log(`list: creating ${LIST_COUNT} ${rt.name} containers`);
      try {
        for (let k = 0; k < LIST_COUNT; k++) {
          await tick();
          made.get(rt).push(createSleeper(rt, 'ls'));
        }
        ready.push(rt);
      } catch (err) {
        if (!(err instanceof BenchError)) throw err;
        row.values[rt.name] = { error: err.message };
        log(err.message);
      }
    }
    await measure(row, ready, {
      once: (rt) => {
        const r = must(rt, 'list', rtSync(rt, ['list']));
        const lines = r.out.trim().split('\n').length - 1; // minus the header
        if (lines !== LIST_COUNT) throw new BenchError(`${rt.name} list: ${lines} containers listed, expected ${LIST_COUNT}`);
        return r;
      },
    });
  } finally {
    for (const [rt, ids] of made) for (const id of ids) deleteForce(rt, id);
  }
}

function readStatus(pid) {
  const out = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Name|VmRSS|RssAnon|RssFile|RssShmem|VmHWM):\s+(.*?)(?: kB)?$/.exec(line);
    if (m) out[m[1]] = m[1] === 'Name' ? m[2] : Number(m[2]);
  }
  return out;
}

// Every process in the container's cgroup (pids hierarchy when there is one).
function cgroupProcs(pid) {
  try {
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    const pick = lines.find((l) => l.split(':')[1] === 'pids') ?? lines.find((l) => l.startsWith('0::'));
    const rel = pick.split(':').slice(2).join(':');
    const base = pick.startsWith('0::') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup/pids';
    for (const b of [base, '/sys/fs/cgroup']) {
      try {
        return fs.readFileSync(path.join(b, rel, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        /* next */
      }
    }
  } catch {
    /* no cgroup info */
  }
  return [pid];
}

async function rowRss(active) {
  const row = addRow('rss', 'RSS between create and start', 'MiB');
  row.detail = {};
  for (const rt of active) {
    const rss = [];
    const detail = [];
    try {
      for (let i = -HEAVY_WARMUP; i < HEAVY; i++) {
        await tick();
        const id = createSleeper(rt, 'rss');
        try {
          const st = stateOf(rt, id);
          if (st.status !== 'created') throw new BenchError(`${rt.name} state ${id}: status ${st.status}, expected created`);
          const procs = cgroupProcs(st.pid).map((pid) => ({ pid, ...readStatus(pid) }));
          const main = readStatus(st.pid);
          if (i >= 0) {
            rss.push(main.VmRSS / 1024);
            detail.push({ pid: st.pid, ...main, cgroupProcs: procs });
          }
        } finally {
          deleteForce(rt, id);
        }
      }
      row.values[rt.name] = stats(rss);
      row.detail[rt.name] = detail;
    } catch (err) {
      if (!(err instanceof BenchError)) throw err;
      row.values[rt.name] = { error: err.message };
      log(err.message);
    }
  }
}

// ---------------------------------------------------------------- leak checks

// Cgroup directories anywhere under /sys/fs/cgroup (every v1 hierarchy, or the
// v2 tree) whose name matches, children before their parents.
function cgroupDirsWhere(match) {
  const found = [];
  const walk = (dir, depth) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (depth < 8) walk(p, depth + 1);
      if (match(e.name)) found.push(p);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

function mountsMentioning(s) {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(s));
  } catch {
    return [];
  }
}

function leaksOf(rt, ids) {
  const idSet = new Set(ids);
  let stateDirs = [];
  try {
    stateDirs = fs.readdirSync(rt.root).filter((e) => idSet.has(e));
  } catch {
    /* no root: nothing left */
  }
  return { stateDirs, cgroupDirs: cgroupDirsWhere((name) => idSet.has(name)), mounts: mountsMentioning(TMP) };
}

async function rowConcurrent(active) {
  const row = addRow('concurrent', `${CONCURRENT} concurrent create+start+delete`);
  const phase1 = addRow('concurrent.up', `  of which create+start`);
  const phase2 = addRow('concurrent.down', `  of which delete -f`);
  row.checks = {};
  for (const rt of active) {
    const whole = [];
    const up = [];
    const down = [];
    const check = { failures: [], leaks: [], notRunning: [] };
    const cpu = [];
    for (let i = -HEAVY_WARMUP; i < HEAVY; i++) {
      const ids = Array.from({ length: CONCURRENT }, () => newId('par'));
      for (const id of ids) rt.ids.add(id);
      const c0 = childCpuMs();
      const t0 = nowMs();
      const ups = await Promise.all(
        ids.map(async (id) => {
          const c = await rtAsync(rt, ['create', '--bundle', BUNDLE_SLEEP, id], { capture: 'file' });
          if (!c.ok) return `create ${id}: ${c.why}`;
          const s = await rtAsync(rt, ['start', id]);
          return s.ok ? '' : `start ${id}: ${s.why}`;
        }),
      );
      const t1 = nowMs();
      // Untimed: is every one of them running?
      const listed = rtSync(rt, ['list', '--format', 'json']);
      if (listed.ok) {
        let entries = [];
        try {
          entries = JSON.parse(listed.out || '[]') ?? [];
        } catch {
          /* counted below */
        }
        const status = new Map(entries.map((e) => [e.id, e.status]));
        for (const id of ids) if (status.get(id) !== 'running') check.notRunning.push(`${id}: ${status.get(id) ?? 'missing'}`);
      }
      const t2 = nowMs();
      const downs = await Promise.all(ids.map(async (id) => {
        const d = await rtAsync(rt, ['delete', '-f', id]);
        if (d.ok) rt.ids.delete(id);
        return d.ok ? '' : `delete ${id}: ${d.why}`;
      }));
      const t3 = nowMs();
      const c1 = childCpuMs() - c0; // includes the untimed list
      const failures = [...ups, ...downs].filter(Boolean);
      const leaks = leaksOf(rt, ids);
      const leaked = [...leaks.stateDirs.map((d) => `state dir ${d}`), ...leaks.cgroupDirs.map((d) => `cgroup ${d}`), ...leaks.mounts.map((m) => `mount ${m}`)];
      if (i >= 0) {
        up.push(t1 - t0);
        down.push(t3 - t2);
        whole.push(t1 - t0 + (t3 - t2));
        cpu.push(c1);
      }
      check.failures.push(...failures);
      check.leaks.push(...leaked);
      log(`concurrent ${rt.name}${i < 0 ? ' (warm-up)' : ''}: ${((t1 - t0 + t3 - t2) / 1000).toFixed(2)} s, ${failures.length} failed, ${leaked.length} leaked`);
      if (failures.length) log(`  first failure: ${failures[0]}`);
      if (leaked.length) log(`  first leak: ${leaked[0]}`);
    }
    row.values[rt.name] = stats(whole);
    row.values[rt.name].cpuMeanMs = meanCpu(cpu);
    phase1.values[rt.name] = stats(up);
    phase2.values[rt.name] = stats(down);
    row.checks[rt.name] = {
      failed: check.failures.length,
      leaked: check.leaks.length,
      notRunning: check.notRunning.length,
      firstFailures: check.failures.slice(0, 5),
      firstLeaks: check.leaks.slice(0, 5),
      firstNotRunning: check.notRunning.slice(0, 5),
    };
  }
}

// ---------------------------------------------------------------- cleanup

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const rt of RUNTIMES) {
    if (!rt.bin) continue;
    let onDisk = [];
    try {
      onDisk = fs.readdirSync(rt.root).filter((e) => e.startsWith(PREFIX));
    } catch {
      /* never made */
    }
    const left = new Set([...rt.ids, ...onDisk]);
    if (left.size) log(`cleanup: deleting ${left.size} ${rt.name} container(s)`);
    for (const id of left) spawnSync(rt.bin, ['--root', rt.root, 'delete', '-f', id], { stdio: 'ignore', timeout: 30000 });
  }
  // Cgroups our IDs left behind (a runtime's leak): kill what is inside, rmdir.
  const ours = cgroupDirsWhere((name) => name.startsWith(PREFIX + '-'));
  if (ours.length) log(`cleanup: removing ${ours.length} leftover cgroup dir(s)`);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const dir of ours) {
    try {
      for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    } catch {
      /* empty or gone */
    }
    for (let k = 0; k < 100; k++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        if (err.code !== 'EBUSY') break;
        Atomics.wait(sleeper, 0, 0, 10);
      }
    }
  }
  // Never rm -rf through a mount: detach any left in the workspace first.
  const mounts = mountsMentioning(TMP)
    .map((l) => l.split(' ')[4])
    .filter((m) => m && m.startsWith(TMP))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  if (mountsMentioning(TMP).some((l) => (l.split(' ')[4] ?? '').startsWith(TMP))) {
    log(`cleanup: mounts remain under ${TMP}; leaving it in place`);
    return;
  }
  fs.rmSync(TMP, { recursive: true, force: true });
}

// A closed stdout or stderr (`| head`) must not kill the run before cleanup.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
process.on('uncaughtException', (err) => {
  try {
    log(`internal error: ${err?.stack ?? err}`);
  } catch {
    /* nowhere to say it */
  }
  cleanup();
  process.exit(1);
});

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: cleaning up`);
    for (const child of inFlight) child.kill('SIGKILL');
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- report

const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

function cell(v, unit) {
  if (!v) return '-';
  if (v.unsupported !== undefined) return 'not supported';
  if (v.error !== undefined) return 'failed';
  return fmt(v.median, unit === 'MiB' ? 2 : 1);
}

// The floor a row's ratios use: its own interleaved samples of `node -e 0`
// (times the Node starts it holds), else the floor row's.
function floorFor(r, floor) {
  return (r.floor?.median ?? floor) * (r.floorCount ?? 1);
}

function tableOf(floor, showCrun) {
  const head = ['row', 'runts ms', 'runc ms', 'runts/runc', '(runts-node)/runc', 'runts/node'];
  if (showCrun) head.push('crun ms');
  const lines = [head];
  for (const r of ROWS) {
    if (r.values.node) {
      const line = [r.label, fmt(r.values.node.median), '', '', '', ''];
      if (showCrun) line.push('');
      lines.push(line);
      continue;
    }
    const a = r.values.runts?.median;
    const b = r.values.runc?.median;
    const timed = r.unit === 'ms';
    const f = floorFor(r, floor);
    const label = timed ? r.label : `${r.label} (${r.unit})`;
    const line = [
      label,
      cell(r.values.runts, r.unit),
      cell(r.values.runc, r.unit),
      a !== undefined && b ? fmt(a / b, 2) : '-',
      timed && a !== undefined && b && !r.key.startsWith('concurrent') ? fmt((a - f) / b, 2) : '-',
      timed && a !== undefined && !r.key.startsWith('concurrent') ? fmt(a / f, 2) : '-',
    ];
    if (showCrun) line.push(cell(r.values.crun, r.unit));
    lines.push(line);
  }
  const widths = head.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ')).join('\n');
}

// CPU (user + system, mean per command) next to wall time: what limits a
// host running many commands at once.
function cpuTableOf() {
  const names = RUNTIMES.filter((r) => r.active).map((r) => r.name);
  const head = ['row', ...names.map((n) => `${n} cpu ms`)];
  const lines = [head];
  for (const r of ROWS) {
    if (r.unit !== 'ms' || (r.key.startsWith('concurrent.') && !r.values.node)) continue;
    const cols = r.values.node ? [fmt(r.values.node?.cpuMeanMs, 0), ...names.slice(1).map(() => '')] : names.map((n) => fmt(r.values[n]?.cpuMeanMs, 0));
    if (cols.every((c) => c === '-' || c === '')) continue;
    lines.push([r.label, ...cols]);
  }
  const widths = head.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ')).join('\n');
}

function targets(floor) {
  const get = (key, rt) => ROWS.find((r) => r.key === key)?.values[rt]?.median;
  const floorOf = (key) => floorFor(ROWS.find((r) => r.key === key) ?? {}, floor);
  const out = [];
  const t = (name, value, limit, met, how) => out.push({ target: name, value, limit, met, how });
  const run = get('run', 'runts');
  const runc = get('run', 'runc');
  const rf = floorOf('run');
  if (run !== undefined && runc) t('run /bin/true: (runts - node) <= 0.5 x runc', (run - rf) / runc, 0.5, (run - rf) / runc <= 0.5, '(runts - node)/runc');
  for (const k of ['state', 'kill', 'list']) {
    const v = get(k, 'runts');
    const kf = floorOf(k);
    if (v !== undefined) t(`${k}: runts <= 1.2 x node -e 0`, v / kf, 1.2, v / kf <= 1.2, 'runts/node');
  }
  const rss = get('rss', 'runts');
  if (rss !== undefined) t('process between create and start < 1 MiB RSS', rss, 1, rss < 1, 'MiB');
  const conc = ROWS.find((r) => r.key === 'concurrent');
  const c = conc?.checks?.runts;
  const w = get('concurrent', 'runts');
  const wr = get('concurrent', 'runc');
  if (c) {
    t(`${CONCURRENT} concurrent: none fails`, c.failed + c.notRunning, 0, c.failed + c.notRunning === 0, 'failures');
    t(`${CONCURRENT} concurrent: none leaks`, c.leaked, 0, c.leaked === 0, 'leaks');
  }
  if (w !== undefined && wr) t(`${CONCURRENT} concurrent: whole <= runc's`, w / wr, 1, w <= wr, 'runts/runc');
  return out;
}

// ---------------------------------------------------------------- main

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg();
  const runts = byName('runts');
  const under = copyRunts();
  if (process.getuid?.() !== 0) log('warning: not root: creating containers will fail');
  log(`workspace ${TMP}; ${N} iterations (${HEAVY} for heavy rows), ${WARMUP} warm-up`);
  log(`runts from ${under.source} at ${under.commit ?? '?'}${under.dirty ? ' (with uncommitted changes)' : ''}${under.copy ? ', run from a copy' : ''}`);
  const bundle = buildBundle();
  for (const rt of RUNTIMES) probe(rt);
  for (const rt of RUNTIMES) log(`${rt.name}: ${rt.bin ?? '(not installed)'}: ${rt.status}`);
  if (!runts.active) throw new BenchError(`runts cannot run /bin/true here: ${runts.status}`);
  const active = RUNTIMES.filter((r) => r.active);

  log('node -e 0');
  const floor = rowFloor();
  log('run /bin/true');
  await rowRun(active);
  log('create / start / delete');
  await rowsLifecycle(active);
  log('state / kill / exec');
  await rowsRunning(active);
  log(`list with ${LIST_COUNT} containers`);
  await rowList(active);
  log('RSS between create and start');
  await rowRss(active);
  // The concurrent row loads the host itself: judge others' load before it.
  const loadMid = os.loadavg();
  log(`${CONCURRENT} concurrent containers`);
  await rowConcurrent(active);

  const showCrun = byName('crun').active;
  const table = tableOf(floor, showCrun);
  const goals = targets(floor);
  const report = [];
  report.push(`runts benchmark, ${started.toISOString()} (${os.hostname()}, ${os.cpus().length} CPUs, Linux ${os.release()}, node ${process.version})`);
  // A serial benchmark keeps about one CPU busy: more than that is others' work.
  const busy = Math.max(loadBefore[0], loadMid[0]) > 1.5;
  report.push(`load average ${loadBefore[0].toFixed(1)} at the start, ${loadMid[0].toFixed(1)} before the concurrent row${busy ? ' -- other work shared the CPUs: treat the numbers with care' : ''}`);
  report.push(`runts ${under.commit ?? '?'}${under.dirty ? ' + uncommitted changes' : ''}; ${RUNTIMES.filter((r) => r.active && r.name !== 'runts').map((r) => versionOf(r)?.split(';')[0]).join(', ')}`);
  report.push(`medians of ${N} runs (${HEAVY} for RSS and the ${CONCURRENT}-container row), milliseconds unless noted; node floor ${fmt(floor)} ms alone, in the environment bin/runts gives Node (each row's ratios use its own node -e 0 samples, taken in turn with its commands)`);
  report.push('start, delete, kill, state and list of containers without poststart or poststop hooks (as here) run in bin/runts without Node (docs/architecture.md): their (runts-node) is below 0');
  report.push('');
  report.push(table);
  report.push('');
  const cpuTable = cpuTableOf();
  report.push('CPU per command, user + system, mean (clock ticks of 10 ms; the concurrent row: all its commands):');
  report.push(cpuTable);
  report.push('');
  for (const rt of RUNTIMES) if (!rt.active) report.push(`${rt.name}: ${rt.status}`);
  const exec = ROWS.find((r) => r.key === 'exec');
  for (const [name, v] of Object.entries(exec.values)) if (v?.unsupported !== undefined) report.push(`exec, ${name}: not supported (${v.unsupported})`);
  const conc = ROWS.find((r) => r.key === 'concurrent');
  for (const [name, c] of Object.entries(conc.checks)) {
    report.push(`${CONCURRENT} concurrent, ${name}: ${c.failed} failed, ${c.notRunning} not running after start, ${c.leaked} leaked` + (c.firstFailures[0] ? ` (first: ${c.firstFailures[0]})` : '') + (c.firstLeaks[0] ? ` (first leak: ${c.firstLeaks[0]})` : ''));
  }
  report.push('');
  report.push('targets (informational):');
  for (const g of goals) report.push(`  ${g.met ? 'met    ' : 'not met'}  ${g.target}: ${fmt(g.value, 2)} ${g.how}`);
  process.stdout.write(report.join('\n') + '\n');

  const result = {
    date: started.toISOString(),
    host: { loadavg: { start: loadBefore, beforeConcurrent: loadMid, end: os.loadavg() }, hostname: os.hostname(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), node: process.version, memTotalMiB: Math.round(os.totalmem() / 2 ** 20) },
    options: { iterations: N, heavy: HEAVY, warmup: WARMUP, heavyWarmup: HEAVY_WARMUP, listCount: LIST_COUNT, concurrent: CONCURRENT },
    bundle: { ...bundle, process: { run: ['/bin/true'], detached: ['sleep', '1000000'] } },
    runts: under,
    runtimes: Object.fromEntries(RUNTIMES.map((rt) => [rt.name, { bin: rt.bin ?? null, version: versionOf(rt) ?? null, status: rt.status }])),
    floorMs: floor,
    rows: ROWS,
    targets: goals,
    table,
    cpuTable,
  };
  fs.mkdirSync(path.dirname(OPTS.json), { recursive: true });
  fs.writeFileSync(OPTS.json, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${OPTS.json}`);
}

let status = 0;
try {
  await main();
} catch (err) {
  status = 1;
  log(err instanceof BenchError ? err.message : err.stack);
} finally {
  cleanup();
}
process.exit(status);
