// The report: the table of medians and ratios, and CPU per command.
import { RUNTIMES } from './runtimes.mjs';
import { ROWS } from './measure.mjs';

export const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

function cell(v, unit) {
  if (!v) return '-';
  if (v.unsupported !== undefined) return 'not supported';
  if (v.error !== undefined) return 'failed';
  return fmt(v.median, unit === 'MiB' ? 2 : 1);
}

// The floor a row's ratios use: its own interleaved samples of `node -e 0`
// (times the Node starts it holds), else the floor row's.
export function floorFor(r, floor) {
  return (r.floor?.median ?? floor) * (r.floorCount ?? 1);
}

export function tableOf(floor, showCrun) {
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
export function cpuTableOf() {
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
