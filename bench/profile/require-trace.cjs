// Preload (node -r) that records every module a process loads: the file, the
// inclusive time of its first require() (children included) and its self
// time (children excluded). At exit it prints a JSON summary on fd 2, or
// writes it to $REQUIRE_TRACE_OUT. Used by docs/performance.md:
//   node -r ./bench/profile/require-trace.cjs bin/runts.js --root R state ID
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const t0 = process.hrtime.bigint();
const loads = [];
const seen = new Set();
const stack = []; // children time accumulated per open require
const origLoad = Module._load;
const builtin = new Set(Module.builtinModules);
Module._load = function (request, parent, isMain) {
  let file = request;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    /* let the real _load report it */
  }
  const fresh = !seen.has(file) && !builtin.has(request.replace(/^node:/, ''));
  if (!fresh) return origLoad.apply(this, arguments);
  seen.add(file);
  const frame = { children: 0 };
  stack.push(frame);
  const start = process.hrtime.bigint();
  try {
    return origLoad.apply(this, arguments);
  } finally {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    stack.pop();
    if (stack.length) stack[stack.length - 1].children += ms;
    loads.push({ file, ms, self: ms - frame.children });
  }
};
const round = (x) => Math.round(x * 100) / 100;
const short = (f) => (f.includes('/node_modules/') ? f.replace(/^.*\/node_modules\//, '') : f.replace(/^.*\/(build|bin)\//, '$1/'));
const pkgOf = (f) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
  if (m) return m[1];
  if (f.endsWith('validators.cjs')) return 'runts build/validators.cjs';
  return 'runts';
};
process.on('exit', () => {
  const byPackage = {};
  for (const l of loads) {
    const p = (byPackage[pkgOf(l.file)] ??= { files: 0, selfMs: 0 });
    p.files++;
    p.selfMs += l.self;
  }
  for (const p of Object.values(byPackage)) p.selfMs = round(p.selfMs);
  const out = {
    argv: process.argv.slice(2),
    msSincePreload: round(Number(process.hrtime.bigint() - t0) / 1e6),
    modules: loads.length,
    requireMsTotal: round(loads.reduce((s, l) => s + l.self, 0)),
    byPackage,
    slowestInclusive: [...loads].sort((a, b) => b.ms - a.ms).slice(0, 12).map((l) => `${round(l.ms)} ms ${short(l.file)}`),
    files: loads.map((l) => short(l.file)),
    slowestSelf: [...loads].sort((a, b) => b.self - a.self).slice(0, 12).map((l) => `${round(l.self)} ms ${short(l.file)}`),
  };
  const text = JSON.stringify(out, null, 2) + '\n';
  if (process.env.REQUIRE_TRACE_OUT) fs.writeFileSync(process.env.REQUIRE_TRACE_OUT, text);
  else fs.writeSync(2, text);
});
