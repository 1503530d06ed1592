#!/usr/bin/env node
// Where a runts command's wall time goes, without a tracer: runts runs under
// the phase-trace.cjs preload; the marks are CLOCK_MONOTONIC stamps, so this
// process's own stamps (before spawn, after exit) line up with them. Median
// of K runs per phase.
//   node bench/profile/phases.mjs K -- bin/runts.js --root R run -b BUNDLE '{id}'
// '{id}' in the arguments becomes a fresh container ID for each run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sep = process.argv.indexOf('--');
const K = Number(process.argv[2]) || 9;
const cmd = process.argv.slice(sep + 1);
if (sep < 0 || cmd.length === 0) {
  process.stderr.write("usage: phases.mjs K -- RUNTS_BIN ARGS... ('{id}' is replaced by a fresh ID)\n");
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-phases-'));
const runs = [];
try {
  for (let i = -2; i < K; i++) {
    const file = path.join(tmp, `p${i + 2}`);
    const args = cmd.slice(1).map((a) => a.replace('{id}', `ph${process.pid}-${i + 2}`));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-r', path.join(here, 'phase-trace.cjs'), cmd[0], ...args], { stdio: 'ignore', env: { ...process.env, PHASE_TRACE_OUT: file } });
    const t1 = process.hrtime.bigint();
    if (r.status !== 0) throw new Error(`${cmd.join(' ')}: status ${r.status}`);
    // A mark stamped several times in a row (one per command module) counts once, at its last.
    const marks = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m, k, all) => all[k + 1]?.mark !== m.mark);
    if (i >= 0) runs.push([{ mark: 'spawned by the parent', ns: String(t0) }, ...marks, { mark: 'exited (seen by the parent)', ns: String(t1) }]);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// Phases between consecutive marks, keyed by "from -> to".
const phases = new Map();
for (const marks of runs) {
  for (let k = 1; k < marks.length; k++) {
    const key = `${marks[k - 1].mark} -> ${marks[k].mark}`;
    if (!phases.has(key)) phases.set(key, []);
    phases.get(key).push(Number(BigInt(marks[k].ns) - BigInt(marks[k - 1].ns)) / 1e6);
  }
}
const totals = runs.map((m) => Number(BigInt(m[m.length - 1].ns) - BigInt(m[0].ns)) / 1e6);
console.log(`${cmd.join(' ')}: median of ${K} (ms), total ${median(totals).toFixed(1)}`);
for (const [key, xs] of phases) console.log(`${median(xs).toFixed(1).padStart(8)}  ${key}${xs.length < runs.length ? ` (in ${xs.length}/${runs.length} runs)` : ''}`);
