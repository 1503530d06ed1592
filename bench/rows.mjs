// The rows, one function each (or a few related rows): what each command
// measured is, and the checks that make a sample count.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONCURRENT, HEAVY, HEAVY_WARMUP, LIST_COUNT, N, WARMUP } from './options.mjs';
import { childCpuMs, firstLine, log, nowMs, stats } from './util.mjs';
import { BenchError, BUNDLE_SECCOMP, BUNDLE_SLEEP, BUNDLE_TRUE, createSleeper, deleteForce, must, newId, rtAsync, rtSync, stateOf, tick } from './runtimes.mjs';
import { addRow, DROPPED_BY_LAUNCHER, meanCpu, measure, nodeOnce } from './measure.mjs';
import { leaksOf } from './leaks.mjs';

export function rowFloor() {
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

export async function rowRun(active) {
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

// create as engines send it: with a seccomp profile (setup.mjs, engineSeccomp).
// Each create is followed by an untimed delete -f.
export async function rowCreateSeccomp(active, profile) {
  const row = addRow('create-seccomp', "create (detached sleep, an engine's seccomp profile)");
  if (!profile) {
    for (const rt of active) row.values[rt.name] = { error: 'no seccomp profile on this host (containers-common)' };
    return;
  }
  await measure(row, active, {
    once: (rt) => {
      const id = newId('seccomp');
      rt.ids.add(id);
      const r = must(rt, `create ${id}`, rtSync(rt, ['create', '--bundle', BUNDLE_SECCOMP, id], { capture: 'file' }));
      deleteForce(rt, id);
      return r;
    },
  });
}

export async function rowsLifecycle(active) {
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

// What containerd's shim writes for an exec (its process.json): the
// container's process (containerd's default spec: user and groups, 14
// capabilities, RLIMIT_NOFILE 1024, no_new_privs) with the command. A
// terminal one for the -t row. The limit is one any host allows: a higher
// hard limit needs CAP_SYS_RESOURCE, which some sandboxes lack.
function writeExecProcess(name, terminal) {
  const caps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
  const file = path.join(path.dirname(BUNDLE_TRUE), name);
  fs.writeFileSync(file, JSON.stringify({
    terminal,
    user: { uid: 0, gid: 0, additionalGids: [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27] },
    args: ['/bin/true'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=bench'],
    cwd: '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  }));
  return file;
}

// A --console-socket peer, as containerd's shim is for exec -t: takes each
// pty master it is sent and closes it (bench/console-sink.py).
function consoleSink() {
  const sock = path.join(path.dirname(BUNDLE_TRUE), 'console.sock');
  const child = spawn('python3', [path.join(path.dirname(fileURLToPath(import.meta.url)), 'console-sink.py'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((resolve) => {
    child.stdout.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  return { sock, ready, stop: () => child.exitCode === null && child.kill('SIGKILL') };
}

// state, kill and exec against one running container per runtime.
export async function rowsRunning(active) {
  const state = addRow('state', 'state (running)');
  const kill = addRow('kill', 'kill CONT (running)');
  const exec = addRow('exec', 'exec /bin/true');
  const execProc = addRow('exec-process', 'exec --process (as containerd sends it)');
  const execTty = addRow('exec-tty', 'exec -t --process (as containerd sends it)');
  const processFile = writeExecProcess('exec-process.json', false);
  const ttyFile = writeExecProcess('exec-process-tty.json', true);
  const pidFile = path.join(path.dirname(BUNDLE_TRUE), 'exec.pid');
  const sink = consoleSink();
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
        for (const r of [state, kill, exec, execProc, execTty]) r.values[rt.name] = { error: err.message };
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
    // As containerd's shim runs it (go-runc): --process, --detach, --pid-file,
    // and --console-socket for -t.
    const execArgs = (rt) => ['exec', '--process', processFile, '--detach', '--pid-file', pidFile, running.get(rt)];
    const ttyArgs = (rt) => ['exec', '--process', ttyFile, '--console-socket', sink.sock, '--detach', '--pid-file', pidFile, running.get(rt)];
    const sinkUp = await sink.ready;
    for (const [row, argsOf, what] of [[execProc, execArgs, 'exec --process'], [execTty, ttyArgs, 'exec -t --process']]) {
      if (row === execTty && !sinkUp) {
        for (const rt of canExec) row.values[rt.name] = { unsupported: 'no console socket peer (python3)' };
        continue;
      }
      const can = [];
      for (const rt of canExec) {
        const r = rtSync(rt, argsOf(rt), { capture: 'file' });
        if (r.ok) can.push(rt);
        else row.values[rt.name] = { unsupported: firstLine(r.err) || r.why };
      }
      await measure(row, can, { once: (rt) => must(rt, what, rtSync(rt, argsOf(rt), { capture: 'file' })) });
    }
    // Still running after all those signals and execs?
    for (const rt of ready) {
      const st = stateOf(rt, running.get(rt));
      if (st.status !== 'running') log(`warning: ${rt.name}: the container is ${st.status} after the state/kill/exec rows`);
    }
  } finally {
    sink.stop();
    for (const [rt, id] of running) deleteForce(rt, id);
  }
}

export async function rowList(active) {
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

export async function rowRss(active) {
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

export async function rowConcurrent(active) {
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
