// The field table (src/spec/fields.ts) against the schemas: every property
// of config.json that the runtime-spec v1.3.0 schemas describe has a
// verdict, each honoured field names an e2e test that exists, each refused
// one is refused by create's check, and features and docs/fields.md come
// from the table. Our own schemas (schemas/) are always walked, so the test
// never passes for want of a schema; the upstream ones (../shared/runtime-spec)
// too when they are there, and must give the same paths.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fields, fieldFor, fieldsMarkdown, isHonoured, REFUSED_FIELDS, refusedField } from '../../src/spec/fields';

const FIELDS = fields();
import { features } from '../../src/spec/features';

const root = resolve(__dirname, '..', '..');
const ourDir = join(root, 'schemas');
// Beside the clone (CI), or beside the worktrees' directory (a worktree under wt/).
const upstreamDir = [resolve(root, '..', 'shared', 'runtime-spec'), resolve(root, '..', '..', 'shared', 'runtime-spec')].find((d) => existsSync(d)) ?? resolve(root, '..', 'shared', 'runtime-spec');

type Schema = Record<string, unknown>;

// Every property path under config-schema.json: JSON pointers with `*` for
// an array item or a map value, following $ref across the schema files.
function schemaPaths(dir: string): Set<string> {
  const files = new Map<string, Schema>();
  const load = (f: string): Schema => {
    if (!files.has(f)) files.set(f, JSON.parse(readFileSync(join(dir, f), 'utf8')));
    return files.get(f)!;
  };
  const out = new Set<string>();
  const walk = (file: string, node: Schema, at: string, refs: string[]): void => {
    while (typeof node.$ref === 'string') {
      const [target, frag = ''] = (node.$ref as string).split('#');
      if (target) file = basename(target);
      const key = `${file}#${frag}`;
      if (refs.includes(key)) return; // a recursive definition: its paths are already walked
      refs = [...refs, key];
      let n: unknown = load(file);
      for (const step of frag.split('/').filter(Boolean)) n = (n as Schema)[step];
      if (!n) throw new Error(`${dir}: unresolved $ref ${node.$ref as string} in ${file}`);
      node = n as Schema;
    }
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const s of (node[k] as Schema[] | undefined) ?? []) walk(file, s, at, refs);
    for (const [k, v] of Object.entries((node.properties as Record<string, Schema> | undefined) ?? {})) {
      out.add(`${at}/${k}`);
      walk(file, v, `${at}/${k}`, refs);
    }
    const items = node.items as Schema | Schema[] | undefined;
    for (const s of Array.isArray(items) ? items : items ? [items] : []) walk(file, s, `${at}/*`, refs);
    const maps = [node.additionalProperties, ...Object.values((node.patternProperties as Record<string, Schema> | undefined) ?? {})];
    for (const s of maps) {
      if (!s || typeof s !== 'object') continue;
      out.add(`${at}/*`);
      walk(file, s as Schema, `${at}/*`, refs);
    }
  };
  walk('config-schema.json', load('config-schema.json'), '', []);
  return out;
}

const ours = schemaPaths(ourDir);

const uncovered = (paths: Set<string>) => [...paths].filter((p) => !fieldFor(p));

t.test('the schemas have the properties one expects (the walk works)', async (t) => {
  t.ok(ours.size > 300, `${ours.size} property paths in schemas/`);
  for (const p of ['/process/user/uid', '/linux/netDevices/*/name', '/linux/resources/blockIO/weightDevice/*/major', '/hooks/poststop/*/timeout', '/windows/resources/cpu/affinity/mask']) t.ok(ours.has(p), p);
});

t.test('every property of our schemas (schemas/) has a verdict', async (t) => {
  t.same(uncovered(ours), [], 'every property of schemas/ has a verdict in src/spec/fields.ts');
});

t.test('every property of the upstream v1.3.0 schemas has a verdict, and they have the same properties as ours', { skip: !existsSync(upstreamDir) && `${upstreamDir} absent (our schemas are still walked)` }, async (t) => {
  const upstream = schemaPaths(upstreamDir);
  t.same(uncovered(upstream), [], 'every upstream property has a verdict in src/spec/fields.ts');
  t.same([...upstream].filter((p) => !ours.has(p)), [], 'no upstream property missing from schemas/');
  t.same([...ours].filter((p) => !upstream.has(p)), [], 'no property in schemas/ that upstream lacks');
});

t.test('each table entry is a property of the schemas, once', async (t) => {
  const seen = new Set<string>();
  for (const f of FIELDS) {
    t.ok(ours.has(f.path), `${f.path} is in the schemas`);
    t.notOk(seen.has(f.path), `${f.path} is listed once`);
    seen.add(f.path);
  }
});

t.test('each honoured field names an e2e test that exists', async (t) => {
  const dir = join(root, 'test', 'e2e');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(dir, f), 'utf8'));
  const names = new Set(FIELDS.flatMap((f) => (f.does === 'honoured' ? [f.test] : [])));
  for (const name of names) t.ok(sources.some((s) => s.includes(name)), `an e2e test is titled "${name}"`);
});

t.test('create checks exactly the refused entries of the table, in its order', async (t) => {
  t.same(
    FIELDS.filter((f) => f.does === 'refused'),
    REFUSED_FIELDS,
  );
});

t.test('each refused field is refused by create, at its concrete pointer, with its reason', async (t) => {
  for (const f of FIELDS) {
    if (f.does !== 'refused') continue;
    // The config sets the field (a string where one is wanted, else an object with one key).
    const steps = f.path.split('/').slice(1).map((s) => (s === '*' ? '0' : s));
    const config: Record<string, unknown> = {};
    let cur = config;
    steps.forEach((s, i) => {
      if (i === steps.length - 1) cur[s] = f.subtree ? { something: 1 } : 'x';
      else cur = cur[s] = {} as Record<string, unknown>;
    });
    t.same(refusedField(config), { pointer: '/' + steps.join('/'), reason: f.reason }, f.path);
  }
  t.equal(refusedField({ process: { apparmorProfile: '' }, linux: { intelRdt: {} } }), undefined, 'an empty value is not set');
  t.same(refusedField({ linux: { intelRdt: { closID: 'x' } } })?.pointer, '/linux/intelRdt', 'a field inside a refused one is refused with it');
});

t.test('features says enabled exactly for what the table honours', async (t) => {
  const linux = features().linux as Record<string, Record<string, unknown>>;
  t.equal(linux.intelRdt.enabled, isHonoured('/linux/intelRdt'), 'intelRdt');
  t.equal(linux.intelRdt.schemata, isHonoured('/linux/intelRdt/schemata'), 'intelRdt.schemata');
  t.equal(linux.intelRdt.monitoring, isHonoured('/linux/intelRdt/enableMonitoring'), 'intelRdt.monitoring');
  t.equal(linux.netDevices.enabled, isHonoured('/linux/netDevices'), 'netDevices');
  t.equal(linux.apparmor.enabled, isHonoured('/process/apparmorProfile'), 'apparmor');
  t.equal(linux.selinux.enabled, isHonoured('/process/selinuxLabel'), 'selinux');
  t.equal('memoryPolicy' in linux, isHonoured('/linux/memoryPolicy'), 'memoryPolicy listed only when honoured');
});

t.test('docs/fields.md is what the table writes (node scripts/fields-doc.mjs)', async (t) => {
  const doc = join(root, 'docs', 'fields.md');
  t.ok(existsSync(doc), 'docs/fields.md exists');
  t.equal(readFileSync(doc, 'utf8'), fieldsMarkdown(), 'docs/fields.md is up to date');
});
