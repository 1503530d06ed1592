#!/usr/bin/env node
// The systemd cgroup manager's price: what `create --systemd-cgroup` adds
// over the cgroupfs manager, runts side by side with runc in one run, as a
// ratio (docs/performance.md). Only where systemd is PID 1 (the stock-host
// VM: RUNTS_V2_CMD='make bench-systemd' scripts/v2-host/run.sh); elsewhere
// it prints why it skips and exits 0.
//
//   node bench/systemd.mjs [--iterations N] [--warmup N] [--in-place]
//
// Each sample: create (a detached sleep) with the cgroupfs manager, timed,
// then delete -f, untimed; the same with --systemd-cgroup (the runtime's
// default scope, <runtime>-<id>.scope in system.slice). The runtimes and the
// two managers are interleaved sample by sample, so that drift in the
// host's load hits them alike. Measurements, never assertions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { N, WARMUP } from './options.mjs';
import { log, stats } from './util.mjs';
import { BenchError, BUNDLE_SLEEP, byName, deleteForce, must, newId, rtSync, tick } from './runtimes.mjs';
import { buildBundle, copyRunts, probe, versionOf } from './setup.mjs';
import { cleanup } from './cleanup.mjs';
import { runBench } from './entry.mjs';

const MODES = [
  { key: 'cgroupfs', flags: [] },
  { key: 'systemd', flags: ['--systemd-cgroup'] },
];

function skipReason() {
  let pid1 = '';
  try {
    pid1 = fs.readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    /* no /proc */
  }
  if (pid1 !== 'systemd') return `needs systemd as PID 1 (PID 1 here is ${pid1 || 'unknown'}): run it in the stock-host VM (RUNTS_V2_CMD='make bench-systemd' scripts/v2-host/run.sh)`;
  if (process.getuid?.() !== 0) return 'needs root';
  return undefined;
}

async function main() {
  const why = skipReason();
  if (why) {
    log(`systemd rows skipped: ${why}`);
    return;
  }
  const started = new Date();
  const load = os.loadavg()[0];
  const under = copyRunts();
  buildBundle();
  const runtimes = ['runts', 'runc'].map(byName);
  for (const rt of runtimes) probe(rt);
  const active = runtimes.filter((rt) => rt.active);
  for (const rt of runtimes) log(`${rt.name}: ${rt.bin ?? '(not installed)'}: ${rt.status}`);
  if (!byName('runts').active) throw new BenchError(`runts cannot run /bin/true here: ${byName('runts').status}`);
  const samples = new Map(active.map((rt) => [rt.name, { cgroupfs: [], systemd: [] }]));
  log(`create with cgroupfs and --systemd-cgroup: ${N} samples each, ${WARMUP} warm-up`);
  for (let i = -WARMUP; i < N; i++) {
    const pairs = active.flatMap((rt) => MODES.map((m) => [rt, m]));
    const order = pairs.map((_, k) => pairs[(k + i + WARMUP) % pairs.length]);
    for (const [rt, mode] of order) {
      await tick();
      const id = newId(`sd-${mode.key}`);
      rt.ids.add(id);
      const r = must(rt, `${mode.flags.join(' ')} create ${id}`.trim(), rtSync(rt, [...mode.flags, 'create', '--bundle', BUNDLE_SLEEP, id], { capture: 'file' }));
      must(rt, `delete -f ${id}`, deleteForce(rt, id));
      if (i >= 0) samples.get(rt.name)[mode.key].push(r.ms);
    }
  }
  const f = (x, d = 0) => (x === undefined ? '-' : x.toFixed(d));
  const rows = [];
  for (const rt of active) {
    const s = samples.get(rt.name);
    const fs_ = stats(s.cgroupfs);
    const sd = stats(s.systemd);
    rows.push({ name: rt.name, cgroupfs: fs_.median, systemd: sd.median, added: sd.median - fs_.median, ratio: sd.median / fs_.median });
  }
  const runts = rows.find((r) => r.name === 'runts');
  const runc = rows.find((r) => r.name === 'runc');
  const out = [];
  out.push(`runts systemd-manager benchmark, ${started.toISOString()} (${os.hostname()}, ${os.cpus().length} CPUs, Linux ${os.release()}, node ${process.version}); load average ${load.toFixed(1)} at the start`);
  out.push(`runts ${under.commit ?? '?'}${under.dirty ? ' + uncommitted changes' : ''}; ${active.filter((r) => r.name !== 'runts').map((r) => versionOf(r)?.split(';')[0]).join(', ')}`);
  out.push(`create (detached sleep), medians of ${N} samples, ms`);
  out.push('');
  out.push('runtime   cgroupfs   --systemd-cgroup   added   systemd/cgroupfs');
  for (const r of rows) out.push(`${r.name.padEnd(8)}  ${f(r.cgroupfs).padStart(8)}   ${f(r.systemd).padStart(16)}   ${f(r.added).padStart(5)}   ${f(r.ratio, 2).padStart(16)}`);
  if (runts && runc) {
    out.push('');
    out.push(`runts/runc: cgroupfs ${f(runts.cgroupfs / runc.cgroupfs, 2)}, --systemd-cgroup ${f(runts.systemd / runc.systemd, 2)}; time added by the systemd manager, runts/runc ${f(runts.added / runc.added, 2)}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

await runBench(main, cleanup);
