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
//
// The parts, by where a reader would look for them:
//   options.mjs   the command line and the rows' sizes
//   util.mjs      stderr lines, clocks, statistics
//   runtimes.mjs  the workspace, the runtimes compared, one command run and timed
//   setup.mjs     the copy of runts under test, the bundles, which runtimes run here
//   measure.mjs   the measurement loop and the node -e 0 floor
//   rows.mjs      the rows: what each one measures
//   leaks.mjs     what a runtime may leave behind
//   cleanup.mjs   the end of every run
//   entry.mjs     main, its error and cleanup, the exit (systemd.mjs's too)
//   report.mjs    the tables
//   targets.mjs   the performance targets, judged on the rows
//   bench.mjs     this: the order of the rows, the report and the JSON written
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// options.mjs first: it parses the arguments (and may exit) before
// runtimes.mjs makes the workspace.
import { CONCURRENT, HEAVY, HEAVY_WARMUP, LIST_COUNT, N, OPTS, WARMUP } from './options.mjs';
import { log } from './util.mjs';
import { BenchError, byName, inFlight, RUNTIMES, TMP } from './runtimes.mjs';
import { buildBundle, copyRunts, probe, versionOf } from './setup.mjs';
import { ROWS } from './measure.mjs';
import { rowConcurrent, rowCreateSeccomp, rowFloor, rowList, rowRss, rowRun, rowsLifecycle, rowsRunning } from './rows.mjs';
import { cleanup } from './cleanup.mjs';
import { runBench } from './entry.mjs';
import { cpuTableOf, fmt, tableOf } from './report.mjs';
import { targets } from './targets.mjs';

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
  log("create with an engine's seccomp profile");
  await rowCreateSeccomp(active, bundle.seccomp);
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
  for (const row of ROWS.filter((r) => r.key.startsWith('exec'))) {
    for (const [name, v] of Object.entries(row.values)) if (v?.unsupported !== undefined) report.push(`${row.label}, ${name}: not supported (${v.unsupported})`);
  }
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

await runBench(main, cleanup);
