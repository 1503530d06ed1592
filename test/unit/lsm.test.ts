// AppArmor and SELinux in the compiled program, without root and without an
// LSM on the host: the facts are given (docs/lsm.md).
import t from 'tap';
import { compile, HostFacts, CompileInput } from '../../src/plan/compile';
import { compileExec } from '../../src/plan/exec';
import type { Instruction } from '../../src/plan/instructions';
import { checkLsm, CONFIG_NAMES, LsmFacts, withContext } from '../../src/plan/lsm';
import { describePlan } from '../../src/plan/describe';
import { lsmFacts } from '../../src/plan/facts';
import { defaultSpec } from '../../src/spec/default';
import { RuntsError } from '../../src/errors';
import type { Config } from '../../src/spec/types';

const apparmorHost: LsmFacts = { apparmor: true, selinux: false, apparmorProfiles: () => new Set(['docker-default', 'runts-test']) };
const selinuxHost: LsmFacts = { apparmor: false, selinux: true, apparmorProfiles: () => undefined };
const noLsm: LsmFacts = { apparmor: false, selinux: false, apparmorProfiles: () => undefined };

const facts = (lsm: LsmFacts): HostFacts => ({
  hasKcore: true,
  cgroupMounts: [
    { name: 'memory', hostDir: '/sys/fs/cgroup/memory/runts/c1' },
    { name: 'unified', hostDir: '/sys/fs/cgroup/unified/runts/c1' },
  ],
  sourceKind: () => 'dir',
  homeOf: () => '/root',
  lsm,
});

function config(edit: (c: Config) => void = () => {}): Config {
  const c = defaultSpec();
  c.process!.terminal = false;
  edit(c);
  return c;
}

const plan = (c: Config, lsm: LsmFacts, extra: Partial<CompileInput> = {}): Instruction[] =>
  compile({ config: c, bundle: '/b', barrier: '/run/runts/c1/barrier', facts: facts(lsm), id: 'c1', ...extra });
const at = (p: Instruction[], op: string, pred: (i: Instruction) => boolean = () => true) => p.findIndex((i) => i.op === op && pred(i));
const LABEL = 'system_u:system_r:svirt_t:s0:c12,c345';
const MOUNT_LABEL = 'system_u:object_r:svirt_image_t:s0:c12,c345';

function throwsNaming(t: { ok: (v: unknown, m: string) => void; fail: (m: string) => void; match: (a: string, r: RegExp, m: string) => void; equal: (a: unknown, b: unknown, m: string) => void }, fn: () => unknown, pointer: string, re: RegExp, msg: string) {
  try {
    fn();
    t.fail(`${msg}: did not throw`);
  } catch (err) {
    t.ok(err instanceof RuntsError, `${msg}: a RuntsError`);
    t.match((err as Error).message, new RegExp('^config\\.json: ' + pointer.replace(/\//g, '\\/') + ': '), `${msg}: names ${pointer}`);
    t.match((err as Error).message, re, msg);
    t.equal((err as RuntsError).pointer, pointer, `${msg}: pointer field`);
  }
}

t.test('no labels: no LSM step, and no LSM fact is read', async (t) => {
  const touched: string[] = [];
  const spy: LsmFacts = {
    get apparmor() { touched.push('apparmor'); return false; },
    get selinux() { touched.push('selinux'); return false; },
    apparmorProfiles: () => { touched.push('profiles'); return undefined; },
  };
  const p = plan(config(), spy);
  t.same(p.filter((i) => ['apparmor-exec', 'selinux-label', 'file-label'].includes(i.op)), []);
  t.notOk(p.some((i) => i.args.some((a) => typeof a === 'string' && a.includes('context='))), 'no context= anywhere');
  t.same(touched, []);
});

t.test('apparmorProfile: one apparmor-exec step after the mounts and createContainer hooks, before the pivot, no_new_privs and seccomp', async (t) => {
  const c = config((c) => {
    c.process!.apparmorProfile = 'runts-test';
    c.process!.noNewPrivileges = true;
    c.hooks = { createContainer: [{ path: '/bin/true' }], startContainer: [{ path: '/bin/true' }] };
  });
  const seccomp = { bpf: Buffer.alloc(8), flags: 0 };
  const p = plan(c, apparmorHost, { seccomp });
  const aa = at(p, 'apparmor-exec');
  t.same(p[aa].args, ['runts-test']);
  t.match(p[aa].label, /runts-test.*\/process\/apparmorProfile/, 'the label names the profile and the field');
  t.equal(p.filter((i) => i.op === 'apparmor-exec').length, 1);
  t.ok(aa > at(p, 'hook'), 'after the createContainer hook');
  t.ok(aa > at(p, 'mount'), 'after the mounts');
  t.ok(aa < at(p, 'pivot-root'), 'before the pivot (host /proc)');
  t.ok(aa < at(p, 'no-new-privs'), 'before no_new_privs');
  t.ok(aa < at(p, 'seccomp'), 'before the seccomp filter');
  t.ok(aa < at(p, 'hook', (i) => i.label.includes('startContainer hook')), 'before the startContainer hooks (confined, as in runc)');
  // Without no_new_privs the filter comes earlier (before caps): still after.
  const q = plan(config((c) => (c.process!.apparmorProfile = 'runts-test')), apparmorHost, { seccomp });
  t.ok(at(q, 'apparmor-exec') < at(q, 'seccomp'), 'before a filter loaded without no_new_privs');
  t.ok(at(q, 'apparmor-exec') < at(q, 'caps'));
});

t.test('apparmorProfile: move-root (--no-pivot) too', async (t) => {
  const p = plan(config((c) => (c.process!.apparmorProfile = 'docker-default')), apparmorHost, { noPivot: true });
  t.ok(at(p, 'apparmor-exec') >= 0 && at(p, 'apparmor-exec') < at(p, 'move-root'));
});

t.test('apparmorProfile refused: AppArmor not enabled, profile not loaded, a newline', async (t) => {
  throwsNaming(t, () => plan(config((c) => (c.process!.apparmorProfile = 'docker-default')), noLsm), '/process/apparmorProfile', /AppArmor is not enabled on this host.*"docker-default"/, 'no AppArmor');
  throwsNaming(t, () => plan(config((c) => (c.process!.apparmorProfile = 'nonesuch')), apparmorHost), '/process/apparmorProfile', /AppArmor profile "nonesuch" is not loaded.*\/sys\/kernel\/security\/apparmor\/profiles/, 'not loaded');
  throwsNaming(t, () => plan(config((c) => (c.process!.apparmorProfile = 'a\nb')), apparmorHost), '/process/apparmorProfile', /must be an AppArmor profile name/, 'newline');
  // Names the kernel resolves itself pass to it.
  for (const name of ['unconfined', 'runts-test//&docker-default', ':ns:p']) {
    t.equal(at(plan(config((c) => (c.process!.apparmorProfile = name)), apparmorHost), 'apparmor-exec'), at(plan(config((c) => (c.process!.apparmorProfile = 'runts-test')), apparmorHost), 'apparmor-exec'), `${name} is left to the kernel`);
  }
  // Where the list cannot be read (not root), the kernel's error at the write.
  const unreadable: LsmFacts = { ...apparmorHost, apparmorProfiles: () => undefined };
  t.ok(at(plan(config((c) => (c.process!.apparmorProfile = 'nonesuch')), unreadable), 'apparmor-exec') > 0);
});

t.test('selinuxLabel: keycreate before the keyring, exec label with the AppArmor step', async (t) => {
  const p = plan(config((c) => (c.process!.selinuxLabel = LABEL)), selinuxHost);
  const key = at(p, 'selinux-label', (i) => i.args[0] === 'keycreate');
  const ring = at(p, 'keyring');
  const exec = at(p, 'selinux-label', (i) => i.args[0] === 'exec');
  t.same(p[key].args, ['keycreate', LABEL]);
  t.same(p[exec].args, ['exec', LABEL]);
  t.ok(at(p, 'setsid') < key && key === ring - 1, 'keycreate right before the session keyring is made');
  t.ok(exec < at(p, 'pivot-root') && exec < at(p, 'user') && exec < at(p, 'caps'), 'exec label before pivot, user and caps');
  t.match(p[exec].label, /\/process\/selinuxLabel/);
  const noRing = plan(config((c) => (c.process!.selinuxLabel = LABEL)), selinuxHost, { noNewKeyring: true });
  t.equal(at(noRing, 'selinux-label', (i) => i.args[0] === 'keycreate'), -1, '--no-new-keyring: no keyring, no keycreate');
  t.ok(at(noRing, 'selinux-label', (i) => i.args[0] === 'exec') > 0);
});

t.test('selinuxLabel refused: SELinux not enabled, malformed', async (t) => {
  throwsNaming(t, () => plan(config((c) => (c.process!.selinuxLabel = LABEL)), noLsm), '/process/selinuxLabel', /SELinux is not enabled on this host/, 'no SELinux');
  throwsNaming(t, () => plan(config((c) => (c.process!.selinuxLabel = LABEL)), apparmorHost), '/process/selinuxLabel', /SELinux is not enabled/, 'AppArmor host');
  for (const bad of ['svirt_t', 'a:b', 'a:b:c d', 'a::c', 'a:b:c\n', 'a:b:c:\0x']) {
    throwsNaming(t, () => plan(config((c) => (c.process!.selinuxLabel = bad)), selinuxHost), '/process/selinuxLabel', /must be an SELinux context user:role:type\[:level\]/, `malformed ${JSON.stringify(bad)}`);
  }
});

t.test('mountLabel: context= on tmpfs, devpts, /dev/shm, the cgroup tmpfs and masked directories; not on proc, sysfs, binds; mqueue labelled after', async (t) => {
  const c = config((c) => {
    c.linux!.mountLabel = MOUNT_LABEL;
    c.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind'] });
  });
  const p = plan(c, selinuxHost);
  const ctx = `context="${MOUNT_LABEL}"`;
  const mountOf = (dest: string) => p.find((i) => (i.op === 'mount' || i.op === 'mount-tmpfs') && i.args[1] === dest)!;
  for (const dest of ['/dev', '/dev/pts', '/dev/shm', '/sys/fs/cgroup']) {
    const data = mountOf(dest).args[4] as string;
    t.ok(data.endsWith(',' + ctx) || data === ctx, `${dest}: ${data}`);
  }
  t.equal(mountOf('/dev').args[4], `mode=755,size=65536k,${ctx}`, 'the options kept, the context last, quoted');
  for (const dest of ['/proc', '/sys', '/data', '/dev/mqueue']) t.notMatch(mountOf(dest).args[4] as string, /context=/, `${dest}: no context`);
  const mq = at(p, 'file-label');
  t.same(p[mq].args, ['/dev/mqueue', MOUNT_LABEL]);
  t.equal(mq, p.indexOf(mountOf('/dev/mqueue')) + 1, 'mqueue labelled right after its mount');
  const masks = p.filter((i) => i.op === 'mask');
  t.ok(masks.length > 0);
  for (const m of masks) t.same(m.args.slice(1), [ctx], `${m.args[0]}: a masked directory's tmpfs gets the context`);
  t.same(plan(config(), noLsm).filter((i) => i.op === 'mask').map((i) => i.args.length), masks.map(() => 1), 'without a mount label: mask keeps one argument');
  t.equal(at(p, 'apparmor-exec'), -1);
  t.equal(at(p, 'selinux-label'), -1, 'a mount label alone sets no process label');
  // tmpcopyup too
  const cu = plan(config((c) => { c.linux!.mountLabel = MOUNT_LABEL; c.mounts!.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] }); }), selinuxHost);
  t.match(cu.find((i) => i.op === 'mount-copyup')!.args[4] as string, ctx);
});

t.test('mountLabel refused without SELinux or malformed', async (t) => {
  throwsNaming(t, () => plan(config((c) => (c.linux!.mountLabel = MOUNT_LABEL)), noLsm), '/linux/mountLabel', /SELinux is not enabled/, 'no SELinux');
  throwsNaming(t, () => plan(config((c) => (c.linux!.mountLabel = 'svirt_image_t')), selinuxHost), '/linux/mountLabel', /user:role:type/, 'malformed');
});

t.test('withContext', async (t) => {
  t.equal(withContext('', 'tmpfs', undefined), '');
  t.equal(withContext('mode=755', 'tmpfs', 'u:r:t:s0'), 'mode=755,context="u:r:t:s0"');
  t.equal(withContext('', 'devpts', 'u:r:t:s0'), 'context="u:r:t:s0"');
  t.equal(withContext('x', 'proc', 'u:r:t:s0'), 'x');
});

t.test('exec: the steps after setsid, before no_new_privs, user, caps and seccomp; names from the caller', async (t) => {
  const proc = { ...defaultSpec().process!, terminal: false, args: ['sh'], apparmorProfile: 'runts-test', selinuxLabel: LABEL, noNewPrivileges: true };
  const p = compileExec({ pid: 42, namespaces: ['mnt', 'pid'], process: proc, preserveFds: 0, seccomp: { bpf: Buffer.alloc(8), flags: 0 }, homeOf: () => '/' });
  const aa = at(p, 'apparmor-exec');
  const se = at(p, 'selinux-label');
  t.same(p[aa].args, ['runts-test']);
  t.same(p[se].args, ['exec', LABEL]);
  t.equal(at(p, 'selinux-label', (i) => i.args[0] === 'keycreate'), -1, 'no keyring (create --no-new-keyring), so no keycreate');
  const withRing = compileExec({ pid: 42, namespaces: ['mnt', 'pid'], process: proc, preserveFds: 0, homeOf: () => '/', keyring: '_ses.c' });
  const kc = at(withRing, 'selinux-label', (i) => i.args[0] === 'keycreate');
  t.same(withRing[kc]?.args, ['keycreate', LABEL], 'keys made by exec get its label');
  t.ok(at(withRing, 'setsid') < kc && at(withRing, 'keyring') === kc + 1, 'right before joining the session keyring, after setsid (runc\'s setns init)');
  t.same(withRing[kc + 1]?.args, ['_ses.c', '0'], 'by name, adding no permission');
  for (const op of ['setsid', 'fork', 'setns']) t.ok(at(p, op) < aa, `after ${op}`);
  for (const op of ['no-new-privs', 'user', 'caps', 'seccomp', 'exec']) t.ok(se < at(p, op), `before ${op}`);
  try {
    checkLsm({ apparmorProfile: 'nonesuch' }, apparmorHost, { ...CONFIG_NAMES, apparmor: '--apparmor nonesuch' });
    t.fail('no throw');
  } catch (err) {
    t.match((err as Error).message, /^--apparmor nonesuch: AppArmor profile "nonesuch" is not loaded/);
  }
  try {
    checkLsm({ selinuxLabel: 'bad' }, selinuxHost, { ...CONFIG_NAMES, selinux: 'process.json: /selinuxLabel' });
    t.fail('no throw');
  } catch (err) {
    t.match((err as Error).message, /^process\.json: \/selinuxLabel: must be an SELinux context/);
    t.equal((err as RuntsError).pointer, '/selinuxLabel');
  }
});

t.test('--dry-run names the LSM steps and their fields', async (t) => {
  const text = describePlan(plan(config((c) => { c.process!.apparmorProfile = 'runts-test'; c.process!.selinuxLabel = LABEL; c.linux!.mountLabel = MOUNT_LABEL; }), { apparmor: true, selinux: true, apparmorProfiles: () => new Set(['runts-test']) }));
  t.match(text, /apparmor-exec profile=runts-test/);
  t.match(text, /selinux-label attr=keycreate label=system_u:system_r:svirt_t:s0:c12,c345/);
  t.match(text, /selinux-label attr=exec label=/);
  t.match(text, /file-label path=\/dev\/mqueue label=/);
  t.match(text, /mask path=\/proc\/acpi tmpfsData=/);
});

t.test('this host, as runts reads it: its answers agree with the files', async (t) => {
  const f = lsmFacts();
  const fs = await import('node:fs');
  const aaFile = (() => { try { return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8'); } catch { return ''; } })();
  t.equal(f.apparmor, aaFile.startsWith('Y') && fs.existsSync('/sys/kernel/security/apparmor'));
  if (!fs.existsSync('/sys/fs/selinux/enforce')) t.equal(f.selinux, false, 'no selinuxfs: SELinux is off');
  if (!f.apparmor) t.equal(f.apparmorProfiles(), undefined, 'no AppArmor: no profile list');
});
