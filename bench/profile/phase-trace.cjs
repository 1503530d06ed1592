// Preload (node -r) that stamps CLOCK_MONOTONIC (process.hrtime, the same
// clock in every process) at points of a runts command, one JSON line each
// into $PHASE_TRACE_OUT. bench/profile/phases.mjs spawns runts with it and
// adds its own stamps before the spawn and after the exit.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const out = process.env.PHASE_TRACE_OUT;
const stamp = (mark) => {
  if (out) fs.appendFileSync(out, JSON.stringify({ mark, ns: String(process.hrtime.bigint()) }) + '\n');
};
stamp('preload (node booted)');
// In the order a command meets them: [pattern, label, when] where when is
// 'after' (its first require() returned), 'every' (each command module, after;
// phases.mjs keeps the last of a run) or 'before' (its first require() begins).
const want = [
  [/\/build\/main\.js$/, 'build/main.js + yargs loaded', 'after'],
  [/\/build\/cli\/(?!common)[^/]+\.js$/, 'build/cli/* loaded (yargs set up)', 'every'],
  [/\/build\/container\/[^/]+\.js$/, 'yargs parsed: the handler requires its module', 'before'],
  [/\/build\/validators\.cjs$/, 'validators.cjs loaded', 'after'],
  [/\/node_modules\/koffi\/index\.c?js$/, 'koffi loaded', 'after'],
];
const origLoad = Module._load;
const seen = new Set();
Module._load = function (request, parent, isMain) {
  let file;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    return origLoad.apply(this, arguments);
  }
  if (seen.has(file)) return origLoad.apply(this, arguments);
  seen.add(file);
  const hits = want.filter((w) => !w.done && w[0].test(file));
  for (const w of hits.filter((h) => h[2] === 'before')) {
    w.done = true;
    stamp(w[1]);
  }
  const res = origLoad.apply(this, arguments);
  for (const w of hits.filter((h) => h[2] !== 'before')) {
    if (w[2] === 'after') w.done = true;
    stamp(w[1]);
  }
  return res;
};
const cp = require('node:child_process');
const origSpawn = cp.spawn;
let spawned = false;
cp.spawn = function (...args) {
  if (!spawned) {
    spawned = true;
    stamp('spawn of the init');
    const child = origSpawn.apply(this, args);
    stamp('spawn returned');
    // The sync socket is the last stdio entry: stamp the plan going out (after
    // the cgroup join) and the init's first message and its "notify ready".
    const sock = child.stdio[child.stdio.length - 1];
    if (sock && typeof sock.write === 'function') {
      const origWrite = sock.write;
      let wrote = false;
      sock.write = function (...a) {
        if (!wrote) {
          wrote = true;
          stamp('cgroups joined, plan sent');
        }
        return origWrite.apply(this, a);
      };
      let heard = false;
      sock.on('data', (chunk) => {
        if (!heard) {
          heard = true;
          stamp('first message from the init');
        }
        if (String(chunk).includes('notify ready')) stamp('init: notify ready');
      });
    }
    child.once('exit', () => stamp('init stage 0 exited'));
    return child;
  }
  return origSpawn.apply(this, args);
};
process.once('exit', () => stamp("process 'exit' event"));
