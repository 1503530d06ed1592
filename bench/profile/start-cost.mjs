#!/usr/bin/env node
// CPU time and page faults of whole commands, variants interleaved round by
// round, medians (docs/performance.md, item 36). On a shared or loaded host
// CPU time and fault counts move far less than wall time, so this is the
// tool for "does this flag or this Node start faster".
//   node bench/profile/start-cost.mjs [--rounds N] VARIANTS.json
// VARIANTS.json: [{"name": "...", "argv": ["node", "-e", "0"], "env": {...},
//   "after": ["runts", "delete", "-f", "x"]}, ...]; env is added to this
// process's; "after" runs untimed after each sample (e.g. a delete after a
// create). Each sample is `perf stat -x, -e task-clock,page-faults` of the
// argv: CPU of the command and every process it starts, and their faults.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
let rounds = 20;
const at = args.indexOf('--rounds');
if (at >= 0) rounds = Number(args.splice(at, 2)[1]);
if (args.length !== 1 || !(rounds > 0)) {
  process.stderr.write('usage: start-cost.mjs [--rounds N] VARIANTS.json\n');
  process.exit(2);
}
const variants = JSON.parse(fs.readFileSync(args[0], 'utf8'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The environment bin/runts gives Node: without these two (native/launcher.c
// says why), which would otherwise make every bare `node` slower.
const ENV = { ...process.env };
delete ENV.NODE_OPTIONS;
delete ENV.NODE_EXTRA_CA_CERTS;
// perf writes to a file: a detached container keeps the command's stdio
// open, so a pipe would never see its end.
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'start-cost-'));
const OUT = path.join(TMP, 'perf.csv');
process.on('exit', () => fs.rmSync(TMP, { recursive: true, force: true }));
function sample(v) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('perf', ['stat', '-x,', '-o', OUT, '-e', 'task-clock,page-faults', '--', ...v.argv], {
    env: { ...ENV, ...v.env },
    stdio: 'ignore',
  });
  r.stderr = fs.readFileSync(OUT, 'utf8');
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (v.after) spawnSync(v.after[0], v.after.slice(1), { stdio: 'ignore' });
  const field = (event) => {
    const line = r.stderr.split('\n').find((l) => l.split(',')[2] === event);
    return line ? Number(line.split(',')[0]) : NaN;
  };
  if (r.status !== 0) throw new Error(`${v.name}: exit ${r.status}`);
  return { cpu: field('task-clock'), faults: field('page-faults'), wall };
}

const got = variants.map(() => []);
const load0 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
// Each round starts at another variant, so that none always follows the same.
for (let r = 0; r < rounds; r++)
  for (let j = 0; j < variants.length; j++) {
    const i = (j + r) % variants.length;
    got[i].push(sample(variants[i]));
  }
const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

console.log(`${rounds} rounds, load ${load0} -> ${load1}; medians (p25-p75 of CPU)`);
console.log(`${'variant'.padEnd(56)} ${'CPU ms'.padStart(8)} ${'p25-p75'.padStart(13)} ${'faults'.padStart(7)} ${'wall ms'.padStart(8)}`);
for (let i = 0; i < variants.length; i++) {
  const cpu = got[i].map((s) => s.cpu).sort((a, b) => a - b);
  const q = (p) => cpu[Math.min(cpu.length - 1, Math.floor(p * cpu.length))].toFixed(1);
  console.log(
    `${variants[i].name.padEnd(56)} ${median(cpu).toFixed(1).padStart(8)} ${`${q(0.25)}-${q(0.75)}`.padStart(13)} ${String(median(got[i].map((s) => s.faults))).padStart(7)} ${median(got[i].map((s) => s.wall)).toFixed(1).padStart(8)}`,
  );
}
