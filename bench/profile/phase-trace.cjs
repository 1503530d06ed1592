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
// In the order a command meets them; each is stamped once, when its first
// require() returns.
const want = [
  [/\/build\/main\.js$/, 'build/main.js + yargs loaded'],
  [/\/build\/cli\/spec\.js$/, 'all 8 build/cli/* loaded (yargs set up)'],
  [/\/build\/container\/(state|list|kill|run|create|start|delete)\.js$/, 'yargs parsed, command module loaded'],
  [/\/build\/validators\.cjs$/, 'validators.cjs loaded'],
  [/\/node_modules\/koffi\/index\.c?js$/, 'koffi loaded'],
];
const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  const res = origLoad.apply(this, arguments);
  let file;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    return res;
  }
  for (const w of want) {
    if (!w.done && w[0].test(file)) {
      w.done = true;
      stamp(w[1]);
    }
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
