#!/usr/bin/env node
// What loading each piece of runts costs, each measured in a fresh node
// process (the first require is the one every runts command pays), median
// of K runs. Also the wall time of whole processes that load them.
//   node bench/profile/load-costs.mjs [K] [--state ROOT ID]
// With --state (a running container under runts's --root ROOT), also
// `runts state` against the same work without yargs (state-no-yargs.cjs).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const K = Number(process.argv[2]) || 15;
const stateAt = process.argv.indexOf('--state');
const [stateRoot, stateId] = stateAt > 0 ? process.argv.slice(stateAt + 1, stateAt + 3) : [];
const CLI = fs.readdirSync(path.join(REPO, 'build', 'cli')).filter((f) => f.endsWith('.js') && f !== 'common.js');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// In-process: hrtime around one require (or one snippet), in a fresh process.
const inProc = {
  'build/errors.js (one tiny file: the first require() itself)': `require(${JSON.stringify(REPO + '/build/errors.js')})`,
  'yargs (require)': `require(${JSON.stringify(REPO + '/node_modules/yargs')})`,
  'koffi (require)': `require(${JSON.stringify(REPO + '/node_modules/koffi')})`,
  "koffi (require + load('libc.so.6') + 6 funcs, as getLibc)": `require(${JSON.stringify(REPO + '/build/sys/libc.js')}).getLibc()`,
  'build/validators.cjs (require)': `require(${JSON.stringify(REPO + '/build/validators.cjs')})`,
  'ajv (require; not used at run time)': `require(${JSON.stringify(REPO + '/node_modules/ajv')})`,
  'build/main.js (require: yargs + runts core)': `require(${JSON.stringify(REPO + '/build/main.js')})`,
  [`build/cli/* (all ${CLI.length} command modules, as main.js loads them)`]: CLI.map((c) => `require(${JSON.stringify(REPO + '/build/cli/' + c)})`).join(';'),
  'build/container/state.js (what state needs)': `require(${JSON.stringify(REPO + '/build/container/state.js')})`,
  'build/container/create.js (create, without koffi/validators)': `require(${JSON.stringify(REPO + '/build/container/create.js')})`,
  'build/container/run.js': `require(${JSON.stringify(REPO + '/build/container/run.js')})`,
};

console.log(`load costs, median of ${K} fresh processes (ms)`);
for (const [name, code] of Object.entries(inProc)) {
  const xs = [];
  for (let i = 0; i < K; i++) {
    const src = `const t=process.hrtime.bigint();${code};process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    xs.push(Number(r.stdout));
  }
  console.log(`${median(xs).toFixed(2).padStart(8)}  ${name}`);
}

// Whole processes, wall clock from here.
const wall = {
  'node -e 0': ['-e', '0'],
  'node -e require(yargs)': ['-e', `require(${JSON.stringify(REPO + '/node_modules/yargs')})`],
  'node -e require(build/main.js)': ['-e', `require(${JSON.stringify(REPO + '/build/main.js')})`],
  'node bin/runts.js --version (no yargs)': [REPO + '/bin/runts.js', '--version'],
  'node bin/runts.js --help (yargs, all commands)': [REPO + '/bin/runts.js', '--help'],
};
if (stateRoot) {
  wall['node bin/runts.js state'] = [REPO + '/bin/runts.js', '--root', stateRoot, 'state', stateId];
  wall['the same state work without yargs (state-no-yargs.cjs)'] = [path.join(REPO, 'bench', 'profile', 'state-no-yargs.cjs'), '--root', stateRoot, 'state', stateId];
}
console.log(`\nwhole processes, median wall time of ${K} (ms)`);
for (const [name, args] of Object.entries(wall)) {
  const xs = [];
  for (let i = -2; i < K; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${name}: status ${r.status}`);
    if (i >= 0) xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`${median(xs).toFixed(1).padStart(8)}  ${name}`);
}
