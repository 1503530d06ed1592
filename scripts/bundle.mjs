#!/usr/bin/env node
// Builds what bin/runts starts (docs/performance.md, "Two ways in"): tsc's
// output (build/**/*.js, build/validators.cjs, build/version.json) goes into
// one script with a small module loader, in two forms.
//
//  - build/runts.blob, for create, run, exec and the rarer commands: a V8
//    startup snapshot. build/snapshot.js loads every module, runs the hot
//    paths once (src/warmup.ts) and names main() as the snapshot's entry;
//    `node --build-snapshot` saves the heap. A command finds everything
//    loaded and compiled instead of finding, reading and compiling dozens
//    of files.
//  - build/light.js, for state, list, kill, start and delete. A snapshot's
//    heap costs every start several milliseconds per MiB to deserialize,
//    more than these commands' own work. Their entry compiles
//    build/runts-light.js, which holds only the modules their warm-up
//    (src/warmup-light.ts) loads, from V8's code cache of it
//    (build/runts-light.cache, made after that warm-up, so that it holds
//    the bytecode of what ran). Any other module of src/ that a light
//    command needs is compiled from its file in build/ when first required,
//    into the same module table.
//
//   node scripts/bundle.mjs BUILD_DIR [SRC_DIR]
//
// The modules are those of SRC_DIR (default: src/ beside BUILD_DIR), compiled,
// plus the validators and version.json: whatever else lies in BUILD_DIR (the
// output of a deleted source file, say) stays out.
//
// Each module keeps its own function scope and __filename/__dirname. Anything
// outside build/ (node: built-ins, koffi, yargs) is required at run time,
// when first used: a snapshot holds no native addon.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = path.resolve(process.argv[2] ?? 'build');
const srcDir = path.resolve(process.argv[3] ?? path.join(root, '..', 'src'));
const entry = path.join(root, 'snapshot.js');
const fullBlob = path.join(root, 'runts.blob');
const lightScript = path.join(root, 'runts-light.js');
const lightCache = path.join(root, 'runts-light.cache');
const lightEntry = path.join(root, 'light.js');
// runts-light.blob: what builds before these made instead of light.js.
const outputs = [fullBlob, lightScript, lightCache, lightEntry, path.join(root, 'runts-light.blob')];

function sources(dir) {
  const found = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) found.push(path.relative(srcDir, p).replace(/\.ts$/, '.js'));
  }
  return found;
}

const rels = [...sources(srcDir), 'validators.cjs', 'version.json'].map((r) => r.split(path.sep).join('/')).sort();
const files = rels.map((r) => path.join(root, r));
const missing = files.find((f) => !fs.existsSync(f));
if (missing) {
  console.error(`bundle: ${missing} is missing: build first (make)`);
  process.exit(1);
}
function moduleTable(list) {
  const parts = ['const __runtsModules = {'];
  for (const rel of list) {
    let body = fs.readFileSync(path.join(root, rel), 'utf8');
    if (rel.endsWith('.json')) body = `module.exports = ${JSON.stringify(JSON.parse(body))};`;
    parts.push(`${JSON.stringify(rel)}: function (exports, require, module, __filename, __dirname) {\n${body}\n},`);
  }
  parts.push('};');
  return parts.join('\n');
}

// The loader: a module table keyed by the path relative to build/, whose
// directory is __runtsDir. It needs `require` (Node's, for built-ins and
// node_modules), `__dirname` (build/), `__runtsModules` (the bundled modules)
// and `__runtsOnDisk` (the other modules of src/, loaded from build/ when
// first required: only the light bundle has any).
const LOADER = `
const __runtsPath = require('node:path');
let __runtsDir = __dirname;
let __runtsRequire;
// A snapshot's require() knows only Node's built-ins: koffi and yargs come
// through a require made at run time.
function __runtsExternal(spec) {
  if (spec.startsWith('node:')) return require(spec);
  __runtsRequire ??= require('node:module').createRequire(__runtsPath.join(__runtsDir, 'snapshot.js'));
  return __runtsRequire(spec);
}
let __runtsCache = Object.create(null);
// fromDir is relative to build/ ('.' at its top). One normalize, not a
// join and a relative(): the light commands resolve every require at run
// time, and these run in V8's interpreter.
function __runtsResolve(fromDir, spec) {
  let rel;
  if (spec.startsWith('./') || spec.startsWith('../')) rel = __runtsPath.posix.normalize(fromDir + '/' + spec);
  else if (spec.startsWith('/')) rel = __runtsPath.relative(__runtsDir, spec);
  else return undefined;
  for (const candidate of [rel, rel + '.js', rel + '.json', rel + '/index.js']) {
    if (candidate in __runtsModules || __runtsFromDisk(candidate)) return candidate;
  }
  return undefined;
}
// A module of src/ that is not in the table: compiled from its file, into
// the table (through Node's loader it would be a second copy, with module
// state of its own).
function __runtsFromDisk(rel) {
  if (!__runtsOnDisk.has(rel)) return false;
  const filename = __runtsPath.join(__runtsDir, rel);
  const body = require('node:fs').readFileSync(filename, 'utf8');
  __runtsModules[rel] = rel.endsWith('.json')
    ? function (exports, require, module) { module.exports = JSON.parse(body); }
    : require('node:vm').compileFunction(body, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  return true;
}
function __runtsRequireFrom(fromDir) {
  return function bundledRequire(spec) {
    const rel = __runtsResolve(fromDir, spec);
    if (rel === undefined) return __runtsExternal(spec.startsWith('.') ? __runtsPath.join(__runtsDir, fromDir, spec) : spec);
    return __runtsLoad(rel);
  };
}
function __runtsLoad(rel) {
  const cached = __runtsCache[rel];
  if (cached) return cached.exports;
  if (!(rel in __runtsModules) && !__runtsFromDisk(rel)) throw new Error('runts: no module ' + rel + ' in the bundle');
  const module = { exports: {}, id: rel };
  __runtsCache[rel] = module;
  const filename = __runtsPath.join(__runtsDir, rel);
  try {
    __runtsModules[rel].call(module.exports, module.exports, __runtsRequireFrom(__runtsPath.posix.dirname(rel)), module, filename, __runtsPath.dirname(filename));
  } catch (err) {
    delete __runtsCache[rel];
    throw err;
  }
  return module.exports;
}
`;

// The snapshot's end: load everything, warm up, and name the entry.
const SNAPSHOT_MAIN = `for (const rel of ${JSON.stringify(rels.filter((r) => r.endsWith('.js')))}) __runtsLoad(rel);
__runtsLoad('warmup.js').warmUp();

require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  // bin/runts runs us (its launcher names the blob): build/ is beside its bin/.
  try {
    const dir = __runtsPath.join(__runtsPath.dirname(__runtsPath.dirname(require('node:fs').realpathSync(process.argv[1]))), 'build');
    if (dir !== __runtsDir) {
      __runtsDir = dir;
      __runtsCache = Object.create(null);
    }
  } catch {
    /* not started through bin/runts: keep the directory of the build */
  }
  __runtsLoad('main.js').main(process.argv.slice(2));
});
`;

// build/light.js.
const LIGHT_ENTRY = `'use strict';
// Generated by scripts/bundle.mjs; do not edit. bin/runts starts
// \`node build/light.js ARGS\` for state, list, kill, start and delete: the
// light bundle, compiled from V8's code cache of it (a cache that this Node
// rejects, after an upgrade say, only makes the compile slower).
const fs = require('node:fs');
const { Script } = require('node:vm');
const file = __dirname + '/runts-light.js';
let cachedData;
try {
  cachedData = fs.readFileSync(__dirname + '/runts-light.cache');
} catch {
  /* compiled without */
}
new Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData }).runInThisContext()(require, __dirname).load('main.js').main(process.argv.slice(2));
`;

const removeOutputs = () => outputs.forEach((f) => fs.rmSync(f, { force: true }));
const fail = (msg, stderr = '') => {
  removeOutputs(); // or make would take them for good ones
  process.stderr.write(stderr);
  console.error(`bundle: ${msg}`);
  process.exit(1);
};
removeOutputs();

// Make's target is the full blob: it is written last, so that it exists
// only if everything else does.
makeLight();
makeFull();

// The full snapshot: every module loaded, the hot paths warmed up.
function makeFull() {
  fs.writeFileSync(
    entry,
    [
      "'use strict';",
      '// Generated by scripts/bundle.mjs from build/; do not edit.',
      moduleTable(rels),
      'const __runtsOnDisk = new Set();',
      LOADER,
      SNAPSHOT_MAIN,
    ].join('\n'),
  );
  const made = spawnSync(process.execPath, ['--snapshot-blob', fullBlob, '--build-snapshot', entry], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (made.status !== 0 || !fs.existsSync(fullBlob)) fail(`node --build-snapshot failed (status ${made.status})`, made.stderr);
  // Node warns about built-ins it has not verified in snapshots: runts requires
  // those (child_process, tty, crypto, net) only where used, at run time.
  if (/works in user snapshot/.test(made.stderr)) {
    fail('a module loads, at its top level, a built-in that Node does not support in a snapshot (see above): require it where it is used', made.stderr);
  }
  if (made.stderr.trim()) process.stderr.write(made.stderr);
  console.log(`bundle: wrote ${path.relative(process.cwd(), fullBlob)} (${files.length} modules in the script, ${(fs.statSync(fullBlob).size / 1048576).toFixed(1)} MiB)`);
}

// The light bundle and its code cache, and its entry, build/light.js.
function makeLight() {
  // The light bundle: the source of a function of (require, __dirname) that
  // returns the loader.
  const lightSource = (bundled) =>
    [
      '(function (require, __dirname) {',
      "'use strict';",
      '// Generated by scripts/bundle.mjs from build/; do not edit.',
      moduleTable(bundled),
      `const __runtsOnDisk = new Set(${JSON.stringify(rels.filter((r) => !bundled.includes(r)))});`,
      LOADER,
      'return { load: __runtsLoad, loaded: () => Object.keys(__runtsCache) };',
      '})',
    ].join('\n');
  // Resolves koffi and yargs as build/light.js's require does at run time.
  const requireInBuild = createRequire(lightEntry);
  try {
    // Which modules: those the light commands' warm-up loads (it imports
    // what they use).
    const probe = new vm.Script(lightSource(rels), { filename: lightScript }).runInThisContext()(requireInBuild, root);
    probe.load('warmup-light.js').warmUpLight();
    const source = lightSource(probe.loaded().sort());
    // The code cache is made after the same warm-up, from a fresh copy.
    const script = new vm.Script(source, { filename: lightScript });
    script.runInThisContext()(requireInBuild, root).load('warmup-light.js').warmUpLight();
    fs.writeFileSync(lightScript, source);
    fs.writeFileSync(lightCache, script.createCachedData());
  } catch (err) {
    fail(`the light bundle's warm-up failed: ${err.stack}`);
  }
  fs.writeFileSync(lightEntry, LIGHT_ENTRY);
  // The cache must be one that node accepts when it starts light.js.
  const check = spawnSync(
    process.execPath,
    ['-e', `const fs = require('fs'); const s = new (require('vm').Script)(fs.readFileSync(process.argv[1], 'utf8'), { filename: process.argv[1], cachedData: fs.readFileSync(process.argv[2]) }); process.exit(s.cachedDataRejected ? 3 : 0);`, lightScript, lightCache],
    { encoding: 'utf8' },
  );
  if (check.status !== 0) fail(`node rejects the light bundle's code cache (status ${check.status})`, check.stderr);
  console.log(
    `bundle: wrote ${path.relative(process.cwd(), lightEntry)} and runts-light.js (${(fs.statSync(lightScript).size / 1024).toFixed(0)} KiB) with its code cache (${(fs.statSync(lightCache).size / 1024).toFixed(0)} KiB)`,
  );
}
