// Small helpers: stderr lines, clocks (wall and the children's CPU),
// finding a binary, the statistics of a sample.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const log = (msg) => {
  try {
    process.stderr.write(`bench: ${msg}\n`);
  } catch {
    /* stderr gone: keep going, cleanup matters more */
  }
};
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
// CPU time (user + system) of this process's reaped children, in ms, from
// /proc/self/stat (cutime + cstime, in clock ticks of 10 ms): a command's
// own CPU, and that of the children it waited for, once we have reaped it.
const TICK_MS = 10;
export function childCpuMs() {
  try {
    const text = fs.readFileSync('/proc/self/stat', 'latin1');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}
export const firstLine = (s) => String(s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';

export function which(name, fallbacks) {
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

export function stats(samples) {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  const round = (x) => Math.round(x * 1000) / 1000;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), mean: round(mean), n: s.length, samples: s.map(round) };
}
