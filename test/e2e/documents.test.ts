// What runts prints for others to read: the config of `runts spec`, the
// state of `runts state` and the features document, each checked against
// the upstream runtime-spec schemas (../shared/runtime-spec) and ours.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle, newId, REPO, runts, tempDir } from './lib';

const upstream = fs.existsSync(path.resolve(REPO, '..', 'shared', 'runtime-spec', 'state-schema.json'));
const suffix = upstream ? '' : ' (ours only: ../shared/runtime-spec is not here)';

function check(t: any, kind: string, doc: string) {
  const file = path.join(tempDir(t), `${kind}.json`);
  fs.writeFileSync(file, doc);
  const r = spawnSync('node', [path.join(REPO, 'scripts', 'check-schemas.mjs'), '--doc', kind, file], { encoding: 'utf8' });
  t.equal(r.status, 0, `${kind} validates`, { out: r.stdout });
  t.match(r.stdout, /ours: valid/);
  if (upstream) t.match(r.stdout, /upstream: valid/);
}

t.test(`runts spec writes a valid config${suffix}`, async (t) => {
  const dir = tempDir(t);
  t.equal(runts(['spec'], { cwd: dir }).status, 0);
  check(t, 'config', fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const again = runts(['spec'], { cwd: dir });
  t.equal(again.status, 1, 'an existing config.json is not overwritten');
  const rootless = tempDir(t);
  t.equal(runts(['spec', '--rootless', '--bundle', rootless]).status, 0);
  const c = JSON.parse(fs.readFileSync(path.join(rootless, 'config.json'), 'utf8'));
  t.ok(c.linux.namespaces.some((n: any) => n.type === 'user'), '--rootless has a user namespace');
  t.ok(c.linux.uidMappings.length, 'and id mappings');
  check(t, 'config', JSON.stringify(c));
});

t.test(`runts state prints a valid state for created and running containers${suffix}`, async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  t.equal(runts(['create', '--bundle', b.dir, id]).status, 0);
  check(t, 'state', runts(['state', id]).stdout);
  t.equal(runts(['start', id]).status, 0);
  check(t, 'state', runts(['state', id]).stdout);
});

t.test(`runts features prints a valid features document, with seccomp${suffix}`, async (t) => {
  const r = runts(['features']);
  t.equal(r.status, 0);
  check(t, 'features', r.stdout);
  const f = JSON.parse(r.stdout);
  t.equal(f.ociVersionMax, '1.3.0');
  t.ok(f.linux.seccomp.enabled, 'seccomp enabled');
  t.ok(f.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY'), 'with the notify action');
  t.ok(f.linux.namespaces.includes('time'));
});

// The keys runc 1.5's features.go fills in (its annotations are its own).
t.test('runts features has every key runc 1.5 prints', async (t) => {
  const f = JSON.parse(runts(['features']).stdout);
  const keys = (o: object) => Object.keys(o).sort();
  for (const k of ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'potentiallyUnsafeConfigAnnotations']) t.ok(k in f, k);
  for (const k of ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'memoryPolicy', 'mountExtensions', 'netDevices']) t.ok(k in f.linux, `linux.${k}`);
  t.same(keys(f.linux.cgroup), ['rdma', 'systemd', 'systemdUser', 'v1', 'v2'], 'linux.cgroup');
  t.same(keys(f.linux.intelRdt), ['enabled', 'monitoring', 'schemata'], 'linux.intelRdt');
  t.same(keys(f.linux.memoryPolicy), ['flags', 'modes'], 'linux.memoryPolicy');
  t.ok('enabled' in f.linux.netDevices, 'linux.netDevices.enabled');
  t.ok('enabled' in f.linux.mountExtensions.idmap, 'linux.mountExtensions.idmap.enabled');
  if (f.linux.seccomp.enabled) for (const k of ['actions', 'operators', 'archs', 'knownFlags', 'supportedFlags']) t.ok(k in f.linux.seccomp, `linux.seccomp.${k}`);
  t.ok(Array.isArray(f.potentiallyUnsafeConfigAnnotations), 'potentiallyUnsafeConfigAnnotations is a list');
});

t.test('runts --version names runts, the spec version, the commit and the libseccomp it loads', async (t) => {
  const r = runts(['--version']);
  t.match(r.stdout, /^runts version \d+\.\d+\.\d+\ncommit: \S+\nspec: 1\.3\.0/);
  // The library the dynamic linker finds for libseccomp.so.2 is named by
  // its full version (libseccomp.so.2.5.4).
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout;
  const so = /^\s*libseccomp\.so\.2 \(libc6[^)]*\) => (\S+)$/m.exec(cache)?.[1];
  const file = so ? path.basename(fs.realpathSync(so)) : undefined;
  t.match(file, /^libseccomp\.so\.\d+\.\d+\.\d+$/, `libseccomp.so.2 is ${file}`);
  t.match(r.stdout, new RegExp(`^libseccomp: ${file?.slice('libseccomp.so.'.length).replace(/\./g, '\\.')}$`, 'm'), 'the libseccomp line, as runc prints it');
});
