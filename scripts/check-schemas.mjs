#!/usr/bin/env node
// Cross-checks runts' JSON Schemas (schemas/) against the upstream OCI
// runtime-spec v1.3.0 schemas kept in <project>/../shared/runtime-spec.
//
// Every document of the upstream test corpus (test/{config,features,state}/
// {good,bad}) and of ours (test/fixtures/<same layout>) is validated with both
// schema sets. The check fails (exit 1) when the two disagree on a document, or
// when ours call a good document invalid or a bad one valid. A file that is
// not JSON is invalid for both. Without ../shared/runtime-spec the check is
// skipped (exit 0).
//
// The upstream schemas are draft-04 (the `id` keyword, boolean
// exclusiveMinimum/Maximum) and ajv 8 only knows draft-06 and later. They are
// brought to draft-07 in memory, without touching the files; see
// upstreamToDraft07() below.
//
// Usage: node scripts/check-schemas.mjs [--verbose|-v]

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ourSchemaDir = join(projectRoot, 'schemas');
const ourFixtureDir = join(projectRoot, 'test', 'fixtures');
const upstreamRoot = resolve(projectRoot, '..', 'shared', 'runtime-spec');

const OUR_BASE = 'https://schemas.runts.invalid/runtime-spec/1.3.0/';
const UPSTREAM_BASE = 'https://upstream.runtime-spec.invalid/v1.3.0/';

const KINDS = [
  { kind: 'config', entry: 'config-schema.json' },
  { kind: 'features', entry: 'features-schema.json' },
  { kind: 'state', entry: 'state-schema.json' },
];

const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
const rel = (p) => relative(process.cwd(), p) || '.';

if (!existsSync(upstreamRoot) && !process.argv.includes('--doc')) {
  console.log(`check-schemas: skipped: ${rel(upstreamRoot)} does not exist (no upstream runtime-spec to compare with)`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Upstream schemas, draft-04 -> draft-07 in memory.

// Keywords whose value is an object of subschemas (keys are names, not keywords).
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);
// Keywords whose value is a subschema or an array of subschemas.
const SCHEMA_VALUES = new Set([
  'items', 'additionalItems', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf',
  'contains', 'propertyNames', 'if', 'then', 'else',
]);
// Keywords whose value is data, never a schema.
const DATA_VALUES = new Set(['enum', 'const', 'default', 'examples', 'required', 'type']);

/**
 * Rewrites one draft-04 schema node (and everything under it) in place:
 *  - `$schema` is dropped (ajv's default meta-schema, draft-07, applies);
 *  - `id` becomes `$id` (only where `id` is a keyword, not a property name);
 *  - boolean exclusiveMinimum/exclusiveMaximum become the draft-06+ numeric
 *    form (true: the bound moves from minimum/maximum; false: dropped);
 *  - a `$ref` fragment that lacks its leading slash ("#definitions/x", as in
 *    v1.3.0's defs.json ArrayOfUint32, fixed upstream after the release) is
 *    read as the JSON pointer it was meant to be; ajv would refuse to compile
 *    it otherwise.
 * Other keys holding objects (e.g. the top-level "linux" of config-linux.json,
 * reached by "config-linux.json#/linux") are walked as schemas too.
 */
function upstreamToDraft07(node, file, notes) {
  if (Array.isArray(node)) {
    for (const item of node) upstreamToDraft07(item, file, notes);
    return;
  }
  if (node === null || typeof node !== 'object') return;

  if ('$schema' in node) delete node.$schema;
  if (typeof node.id === 'string') {
    if (!('$id' in node)) node.$id = node.id;
    delete node.id;
    notes.push(`${file}: id -> $id`);
  }
  for (const [excl, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (typeof node[excl] === 'boolean') {
      if (node[excl] && typeof node[bound] === 'number') {
        node[excl] = node[bound];
        delete node[bound];
      } else {
        delete node[excl];
      }
      notes.push(`${file}: boolean ${excl} -> numeric`);
    }
  }
  if (typeof node.$ref === 'string') {
    const hash = node.$ref.indexOf('#');
    const fragment = hash >= 0 ? node.$ref.slice(hash + 1) : '';
    if (fragment !== '' && !fragment.startsWith('/') && fragment.includes('/')) {
      const fixed = `${node.$ref.slice(0, hash)}#/${fragment}`;
      notes.push(`${file}: $ref "${node.$ref}" read as "${fixed}"`);
      node.$ref = fixed;
    }
  }

  for (const [key, value] of Object.entries(node)) {
    if (DATA_VALUES.has(key) || value === null || typeof value !== 'object') continue;
    if (SCHEMA_MAPS.has(key) && !Array.isArray(value)) {
      for (const sub of Object.values(value)) upstreamToDraft07(sub, file, notes);
    } else {
      // SCHEMA_VALUES, or an unknown key that may hold a schema reached by pointer.
      upstreamToDraft07(value, file, notes);
    }
  }
}

function findUpstreamSchemaDir() {
  for (const dir of [join(upstreamRoot, 'schema'), upstreamRoot]) {
    if (existsSync(join(dir, 'config-schema.json'))) return dir;
  }
  return null;
}

function loadUpstream(dir) {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const notes = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    upstreamToDraft07(schema, file, notes);
    // Files carry no id of their own; give each one a base URI named after the
    // file so that relative references like "defs.json#/definitions/uint64" resolve.
    schema.$id = UPSTREAM_BASE + file;
    ajv.addSchema(schema);
  }
  const validators = {};
  for (const { kind, entry } of KINDS) validators[kind] = ajv.getSchema(UPSTREAM_BASE + entry);
  return { validators, notes, files };
}

// ---------------------------------------------------------------------------
// Our schemas: plain draft-07, compiled in strict mode so that a typo in a
// keyword or a `required` naming an undeclared property is an error.

function loadOurs() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const files = readdirSync(ourSchemaDir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(ourSchemaDir, file), 'utf8'));
    if (schema.$id !== OUR_BASE + file) {
      throw new Error(`schemas/${file}: $id must be ${OUR_BASE + file}, found ${schema.$id}`);
    }
    ajv.addSchema(schema);
  }
  const validators = {};
  for (const { kind, entry } of KINDS) validators[kind] = ajv.getSchema(OUR_BASE + entry);
  return { validators, files };
}

// ---------------------------------------------------------------------------

function corpus() {
  const docs = [];
  for (const { kind } of KINDS) {
    for (const [origin, root] of [['upstream', join(upstreamRoot, 'test')], ['runts', ourFixtureDir]]) {
      for (const verdict of ['good', 'bad']) {
        const dir = join(root, kind, verdict);
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
          docs.push({ kind, origin, expectValid: verdict === 'good', path: join(dir, f) });
        }
      }
    }
  }
  return docs;
}

function describeErrors(errors, max = 3) {
  if (!errors || errors.length === 0) return '';
  const shown = errors.slice(0, max).map((e) => {
    const extra = e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : '';
    return `${e.instancePath || '/'} ${e.message}${extra}`;
  });
  if (errors.length > max) shown.push(`(+${errors.length - max} more)`);
  return shown.join('; ');
}

function judge(validate, doc) {
  if (doc.notJson) return { valid: false, why: `not JSON: ${doc.notJson}` };
  const valid = validate(doc.data);
  return { valid, why: valid ? '' : describeErrors(validate.errors) };
}

// `check-schemas.mjs --doc KIND FILE`: one document (what runts printed, say)
// against the upstream schema of KIND (config, state, features) and ours.
function checkOneDocument(kind, file) {
  const upstreamDir = existsSync(upstreamRoot) ? findUpstreamSchemaDir() : null;
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const sets = [['ours', loadOurs().validators]];
  if (upstreamDir) sets.push(['upstream', loadUpstream(upstreamDir).validators]);
  let bad = 0;
  for (const [name, validators] of sets) {
    const validate = validators[kind];
    if (!validate) throw new Error(`unknown kind ${kind}`);
    if (validate(data)) console.log(`${name}: valid`);
    else {
      bad++;
      console.log(`${name}: INVALID: ${describeErrors(validate.errors)}`);
    }
  }
  return bad ? 1 : 0;
}

function main() {
  const docAt = process.argv.indexOf('--doc');
  if (docAt >= 0) return checkOneDocument(process.argv[docAt + 1], process.argv[docAt + 2]);
  const upstreamDir = findUpstreamSchemaDir();
  if (!upstreamDir) {
    console.error(`check-schemas: ${rel(upstreamRoot)} exists but holds no config-schema.json (looked in schema/ and at the top)`);
    return 1;
  }

  let upstream;
  let ours;
  try {
    upstream = loadUpstream(upstreamDir);
  } catch (err) {
    console.error(`check-schemas: cannot compile the upstream schemas in ${rel(upstreamDir)}: ${err.message}`);
    return 1;
  }
  try {
    ours = loadOurs();
  } catch (err) {
    console.error(`check-schemas: cannot compile our schemas in ${rel(ourSchemaDir)}: ${err.message}`);
    return 1;
  }

  console.log(`check-schemas: upstream ${rel(upstreamDir)} (${upstream.files.length} schema files), ours ${rel(ourSchemaDir)} (${ours.files.length} schema files)`);
  for (const note of [...new Set(upstream.notes)]) console.log(`  upstream loaded with: ${note}`);

  const docs = corpus();
  const problems = [];
  const upstreamSurprises = [];
  const tally = {};

  for (const doc of docs) {
    const text = readFileSync(doc.path, 'utf8');
    try {
      doc.data = JSON.parse(text);
    } catch (err) {
      doc.notJson = err.message;
    }
    const up = judge(upstream.validators[doc.kind], doc);
    const me = judge(ours.validators[doc.kind], doc);
    const name = rel(doc.path);

    const key = `${doc.kind} (${doc.origin})`;
    tally[key] ??= { good: 0, bad: 0 };
    tally[key][doc.expectValid ? 'good' : 'bad'] += 1;

    if (up.valid !== me.valid) {
      problems.push(`VERDICT MISMATCH ${name}: upstream says ${up.valid ? 'valid' : 'invalid'}, ours says ${me.valid ? 'valid' : 'invalid'}` +
        (up.why ? `\n    upstream: ${up.why}` : '') + (me.why ? `\n    ours:     ${me.why}` : ''));
    }
    if (me.valid !== doc.expectValid) {
      problems.push(`WRONG VERDICT ${name}: expected ${doc.expectValid ? 'valid' : 'invalid'}, ours says ${me.valid ? 'valid' : 'invalid'}` +
        (me.why ? `\n    ours: ${me.why}` : ''));
    }
    if (up.valid !== doc.expectValid) {
      upstreamSurprises.push(`${name}: expected ${doc.expectValid ? 'valid' : 'invalid'}, upstream says ${up.valid ? 'valid' : 'invalid'}`);
    }
    if (verbose) {
      const mark = up.valid === me.valid && me.valid === doc.expectValid ? 'ok  ' : 'FAIL';
      console.log(`  ${mark} ${name}: upstream ${up.valid ? 'valid' : 'invalid'}, ours ${me.valid ? 'valid' : 'invalid'}${me.why ? ` (${me.why})` : ''}`);
    }
  }

  for (const [key, n] of Object.entries(tally)) {
    console.log(`  ${key}: ${n.good} good, ${n.bad} bad`);
  }
  for (const s of upstreamSurprises) console.log(`  note: ${s}`);

  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`check-schemas: FAILED: ${problems.length} problem(s) over ${docs.length} documents`);
    return 1;
  }
  console.log(`check-schemas: OK: ${docs.length} documents, same verdict from upstream and ours on every one; every good document valid and every bad one invalid under ours`);
  return 0;
}

process.exit(main());
