// The measurement loop: the rows as they fill, the `node -e 0` floor taken
// in turn with each row's samples, and the runtimes interleaved sample by
// sample.
import { spawnSync } from 'node:child_process';
import { N, WARMUP } from './options.mjs';
import { childCpuMs, log, nowMs, stats } from './util.mjs';
import { BenchError, tick } from './runtimes.mjs';

export const ROWS = []; // { key, label, unit, values: { [rt]: stats | { error } | { unsupported } }, note? }

export function addRow(key, label, unit = 'ms') {
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
export const DROPPED_BY_LAUNCHER = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const NODE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DROPPED_BY_LAUNCHER.includes(k)));

// One `node -e 0`, timed like a runtime's command.
export function nodeOnce(env = NODE_ENV) {
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
export async function measure(row, runtimes, { iterations = N, warmup = WARMUP, once }) {
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
export function meanCpu(xs) {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length ? Math.round((10 * ok.reduce((a, b) => a + b, 0)) / ok.length) / 10 : undefined;
}
