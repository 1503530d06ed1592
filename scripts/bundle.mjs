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
// And one chunk, loaded by either bundle's loader only when a command needs
// it, into the same module table:
//
//  - build/runts-systemd.js, for --systemd-cgroup (and the delete or update
//    of a container whose record says systemd): the systemd cgroup manager
//    (src/cgroups/systemd*.ts) and dbus-next with the modules it requires
//    from node_modules, which Node would otherwise find, read and compile
//    one file at a time (67 files) on every such command. Its code cache is
//    made after its warm-up (src/warmup-systemd.ts) as the bundles' are.
//    Commands without the flag load none of it (docs/performance.md).
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
import Module, { createRequire } from 'node:module';

const root = path.resolve(process.argv[2] ?? 'build');
const srcDir = path.resolve(process.argv[3] ?? path.join(root, '..', 'src'));

// The two bundles: which commands start which (native/launcher.c), and the
// warm-up whose modules go in.
const BUNDLES = [
  { name: 'light', commands: 'state, list, kill, start and delete', warmUp: ['warmup-light.js', 'warmUpLight'] },
  { name: 'full', commands: 'create, run, exec and the rarer commands', warmUp: ['warmup.js', 'warmUp'] },
];
// The chunks, each with the warm-up that loads its modules.
const CHUNKS = [{ name: 'systemd', warmUp: ['warmup-systemd.js', 'warmUpSystemd'] }];
// A package a node_modules package requires, and what it gets instead in a
// chunk (a module of build/): xml2js, with the xmlbuilder and sax it
// requires, serves only dbus-next's introspection, which runts never does
// (src/cgroups/systemd-bus-xml.ts says so if it ever were).
const ALIASES = [{ request: 'xml2js', from: 'dbus-next', to: 'cgroups/systemd-bus-xml.js' }];
const fileOf = (name, kind) => path.join(root, kind === 'entry' ? `${name}.js` : `runts-${name}.${kind}`);
// Make's target is the full entry: it is written last, so that it exists
// only if everything else does. runts.blob, snapshot.js, runts-light.blob:
// what earlier builds made.
const outputs = [
  ...[...BUNDLES, ...CHUNKS].flatMap(({ name }) => ['js', 'cache'].map((kind) => fileOf(name, kind))),
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
function moduleTable(list, { head = 'const __runtsModules = {', tail = '};', bind = bindRequires } = {}) {
  const parts = [head];
  for (const rel of list) {
    let body = fs.readFileSync(path.join(root, rel), 'utf8');
    if (rel.endsWith('.json')) body = `module.exports = ${JSON.stringify(JSON.parse(body))};`;
    else body = bind(rel, body);
    parts.push(`${JSON.stringify(rel)}: function (exports, require, module, __filename, __dirname) {\n${body}\n},`);
  }
  parts.push(tail);
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
  if (__runtsFromChunk(rel)) return true;
  if (!__runtsOnDisk.has(rel)) return false;
  const filename = __runtsPath.join(__runtsDir, rel);
  const body = require('node:fs').readFileSync(filename, 'utf8');
  __runtsModules[rel] = rel.endsWith('.json')
    ? function (exports, require, module) { module.exports = JSON.parse(body); }
    : require('node:vm').compileFunction(body, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  return true;
}
// A module of a chunk (build/runts-NAME.js, compiled from its code cache):
// the whole chunk goes into the table the first time one of its modules is
// needed. Modules the table has already keep theirs. A chunk that cannot
// be read leaves its modules to the disk and to Node's require.
const __runtsChunkLoaded = Object.create(null);
function __runtsFromChunk(rel) {
  const name = __runtsChunked[rel];
  if (name === undefined || __runtsChunkLoaded[name]) return false;
  __runtsChunkLoaded[name] = true;
  let table;
  try {
    table = __runtsLoadChunk(name);
  } catch {
    return false;
  }
  for (const key in table) if (!(key in __runtsModules)) __runtsModules[key] = table[key];
  return rel in __runtsModules;
}
function __runtsChunkFromFile(name) {
  const fs = require('node:fs');
  const file = __runtsDir + '/runts-' + name + '.js';
  let cachedData;
  try {
    cachedData = fs.readFileSync(__runtsDir + '/runts-' + name + '.cache');
  } catch {
    /* compiled without */
  }
  return new (require('node:vm').Script)(fs.readFileSync(file, 'latin1'), { filename: file, cachedData }).runInThisContext()();
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
// chunked: which chunk holds each module of a chunk. loadChunk (the
// bundler's, for the warm-ups) stands in for reading the chunk's file.
const bundleSource = (bundled, chunked = {}) =>
  [
    '(function (require, __dirname, loadChunk) {',
    "'use strict';",
    '// Generated by scripts/bundle.mjs from build/; do not edit.',
    moduleTable(bundled),
    `const __runtsOnDisk = new Set(${JSON.stringify(rels.filter((r) => !bundled.includes(r)))});`,
    `const __runtsChunked = ${JSON.stringify(chunked)};`,
    'const __runtsLoadChunk = loadChunk || __runtsChunkFromFile;',
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
// The aliases, for all of Node's resolving in this process: the warm-ups
// (which load node_modules through Node) and bindChunkRequires.
const aliasTargets = new Set(ALIASES.map((a) => path.join(root, a.to)));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const alias = ALIASES.find((a) => a.request === request && parent?.filename?.includes(`${path.sep}node_modules${path.sep}${a.from}${path.sep}`));
  return alias ? path.join(root, alias.to) : resolveFilename.call(this, request, parent, ...rest);
};
// What each chunk's warm-up loads, found first, before any other warm-up
// has put node_modules files in Node's module cache.
// A chunk whose packages cannot be found from build/ (a copy of build/
// alone, as some tests make) is left out: its modules load as without it.
const chunkModules = Object.fromEntries(CHUNKS.map((c) => [c.name, discoverChunk(c) ?? []]));
// Which modules each bundle has: those its warm-up loads.
const bundledBy = Object.fromEntries(BUNDLES.map((b) => [b.name, probeBundle(b)]));
// A chunk has the modules of its warm-up that the full bundle has not (the
// light bundle's own copy of one comes first: __runtsFromChunk keeps it).
const chunked = {};
for (const c of CHUNKS) chunkModules[c.name] = chunkModules[c.name].filter((k) => !bundledBy.full.includes(k));
for (const c of CHUNKS) for (const key of chunkModules[c.name]) chunked[key] = c.name;
const made = BUNDLES.map((b) => makeBundle(b, bundledBy[b.name]));
const madeChunks = CHUNKS.map((c) => (chunkModules[c.name].length ? makeChunk(c, bundledBy.full) : `chunk ${c.name} left out (its packages are not found from ${root})`));
for (const b of BUNDLES) fs.writeFileSync(fileOf(b.name, 'entry'), entrySource(b));
console.log(`bundle: wrote build/light.js and build/full.js: ${[...made.map((m) => m.words), ...madeChunks].join('; ')}`);

// The modules a chunk's warm-up loads: those of build/ (keys as the
// bundles', relative to build/) and the node_modules files Node loaded for
// it, with the aliases' modules they got (keys relative to build/ too:
// ../node_modules/...). The warm-up is one
// of them, so that its requires are bound to the chunk's modules as theirs
// are (a command never loads it).
function discoverChunk({ name, warmUp: [warmUpModule, warmUpFunction] }) {
  const before = new Set(Object.keys(requireInBuild.cache));
  try {
    const probe = new vm.Script(bundleSource(rels), { filename: fileOf(name, 'js') }).runInThisContext()(requireInBuild, root);
    probe.load(warmUpModule)[warmUpFunction]();
    const external = Object.keys(requireInBuild.cache).filter((f) => !before.has(f) && (f.includes(`${path.sep}node_modules${path.sep}`) || aliasTargets.has(f)));
    return [...probe.loaded(), ...external.map((f) => path.relative(root, f).split(path.sep).join('/'))].sort();
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND' && !/Cannot find module '[./]/.test(err.message)) return undefined;
    fail(`the warm-up of the ${name} chunk failed: ${err.stack}`);
  }
}

// A chunk module's require("x"), resolved now as Node would from its file:
// to the chunk's own modules or build/'s, as require("runts:KEY"). Built-ins
// and anything else stay as they are, for the loader (and Node) at run time.
function bindChunkRequires(keys) {
  return (key, body) => {
    const from = createRequire(path.join(root, key));
    return body.replace(/\brequire\((["'])([^"'\n]+)\1\)/g, (call, _quote, spec) => {
      let file;
      try {
        file = from.resolve(spec);
      } catch {
        return call;
      }
      if (!path.isAbsolute(file)) return call; // a built-in
      const target = path.relative(root, file).split(path.sep).join('/');
      return keys.has(target) || rels.includes(target) ? `require(${JSON.stringify(`runts:${target}`)})` : call;
    });
  };
}

// A chunk: its modules that the full bundle has not, as a script whose value
// is a function returning their table, and its code cache, made after the
// chunk's warm-up has run in the full bundle's loader.
function makeChunk({ name, warmUp: [warmUpModule, warmUpFunction] }, inFull) {
  const script = fileOf(name, 'js');
  const cache = fileOf(name, 'cache');
  const keys = chunkModules[name];
  const source = [
    '(function () {',
    '// Generated by scripts/bundle.mjs; do not edit. The modules of the',
    `// ${name} chunk, for a bundle's loader (no 'use strict' here: node_modules`,
    '// files are sloppy-mode code; tsc output says it for itself).',
    moduleTable(keys, { head: 'return {', tail: '};', bind: bindChunkRequires(new Set(keys)) }),
    '})',
  ].join('\n');
  try {
    const compiled = new vm.Script(source, { filename: script });
    const loader = new vm.Script(bundleSource(inFull, chunked), { filename: fileOf('full', 'js') }).runInThisContext()(requireInBuild, root, () => compiled.runInThisContext()());
    loader.load(warmUpModule)[warmUpFunction]();
    const missing = keys.filter((k) => !loader.loaded().includes(k));
    if (missing.length) throw new Error(`modules of the chunk its warm-up did not load from it: ${missing.join(', ')}`);
    fs.writeFileSync(script, source);
    fs.writeFileSync(cache, compiled.createCachedData());
  } catch (err) {
    fail(`the warm-up of the ${name} chunk failed: ${err.stack}`);
  }
  checkCache(name, script, cache);
  const kib = (f) => (fs.statSync(f).size / 1024).toFixed(0);
  return `chunk ${name}, ${keys.length} modules, ${keys.filter((k) => k.startsWith('../')).length} of them from node_modules (${kib(script)} KiB, code cache ${kib(cache)} KiB)`;
}

// The cache must be one that node accepts when it starts the entry.
function checkCache(name, script, cache) {
  const check = spawnSync(
    process.execPath,
    ['-e', `const fs = require('fs'); const s = new (require('vm').Script)(fs.readFileSync(process.argv[1], 'latin1'), { filename: process.argv[1], cachedData: fs.readFileSync(process.argv[2]) }); process.exit(s.cachedDataRejected ? 3 : 0);`, script, cache],
    { encoding: 'utf8' },
  );
  if (check.status !== 0) fail(`node rejects the code cache of the ${name} bundle (status ${check.status})`, check.stderr);
}

// A bundle and its code cache; returns what it wrote, in words.
// Which modules: those the warm-up loads (it imports what the commands use).
function probeBundle({ name, warmUp: [warmUpModule, warmUpFunction] }) {
  try {
    const probe = new vm.Script(bundleSource(rels), { filename: fileOf(name, 'js') }).runInThisContext()(requireInBuild, root);
    probe.load(warmUpModule)[warmUpFunction]();
    return probe.loaded().sort();
  } catch (err) {
    fail(`the warm-up of the ${name} bundle failed: ${err.stack}`);
  }
}

function makeBundle({ name, warmUp: [warmUpModule, warmUpFunction] }, bundled) {
  const script = fileOf(name, 'js');
  const cache = fileOf(name, 'cache');
  try {
    const source = bundleSource(bundled, chunked);
    // The code cache is made after the same warm-up, from a fresh copy.
    const compiled = new vm.Script(source, { filename: script });
    compiled.runInThisContext()(requireInBuild, root, () => {
      throw new Error('a bundle\'s warm-up needs a chunk');
    }).load(warmUpModule)[warmUpFunction]();
    fs.writeFileSync(script, source);
    fs.writeFileSync(cache, compiled.createCachedData());
  } catch (err) {
    fail(`the warm-up of the ${name} bundle failed: ${err.stack}`);
  }
  checkCache(name, script, cache);
  const kib = (f) => (fs.statSync(f).size / 1024).toFixed(0);
  return { name, bundled, words: `${name}, ${bundled.length} of ${rels.length} modules (${kib(script)} KiB, code cache ${kib(cache)} KiB)` };
}
