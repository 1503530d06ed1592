// Tests of runts' JSON Schemas (schemas/), of the standalone validators built
// from them (scripts/build-validators.mjs), and, when ../shared/runtime-spec is
// there, of their agreement with the upstream schemas (scripts/check-schemas.mjs).

import t from 'tap';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const schemaDir = join(root, 'schemas');
const fixtureDir = join(root, 'test', 'fixtures');
const upstreamDir = resolve(root, '..', 'shared', 'runtime-spec');
const BASE = 'https://schemas.runts.invalid/runtime-spec/1.3.0/';

type Kind = 'config' | 'features' | 'state';
const ENTRY: Record<Kind, string> = {
  config: 'config-schema.json',
  features: 'features-schema.json',
  state: 'state-schema.json',
};

function compileOurs(): Record<Kind, ValidateFunction> {
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const f of readdirSync(schemaDir).filter((n) => n.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, f), 'utf8')));
  }
  const get = (k: Kind): ValidateFunction => {
    const v = ajv.getSchema(BASE + ENTRY[k]);
    if (!v) throw new Error(`no schema ${ENTRY[k]}`);
    return v;
  };
  return { config: get('config'), features: get('features'), state: get('state') };
}

interface Doc {
  kind: Kind;
  name: string;
  path: string;
  good: boolean;
  data?: unknown;
}

function docsUnder(dir: string): Doc[] {
  const docs: Doc[] = [];
  for (const kind of Object.keys(ENTRY) as Kind[]) {
    for (const verdict of ['good', 'bad']) {
      const d = join(dir, kind, verdict);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d).filter((n) => n.endsWith('.json')).sort()) {
        const path = join(d, f);
        let data: unknown;
        try {
          data = JSON.parse(readFileSync(path, 'utf8'));
        } catch {
          data = undefined; // not JSON: bad by definition
        }
        docs.push({ kind, name: `${kind}/${verdict}/${f}`, path, good: verdict === 'good', data });
      }
    }
  }
  return docs;
}

// For bad fixtures: the one error our schemas must report (keyword at
// instancePath), and nothing else: a wrong value is reported at its own field,
// not as an anyOf/oneOf failure further up.
const EXPECTED_ERROR: Record<string, [string, string]> = {
  'config/bad/annotations-non-string.json': ['type', '/annotations/org.example.n'],
  'config/bad/hook-no-path.json': ['required', '/hooks/createRuntime/0'],
  'config/bad/hook-timeout-zero.json': ['minimum', '/hooks/poststop/0/timeout'],
  'config/bad/linux-blockio-weight.json': ['maximum', '/linux/resources/blockIO/weight'],
  'config/bad/linux-cpu-shares-negative.json': ['minimum', '/linux/resources/cpu/shares'],
  'config/bad/linux-device-filemode.json': ['maximum', '/linux/devices/0/fileMode'],
  'config/bad/linux-device-type.json': ['enum', '/linux/devices/0/type'],
  'config/bad/linux-intelrdt-membw.json': ['pattern', '/linux/intelRdt/memBwSchema'],
  'config/bad/linux-memory-policy-mode.json': ['enum', '/linux/memoryPolicy/mode'],
  'config/bad/linux-namespace-type.json': ['enum', '/linux/namespaces/2/type'],
  'config/bad/linux-not-object.json': ['type', '/linux'],
  'config/bad/linux-personality-domain.json': ['enum', '/linux/personality/domain'],
  'config/bad/linux-pids-no-limit.json': ['required', '/linux/resources/pids'],
  'config/bad/linux-rootfs-propagation.json': ['enum', '/linux/rootfsPropagation'],
  'config/bad/linux-seccomp-action.json': ['enum', '/linux/seccomp/syscalls/1/action'],
  'config/bad/linux-seccomp-arch.json': ['enum', '/linux/seccomp/architectures/1'],
  'config/bad/linux-seccomp-arg-op.json': ['enum', '/linux/seccomp/syscalls/0/args/0/op'],
  'config/bad/linux-seccomp-empty-names.json': ['minItems', '/linux/seccomp/syscalls/0/names'],
  'config/bad/linux-seccomp-no-default-action.json': ['required', '/linux/seccomp'],
  'config/bad/linux-sysctl-number.json': ['type', '/linux/sysctl/net.ipv4.ip_forward'],
  'config/bad/linux-time-offset-nanosecs.json': ['minimum', '/linux/timeOffsets/boottime/nanosecs'],
  'config/bad/linux-uid-mapping-size.json': ['minimum', '/linux/uidMappings/0/size'],
  'config/bad/mount-idmap-missing-size.json': ['required', '/mounts/0/uidMappings/0'],
  'config/bad/mount-no-destination.json': ['required', '/mounts/1'],
  'config/bad/mount-options-string.json': ['type', '/mounts/0/options'],
  'config/bad/no-oci-version.json': ['required', ''],
  'config/bad/process-capabilities-string.json': ['type', '/process/capabilities/bounding'],
  'config/bad/process-console-size.json': ['required', '/process/consoleSize'],
  'config/bad/process-exec-cpu-affinity.json': ['pattern', '/process/execCPUAffinity/final'],
  'config/bad/process-io-priority-class.json': ['enum', '/process/ioPriority/class'],
  'config/bad/process-no-cwd.json': ['required', '/process'],
  'config/bad/process-rlimit-negative.json': ['minimum', '/process/rlimits/0/soft'],
  'config/bad/process-rlimit-type.json': ['pattern', '/process/rlimits/0/type'],
  'config/bad/process-scheduler-policy.json': ['enum', '/process/scheduler/policy'],
  'config/bad/root-no-path.json': ['required', '/root'],
  'config/bad/vm-no-kernel.json': ['required', '/vm'],
  'config/bad/windows-no-layer-folders.json': ['minItems', '/windows/layerFolders'],
  'features/bad/linux-capability.json': ['pattern', '/linux/capabilities/1'],
  'features/bad/linux-namespace.json': ['enum', '/linux/namespaces/2'],
  'features/bad/linux-seccomp-operator.json': ['enum', '/linux/seccomp/operators/1'],
  'state/bad/negative-pid.json': ['minimum', '/pid'],
  'state/bad/no-bundle.json': ['required', ''],
  'state/bad/status-paused.json': ['enum', '/status'],
};

// The scripts are build tooling, not runtime code, so they stay out of the
// coverage report: tap's processinfo hook re-injects itself into every child,
// but leaves alone a _TAPJS_PROCESSINFO_* variable the caller sets.
function runScript(script: string, args: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
  return spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { encoding: 'utf8', env });
}

const brief = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.keyword} at ${e.instancePath || '/'}: ${e.message}`);

const ours = compileOurs();
const fixtures = docsUnder(fixtureDir);

t.test('every schema file has the $id named after it and declares draft-07', async (t) => {
  for (const f of readdirSync(schemaDir).filter((n) => n.endsWith('.json'))) {
    const s = JSON.parse(readFileSync(join(schemaDir, f), 'utf8'));
    t.equal(s.$id, BASE + f, `${f} $id`);
    t.equal(s.$schema, 'http://json-schema.org/draft-07/schema#', `${f} $schema`);
  }
});

t.test('fixtures get the verdict of the directory they are in', async (t) => {
  t.ok(fixtures.length > 0, 'there are fixtures');
  for (const doc of fixtures) {
    const validate = ours[doc.kind];
    const valid = doc.data !== undefined && validate(doc.data);
    t.equal(valid, doc.good, doc.name, { errors: brief(validate.errors) });
  }
});

t.test('bad fixtures fail exactly at the faulty field', async (t) => {
  for (const doc of fixtures.filter((d) => !d.good)) {
    const want = EXPECTED_ERROR[doc.name];
    if (!want) continue;
    const validate = ours[doc.kind];
    t.notOk(validate(doc.data), `${doc.name} is invalid`);
    const got = (validate.errors ?? []).map((e) => [e.keyword, e.instancePath]);
    t.same(got, [want], `${doc.name}: only ${want[0]} at ${want[1] || '/'}`, { errors: brief(validate.errors) });
  }
  const named = new Set(fixtures.map((d) => d.name));
  for (const name of Object.keys(EXPECTED_ERROR)) t.ok(named.has(name), `fixture ${name} exists`);
});

t.test('a wrong value next to other errors is still reported at its own path', async (t) => {
  const doc = {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 'many' }] },
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mnt' }],
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1, op: 'EQ' }] }] },
    },
  };
  t.notOk(ours.config(doc));
  const got = (ours.config.errors ?? []).map((e) => `${e.keyword} ${e.instancePath}`).sort();
  t.same(got, [
    'enum /linux/namespaces/1/type',
    'enum /linux/seccomp/syscalls/0/args/0/op',
    'type /process/rlimits/0/hard',
  ]);
});

t.test('standalone validators match the schemas', async (t) => {
  // Build inside the project (tap's testdir is under .tap/) so that any
  // ajv/dist/runtime helper the generated code requires resolves as it will
  // in the real build.
  const dir = t.testdir({});
  const out = join(dir, 'validators.cjs');
  const build = runScript('build-validators.mjs', [out]);
  t.equal(build.status, 0, 'build-validators exits 0', { stderr: build.stderr });
  if (build.status !== 0) return;
  t.ok(existsSync(out.replace(/\.cjs$/, '.d.cts')), 'declaration file written');

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(out) as Record<string, ValidateFunction>;
  const pairs: [string, Kind][] = [
    ['validateConfig', 'config'],
    ['validateFeatures', 'features'],
    ['validateState', 'state'],
  ];
  for (const [name] of pairs) t.type(mod[name], 'function', `${name} exported`);

  const docs = [...fixtures, ...(existsSync(upstreamDir) ? docsUnder(join(upstreamDir, 'test')) : [])];
  for (const doc of docs) {
    if (doc.data === undefined) continue;
    const [name] = pairs.find(([, k]) => k === doc.kind)!;
    const standalone = mod[name];
    const compiled = ours[doc.kind];
    const a = standalone(doc.data);
    const b = compiled(doc.data);
    t.equal(a, b, `${name}: ${doc.name}`);
    t.same(brief(standalone.errors), brief(compiled.errors), `${name}: same errors for ${doc.name}`);
  }

  const spec = join(upstreamDir, 'test', 'config', 'good', 'spec-example.json');
  if (existsSync(spec)) {
    t.ok(mod.validateConfig(JSON.parse(readFileSync(spec, 'utf8'))), 'upstream spec-example.json is valid');
  }
});

t.test('same verdicts as the upstream runtime-spec schemas', { skip: !existsSync(upstreamDir) && `${upstreamDir} absent` }, async (t) => {
  const run = runScript('check-schemas.mjs');
  t.equal(run.status, 0, 'check-schemas exits 0', { stdout: run.stdout, stderr: run.stderr });
  t.match(run.stdout, /check-schemas: OK/);
});
