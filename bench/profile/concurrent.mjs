#!/usr/bin/env node
// The benchmark's "50 concurrent create+start+delete" row on its own, for
// several runtimes (or several builds of runts) interleaved round by round,
// with the CPU of the whole row: `perf stat -e task-clock` of a child that
// runs one round, so every process the commands start (inits, waiters,
// the containers' sleeps) is counted, not only those this process reaps.
// (docs/performance.md, item 37.)
//   node bench/profile/concurrent.mjs [--rounds N] [--n 50] NAME=BIN ...
// e.g. main=bin/runts old=../old/bin/runts runc=/usr/sbin/runc. A variant
// named "harness" with BIN /bin/true measures what this driver itself
// costs (its Node, its 150 spawns), to subtract from the others.
// Per round and variant: wall of create+start (all at once, each start after
// its create, as the row), wall of delete -f (all at once), CPU of the
// whole round (the untimed `list` between the phases included, as in the
// row's own CPU column), and the reaped commands' CPU split into the two
// phases (from /proc/self/stat, ticks of 10 ms). Failures, containers not
// running after start, and leaks (state directories, cgroup directories,
// mounts) are counted after each round.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cgroupDirsWhere, mountsMentioning } from '../leaks.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const childCpuMs = () => {
  const rest = fs.readFileSync('/proc/self/stat', 'latin1');
  const f = rest.slice(rest.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
};

// The environment bin/runts gives Node (start-cost.mjs says why).
const ENV = { ...process.env };
delete ENV.NODE_OPTIONS;
delete ENV.NODE_EXTRA_CA_CERTS;

if (process.argv[2] === '--one') oneRound(...process.argv.slice(3));
else main();

// One round, in a child under perf stat: prints one JSON line.
async function oneRound(bin, root, bundle, n, prefix) {
  const run = (args, out) =>
    new Promise((resolve) => {
      const fd = out ? fs.openSync(out, 'w') : 'ignore';
      const c = spawn(bin, ['--root', root, ...args], { stdio: ['ignore', fd, out ? fd : 'ignore'] });
      if (out) fs.closeSync(fd);
      c.on('error', (e) => resolve(`${args[0]}: ${e.code}`));
      c.on('close', (code, sig) => resolve(code === 0 ? '' : `${args[0]} ${args[args.length - 1]}: ${sig ?? `exit ${code}`}${out ? ` ${fs.readFileSync(out, 'utf8').trim().split('\n').pop()}` : ''}`));
    });
  const ids = Array.from({ length: Number(n) }, (_, i) => `${prefix}-${i}`);
  const logs = path.join(root, '..', 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const c0 = childCpuMs();
  const t0 = nowMs();
  const ups = await Promise.all(
    ids.map(async (id) => (await run(['create', '--bundle', bundle, id], path.join(logs, id))) || run(['start', id])),
  );
  const t1 = nowMs();
  const c1 = childCpuMs();
  const listed = spawnSync(bin, ['--root', root, 'list', '--format', 'json'], { encoding: 'utf8' });
  let notRunning = 0;
  try {
    const st = new Map((JSON.parse(listed.stdout || '[]') ?? []).map((e) => [e.id, e.status]));
    notRunning = ids.filter((id) => st.get(id) !== 'running').length;
  } catch {
    notRunning = ids.length;
  }
  const c2 = childCpuMs();
  const t2 = nowMs();
  const downs = await Promise.all(ids.map((id) => run(['delete', '-f', id])));
  const t3 = nowMs();
  const c3 = childCpuMs();
  const failures = [...ups, ...downs].filter(Boolean);
  process.stdout.write(JSON.stringify({ up: t1 - t0, down: t3 - t2, upCpu: c1 - c0, downCpu: c3 - c2, notRunning, failures }) + '\n');
}

function main() {
  const args = process.argv.slice(2);
  let rounds = 6;
  let n = 50;
  const variants = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--rounds') rounds = Number(args[++i]);
    else if (args[i] === '--n') n = Number(args[++i]);
    else if (/^[\w.-]+=/.test(args[i])) {
      const [name, bin] = [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)];
      variants.push({ name, bin: path.resolve(bin), got: [] });
    } else usage();
  }
  if (!variants.length || !(rounds > 0) || !(n > 0)) usage();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-conc-'));
  const prefix = `cc${process.pid}`;
  const cleanup = () => {
    for (const v of variants) {
      for (const id of fs.existsSync(v.root) ? fs.readdirSync(v.root) : []) spawnSync(v.bin, ['--root', v.root, 'delete', '-f', id], { stdio: 'ignore' });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));

  // The row's bundle: runc's default config (as bench/setup.mjs), sleep, a read-only rootfs.
  const bundle = path.join(tmp, 'bundle');
  const rootfs = path.join(bundle, 'rootfs');
  const mk = spawnSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [rootfs], { stdio: 'inherit' });
  if (mk.status !== 0) process.exit(1);
  const specBy = variants.find((v) => path.basename(v.bin) === 'runc') ?? variants.find((v) => path.basename(v.bin) === 'runts');
  spawnSync(specBy.bin, ['spec'], { cwd: bundle });
  const c = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  Object.assign(c.process, { terminal: false, args: ['sleep', '1000000'] });
  c.root = { path: rootfs, readonly: true };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(c, null, '\t') + '\n');

  const perfOut = path.join(tmp, 'perf.csv');
  let seq = 0;
  const once = (v) => {
    v.root ??= path.join(tmp, `root-${v.name}`);
    const p = `${prefix}${v.name.replace(/[^\w]/g, '')}r${seq++}`;
    const r = spawnSync('perf', ['stat', '-x,', '-o', perfOut, '-e', 'task-clock', '--', process.execPath, fileURLToPath(import.meta.url), '--one', v.bin, v.root, bundle, String(n), p], {
      env: ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = fs.readFileSync(perfOut, 'utf8').split('\n').find((l) => l.split(',')[2] === 'task-clock');
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    res.cpu = Number(line.split(',')[0]);
    res.leaks = leaks(v.root, p);
    return res;
  };
  const loads = [fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]];
  for (let r = -1; r < rounds; r++) {
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(j + Math.max(r, 0)) % variants.length];
      const res = once(v);
      if (r >= 0) v.got.push(res);
      process.stderr.write(
        `round ${r < 0 ? 'warm-up' : r} ${v.name}: up ${res.up.toFixed(0)} down ${res.down.toFixed(0)} ms, CPU ${res.cpu.toFixed(0)} ms (reaped: up ${res.upCpu} down ${res.downCpu}), ${res.failures.length} failed, ${res.notRunning} not running, ${res.leaks} leaked${res.failures[0] ? ` (${res.failures[0]})` : ''}\n`,
      );
    }
    loads.push(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  }
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`${rounds} rounds of ${n} containers, load ${loads.join(' ')}; medians`);
  console.log(`${'variant'.padEnd(10)} ${'whole ms'.padStart(9)} ${'up ms'.padStart(7)} ${'down ms'.padStart(8)} ${'CPU ms'.padStart(8)} ${'CPU range'.padStart(11)} ${'up CPU'.padStart(7)} ${'down CPU'.padStart(8)}  failed/not running/leaked`);
  for (const v of variants) {
    const g = v.got;
    const cpus = g.map((x) => x.cpu).sort((a, b) => a - b);
    console.log(
      `${v.name.padEnd(10)} ${med(g.map((x) => x.up + x.down)).toFixed(0).padStart(9)} ${med(g.map((x) => x.up)).toFixed(0).padStart(7)} ${med(g.map((x) => x.down)).toFixed(0).padStart(8)} ${med(cpus).toFixed(0).padStart(8)} ${`${cpus[0].toFixed(0)}-${cpus[cpus.length - 1].toFixed(0)}`.padStart(11)} ${String(med(g.map((x) => x.upCpu))).padStart(7)} ${String(med(g.map((x) => x.downCpu))).padStart(8)}  ${g.reduce((a, x) => a + x.failures.length, 0)}/${g.reduce((a, x) => a + x.notRunning, 0)}/${g.reduce((a, x) => a + x.leaks, 0)}`,
    );
  }
}

// State directories, cgroup directories and mounts left by the round's IDs
// (bench/leaks.mjs's walkers, by the round's prefix instead of a list).
function leaks(root, prefix) {
  const ours = (name) => name.startsWith(prefix + '-');
  let count = 0;
  try {
    count += fs.readdirSync(root).filter(ours).length;
  } catch {
    /* no root */
  }
  return count + cgroupDirsWhere(ours).length + mountsMentioning(prefix + '-').length;
}

function usage() {
  process.stderr.write('usage: concurrent.mjs [--rounds N] [--n 50] NAME=BIN ...\n');
  process.exit(2);
}
