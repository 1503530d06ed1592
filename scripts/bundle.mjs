#!/usr/bin/env node
// Builds what bin/runts starts (docs/performance.md, "Two ways in"): tsc's
// output (build/**/*.js, build/validators.cjs, build/version.json) goes into
// two bundles, each one script with a small module loader, compiled by Node
// from V8's code cache of it:
//
//  - build/light.js, for state, list, kill, start and delete: only the
//    modules their warm-up (src/warmup-light.ts) loads.
//  - build/full.js, for create, run, exec and the rarer commands: the
//    modules of the full warm-up (src/warmup.ts), which covers the paths of
//    create, run and exec.
//
// Each entry compiles its bundle (build/runts-NAME.js) from its code cache
// (build/runts-NAME.cache). The cache is made after the warm-up has run,
// from a fresh copy of the script, so that it holds the bytecode of every
// function that ran: a command finds its hot paths compiled instead of
// compiling them, and reads one file instead of finding and reading dozens.
// A cache that this Node rejects (after an upgrade, say) only makes the
// compile slower. Any other module of src/ that a command needs is compiled
// from its file in build/ when first required, into the same module table.
//
// (Until 2026-11-25 the full bundle was a V8 startup snapshot. On some
// hosts of this kind a snapshot costs 25 ms more than `node -e 0` to
// deserialize, where the code cache costs 10: docs/performance.md, item 15.)
//
//   node scripts/bundle.mjs BUILD_DIR [SRC_DIR]
//
// The modules are those of SRC_DIR (default: src/ beside BUILD_DIR), compiled,
// plus the validators and version.json: whatever else lies in BUILD_DIR (the
// output of a deleted source file, say) stays out.
//
// Each module keeps its own function scope and __filename/__dirname. Anything
// outside build/ (node: built-ins, koffi, yargs) is required at run time,
// when first used, through Node's own require.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = path.resolve(process.argv[2] ?? 'build');
const srcDir = path.resolve(process.argv[3] ?? path.join(root, '..', 'src'));

// The two bundles: which commands start which (native/launcher.c), and the
// warm-up whose modules go in.
const BUNDLES = [
  { name: 'light', commands: 'state, list, kill, start and delete', warmUp: ['warmup-light.js', 'warmUpLight'] },
  { name: 'full', commands: 'create, run, exec and the rarer commands', warmUp: ['warmup.js', 'warmUp'] },
];
const fileOf = (name, kind) => path.join(root, kind === 'entry' ? `${name}.js` : `runts-${name}.${kind}`);
// Make's target is the full entry: it is written last, so that it exists
// only if everything else does. runts.blob, snapshot.js, runts-light.blob:
// what earlier builds made.
const outputs = [
  ...BUNDLES.flatMap(({ name }) => ['js', 'cache'].map((kind) => fileOf(name, kind))),
  ...BUNDLES.map(({ name }) => fileOf(name, 'entry')),
  ...['runts.blob', 'snapshot.js', 'runts-light.blob'].map((f) => path.join(root, f)),
];

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
const missing = rels.map((r) => path.join(root, r)).find((f) => !fs.existsSync(f));
if (missing) {
  console.error(`bundle: ${missing} is missing: build first (make)`);
  process.exit(1);
}
function moduleTable(list) {
  const parts = ['const __runtsModules = {'];
  for (const rel of list) {
    let body = fs.readFileSync(path.join(root, rel), 'utf8');
    if (rel.endsWith('.json')) body = `module.exports = ${JSON.stringify(JSON.parse(body))};`;
    else body = bindRequires(rel, body);
    parts.push(`${JSON.stringify(rel)}: function (exports, require, module, __filename, __dirname) {\n${body}\n},`);
  }
  parts.push('};');
  // ASCII only: one character above it would make V8 hold the whole source
  // as a two-byte string, twice the memory to read it into; and the entries
  // map the bundle as a Latin-1 string (native/addon.c), which says the
  // same as UTF-8 only for ASCII.
  return parts.join('\n').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// What a require of "./x" may name, in the order Node tries them: the same
// rule at build time (bindRequires) and in the loader.
const REQUIRE_SUFFIXES = ['', '.js', '.json', '/index.js'];

// A module's require("./x") of another module of build/, resolved now: it
// becomes require("runts:REL"), which the loader takes as the table key
// itself, with no path arithmetic at run time (that arithmetic, Node's
// path.normalize for each require, was enough to make V8 optimize it with
// TurboFan, 10 ms of CPU on another thread in a run: docs/performance.md,
// item 21). Any other require is left for the loader to resolve.
function bindRequires(rel, body) {
  const dir = path.posix.dirname(rel);
  return body.replace(/\brequire\((["'])(\.\.?\/[^"'\n]*)\1\)/g, (call, _quote, spec) => {
    const target = path.posix.normalize(`${dir}/${spec}`);
    const found = REQUIRE_SUFFIXES.map((suffix) => target + suffix).find((c) => rels.includes(c));
    return found ? `require(${JSON.stringify(`runts:${found}`)})` : call;
  });
}

// The loader: a module table keyed by the path relative to build/, whose
// directory is __runtsDir. It needs `require` (Node's, for built-ins and
// node_modules), `__dirname` (build/), `__runtsModules` (the bundled modules)
// and `__runtsOnDisk` (the other modules of src/, loaded from build/ when
// first required).
const LOADER = `
const __runtsPath = require('node:path');
const __runtsDir = __dirname;
let __runtsRequire;
// Built-ins, koffi and yargs: through Node's require, as from build/.
function __runtsExternal(spec) {
  if (spec.startsWith('node:')) return require(spec);
  __runtsRequire ??= require('node:module').createRequire(__runtsPath.join(__runtsDir, 'index.js'));
  return __runtsRequire(spec);
}
const __runtsCache = Object.create(null);
// fromDir is relative to build/ ('.' at its top). One normalize, not a
// join and a relative(): the light commands resolve every require at run
// time, and these run in V8's interpreter.
function __runtsResolve(fromDir, spec) {
  let rel;
  if (spec.startsWith('./') || spec.startsWith('../')) rel = __runtsPath.posix.normalize(fromDir + '/' + spec);
  else if (spec.startsWith('/')) rel = __runtsPath.relative(__runtsDir, spec);
  else return undefined;
  for (const candidate of ${JSON.stringify(REQUIRE_SUFFIXES)}.map((suffix) => rel + suffix)) {
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
    if (spec.startsWith('runts:')) return __runtsLoad(spec.slice(6));
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
  // rel is normalized and relative: its directory by string operations.
  const slash = rel.lastIndexOf('/');
  const filename = __runtsDir + '/' + rel;
  try {
    __runtsModules[rel].call(module.exports, module.exports, __runtsRequireFrom(slash < 0 ? '.' : rel.slice(0, slash)), module, filename, slash < 0 ? __runtsDir : __runtsDir + '/' + rel.slice(0, slash));
  } catch (err) {
    delete __runtsCache[rel];
    throw err;
  }
  return module.exports;
}
`;


// A bundle: the source of a function of (require, __dirname) that returns
// the loader.
const bundleSource = (bundled) =>
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

// build/NAME.js.
const entrySource = ({ name, commands }) => `'use strict';
// Generated by scripts/bundle.mjs; do not edit. bin/runts starts
// \`node build/${name}.js ARGS\` for ${commands}: the bundle
// runts-${name}.js, compiled from V8's code cache of it (a cache that this
// Node rejects, after an upgrade say, only makes the compile slower).
const fs = require('node:fs');
const { Script } = require('node:vm');
const file = __dirname + '/runts-${name}.js';
const cache = __dirname + '/runts-${name}.cache';
// Both mapped from their files, not read and copied (bin/runts-addon.node,
// native/addon.c); read where the addon cannot.
let source;
let cachedData;
try {
  const addon = { exports: {} };
  process.dlopen(addon, __dirname + '/../bin/runts-addon.node');
  source = addon.exports.mapString(file);
  cachedData = addon.exports.mapBuffer(cache);
} catch {
  /* not built, or not loadable by this Node */
}
source ??= fs.readFileSync(file, 'utf8');
try {
  cachedData ??= fs.readFileSync(cache);
} catch {
  /* compiled without */
}
new Script(source, { filename: file, cachedData }).runInThisContext()(require, __dirname).load('main.js').main(process.argv.slice(2));
`;

const removeOutputs = () => outputs.forEach((f) => fs.rmSync(f, { force: true }));
const fail = (msg, stderr = '') => {
  removeOutputs(); // or make would take them for good ones
  process.stderr.write(stderr);
  console.error(`bundle: ${msg}`);
  process.exit(1);
};
removeOutputs();

// Resolves koffi and yargs as the entries' require does at run time.
const requireInBuild = createRequire(path.join(root, 'index.js'));
const made = BUNDLES.map(makeBundle);
for (const b of BUNDLES) fs.writeFileSync(fileOf(b.name, 'entry'), entrySource(b));
console.log(`bundle: wrote build/light.js and build/full.js: ${made.join('; ')}`);

// A bundle and its code cache; returns what it wrote, in words.
function makeBundle({ name, warmUp: [warmUpModule, warmUpFunction] }) {
  const script = fileOf(name, 'js');
  const cache = fileOf(name, 'cache');
  let bundled;
  try {
    // Which modules: those the warm-up loads (it imports what the commands use).
    const probe = new vm.Script(bundleSource(rels), { filename: script }).runInThisContext()(requireInBuild, root);
    probe.load(warmUpModule)[warmUpFunction]();
    bundled = probe.loaded().sort();
    const source = bundleSource(bundled);
    // The code cache is made after the same warm-up, from a fresh copy.
    const compiled = new vm.Script(source, { filename: script });
    compiled.runInThisContext()(requireInBuild, root).load(warmUpModule)[warmUpFunction]();
    fs.writeFileSync(script, source);
    fs.writeFileSync(cache, compiled.createCachedData());
  } catch (err) {
    fail(`the warm-up of the ${name} bundle failed: ${err.stack}`);
  }
  // The cache must be one that node accepts when it starts the entry.
  const check = spawnSync(
    process.execPath,
    ['-e', `const fs = require('fs'); const s = new (require('vm').Script)(fs.readFileSync(process.argv[1], 'utf8'), { filename: process.argv[1], cachedData: fs.readFileSync(process.argv[2]) }); process.exit(s.cachedDataRejected ? 3 : 0);`, script, cache],
    { encoding: 'utf8' },
  );
  if (check.status !== 0) fail(`node rejects the code cache of the ${name} bundle (status ${check.status})`, check.stderr);
  const kib = (f) => (fs.statSync(f).size / 1024).toFixed(0);
  return `${name}, ${bundled.length} of ${rels.length} modules (${kib(script)} KiB, code cache ${kib(cache)} KiB)`;
}
