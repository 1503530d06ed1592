#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof): self time by area (runts's
// own code, each package, node's internals, GC, idle), and the top functions.
//   node bench/profile/cpuprofile-summary.mjs FILE.cpuprofile [--top N]
import * as fs from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: cpuprofile-summary.mjs FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 15;
// --inclusive REGEX: also the inclusive time (self + callees) of functions whose
// "name url" matches, e.g. --inclusive 'cacheHelpMessage|parseAsync'.
const inclArg = process.argv.indexOf('--inclusive');
const inclusiveRe = inclArg > 0 ? new RegExp(process.argv[inclArg + 1]) : undefined;
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map(); // node id -> microseconds
const deltas = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = deltas[i + 1] ?? 0; // the time until the next sample belongs to this one
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(cf) {
  const url = cf.url || '';
  const fn = cf.functionName;
  if (!url) {
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(idle)') return 'idle (waiting: child processes, I/O)';
    if (fn === '(program)') return '(program): V8/node native, not JS';
    return `native ${fn || '(anonymous)'}`;
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return `pkg ${m[1]}`;
  if (url.endsWith('validators.cjs')) return 'runts build/validators.cjs';
  if (url.startsWith('node:internal/modules') || url.includes('internal/modules/')) return 'node module loader';
  if (url.startsWith('node:')) return 'node internals (other)';
  if (url.includes('/build/') || url.includes('/bin/runts')) return 'runts code';
  return url;
}

const areas = new Map();
const funcs = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const a = area(cf);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const key = `${cf.functionName || '(anonymous)'} ${(cf.url || '').replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(build|bin)\//, '$1/')}:${cf.lineNumber + 1}`;
  funcs.set(key, (funcs.get(key) ?? 0) + us);
}
const parentOf = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const labelOf = (cf) => `${cf.functionName || '(anonymous)'} ${(cf.url || '').replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(build|bin)\//, '$1/')}:${cf.lineNumber + 1}`;
const inclusive = new Map();
if (inclusiveRe) {
  for (const [id, us] of self) {
    const keys = new Set();
    for (let p = id; p !== undefined; p = parentOf.get(p)) {
      const key = labelOf(byId.get(p).callFrame);
      if (inclusiveRe.test(key)) keys.add(key);
    }
    for (const k of keys) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const ms = (us) => (us / 1000).toFixed(1).padStart(7);
const pct = (us) => ((100 * us) / total).toFixed(0).padStart(3) + '%';
console.log(`${file}: ${(total / 1000).toFixed(1)} ms profiled, ${prof.samples.length} samples`);
console.log('self time by area:');
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`${ms(us)} ms ${pct(us)}  ${a}`);
console.log(`top ${top} functions by self time:`);
for (const [f, us] of [...funcs].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${ms(us)} ms ${pct(us)}  ${f}`);
if (inclusiveRe) {
  console.log(`inclusive time of functions matching ${inclusiveRe}:`);
  for (const [f, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${ms(us)} ms ${pct(us)}  ${f}`);
}
