// AppArmor and SELinux end to end (docs/lsm.md): what the kernel says about
// the container's processes (/proc/<pid>/attr/..., mountinfo, a file's
// security.selinux) and what a confined process may do. AppArmor runs
// where it is enabled (the stock-host VM: scripts/v2-host); SELinux where
// the kernel was booted with it and a policy is loaded (permissive). On a
// host without them, the refusals run and the rest skips with the reason.
//
// The test profile is loaded with apparmor_parser under a name of this
// run's own and removed in the teardown; nothing else of the host's policy
// is touched.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Config, cgroupDirs, isAlive, isOneLineError, launcherWithoutNode, makeBundle, newId, procsInCgroup, runts, stateDir, tempDir, waitFor } from './lib';

type T = Test;

const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;

// What the kernel says about this host.
const apparmor = read('/sys/module/apparmor/parameters/enabled')?.startsWith('Y') === true && fs.existsSync('/sys/kernel/security/apparmor');
const parser = which('apparmor_parser');
const selinux = fs.existsSync('/sys/fs/selinux/enforce') && read('/proc/self/attr/current')?.replace(/[\0\n]+$/, '') !== 'kernel';
const aaReason = !apparmor ? 'AppArmor is not enabled on this host' : !parser ? 'no apparmor_parser (Debian package apparmor)' : '';
const seReason = selinux ? '' : 'SELinux is not enabled on this host (boot with security=selinux selinux=1 and a policy)';
// Every test's name ends with the host's LSM, so that make test's summary
// tells the AppArmor boot's runs from the SELinux boot's.
const shaped = (name: string) => `${name} [${apparmor ? 'AppArmor' : selinux ? 'SELinux' : 'no LSM'} host]`;
const aaName = (name: string) => (aaReason ? `${name} (skipped: ${aaReason})` : name);
const seName = (name: string) => (seReason ? `${name} (skipped: ${seReason})` : name);

// Debian's policy has no container_t: svirt_t and svirt_image_t exist.
const LABEL = 'system_u:system_r:svirt_t:s0:c12,c345';
const MOUNT_LABEL = 'system_u:object_r:svirt_image_t:s0:c12,c345';

// The task's AppArmor label: the LSM's own file where the kernel has it.
function aaCurrent(pid: number): string | undefined {
  return (read(`/proc/${pid}/attr/apparmor/current`) ?? read(`/proc/${pid}/attr/current`))?.replace(/[\0\n]+$/, '');
}
const seCurrent = (pid: number) => read(`/proc/${pid}/attr/current`)?.replace(/[\0\n]+$/, '');

// A profile that allows everything but reading or writing /runts-secret,
// and logs the denial (a bare `deny` is not logged).
const PROFILE = `runts-e2e-${randomBytes(4).toString('hex')}`;
function loadProfile(t: T): void {
  const dir = tempDir(t);
  const file = path.join(dir, 'profile');
  fs.writeFileSync(file, `profile ${PROFILE} flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
  audit deny /runts-secret rw,
}
`);
  const r = spawnSync(parser!, ['-r', '-K', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`apparmor_parser -r ${file}: ${r.stderr}`);
  t.teardown(() => {
    spawnSync(parser!, ['-R', '-K', file]);
  });
}

const SECRET = 'the secret\n';
const CAT = ['sh', '-c', 'cat /runts-secret; echo "cat exit $?"'];
function bundle(t: T, args: string[], edit: (c: Config) => void = () => {}) {
  const b = makeBundle(t, { args, edit });
  fs.writeFileSync(path.join(b.rootfs, 'runts-secret'), SECRET);
  return b;
}

// Nothing of a container that failed to be created: no state, cgroup or process.
async function assertNothingLeft(t: T, id: string): Promise<void> {
  await waitFor(() => procsInCgroup(`/runts/${id}`).length === 0, 3000);
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  for (const d of cgroupDirs(id)) t.notOk(fs.existsSync(d), `no cgroup directory ${d}`);
  t.same(procsInCgroup(`/runts/${id}`), [], 'no process in its cgroup');
}

function startDetached(t: T, b: { dir: string }, id: string): number {
  const c = runts(['create', '--bundle', b.dir, id]);
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  const pid = Number(JSON.parse(runts(['state', id]).stdout).pid);
  const s = runts(['start', id]);
  t.equal(s.status, 0, 'start', { stderr: s.stderr });
  return pid;
}

// bin/runts with a stand-in for node that only says it ran (exit 99): a
// command it carries to its end ran on the C path (native/direct/exec.c);
// one that falls back to Node prints "node ran". stdout and stderr in
// files: an exec'd program inherits them, and a pipe would stay open while
// it runs. Built once for the file (the root test's, removed at its end):
// under emulation the compiler takes a while.
type Ran = { status: number | null; stdout: string; stderr: string };
let sharedLauncher: ((args: string[]) => Ran) | undefined;
function withoutNode(): (args: string[]) => Ran {
  if (sharedLauncher) return sharedLauncher;
  const bin = launcherWithoutNode(t);
  const dir = tempDir(t);
  return (sharedLauncher = (args) => {
    const out = path.join(dir, 'out'), err = path.join(dir, 'err');
    const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
    const r = spawnSync(bin, ['--root', stateDir(), ...args], { timeout: 120000, stdio: ['ignore', fds[0], fds[1]] });
    fds.forEach((fd) => fs.closeSync(fd));
    return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  });
}

// ---------------------------------------------------------------- AppArmor

t.test(shaped(aaName('apparmorProfile confines the container from its first instruction: denied with the profile, allowed without, attr/current names it in enforce mode')), { skip: !!aaReason }, async (t) => {
  loadProfile(t);
  const confined = runts(['run', '--bundle', bundle(t, CAT, (c) => (c.process.apparmorProfile = PROFILE)).dir, newId(t)]);
  t.match(confined.stdout, /cat exit 1/, 'cat /runts-secret fails in the confined container');
  t.notMatch(confined.stdout, /the secret/);
  t.match(confined.stdout + confined.stderr, /Permission denied/);
  const free = runts(['run', '--bundle', bundle(t, CAT).dir, newId(t)]);
  t.match(free.stdout, /the secret\ncat exit 0/, 'the same without the profile reads it');

  const id = newId(t);
  const b = bundle(t, ['sleep', '30'], (c) => (c.process.apparmorProfile = PROFILE));
  const c = runts(['create', '--bundle', b.dir, id]);
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  const pid = Number(JSON.parse(runts(['state', id]).stdout).pid);
  t.equal(aaCurrent(pid), 'unconfined', 'the waiting init is not confined (the profile is changed on exec)');
  t.equal(runts(['start', id]).status, 0);
  t.ok(await waitFor(() => aaCurrent(pid) === `${PROFILE} (enforce)`), `after start: ${aaCurrent(pid)}`);
});

t.test(shaped(aaName('exec: --apparmor (Node), process.json and the container\'s own profile (the C path, checked to be it) confine the exec\'d process')), { skip: !!aaReason }, async (t) => {
  const fast = withoutNode(); // built first: under emulation the compiler takes a while
  loadProfile(t);
  const dir = tempDir(t);
  // A container without a profile; exec --apparmor confines just that process.
  const free = newId(t);
  const fpid = startDetached(t, bundle(t, ['sleep', '30']), free);
  // --apparmor is Node's: the C path hands it over, having started nothing.
  const handed = fast(['exec', '--apparmor', PROFILE, free, 'true']);
  t.equal(handed.status, 99, 'exec --apparmor goes to Node', { stderr: handed.stderr });
  t.match(handed.stdout, /^node ran$/m, 'exec --apparmor: Node runs it');
  const flag = runts(['exec', '--apparmor', PROFILE, free, ...CAT]);
  t.match(flag.stdout, /cat exit 1/, 'exec --apparmor (Node): denied');
  const pidFile = path.join(dir, 'flag.pid');
  t.equal(runts(['exec', '--detach', '--pid-file', pidFile, '--apparmor', PROFILE, free, 'sleep', '30']).status, 0);
  t.equal(aaCurrent(Number(read(pidFile))), `${PROFILE} (enforce)`, 'exec --apparmor (Node): attr/current of the exec\'d process');
  t.equal(aaCurrent(fpid), 'unconfined', 'the container\'s first process stays unconfined');
  // Engines' forms take the C path: through the launcher whose node only
  // says it ran, a fallback would print "node ran" and exit 99.
  const plain = fast(['exec', free, ...CAT]);
  t.notMatch(plain.stdout, /node ran/, 'plain exec: the C path ran it');
  t.match(plain.stdout, /the secret\ncat exit 0/, 'plain exec there (C path): allowed');

  // process.json carrying the profile
  const proc = { terminal: false, user: { uid: 0, gid: 0 }, args: ['sleep', '30'], cwd: '/', apparmorProfile: PROFILE };
  const procFile = path.join(dir, 'process.json');
  fs.writeFileSync(procFile, JSON.stringify(proc));
  const pf = path.join(dir, 'pj.pid');
  const pj = fast(['exec', '--detach', '--pid-file', pf, '--process', procFile, free]);
  t.equal(pj.status, 0, 'exec --process with apparmorProfile', { stdout: pj.stdout, stderr: pj.stderr });
  t.notMatch(pj.stdout, /node ran/, 'exec --process with apparmorProfile: the C path ran it');
  t.equal(aaCurrent(Number(read(pf))), `${PROFILE} (enforce)`, 'process.json apparmorProfile (C path)');

  // A confined container: exec without flags inherits its profile (as runc).
  const conf = newId(t);
  startDetached(t, bundle(t, ['sleep', '30'], (c) => (c.process.apparmorProfile = PROFILE)), conf);
  const denied = fast(['exec', conf, ...CAT]);
  t.notMatch(denied.stdout, /node ran/, 'exec into a confined container: the C path ran it');
  t.match(denied.stdout, /cat exit 1/, 'exec into a confined container (C path): denied');
  const ip = path.join(dir, 'inherit.pid');
  fs.writeFileSync(procFile, JSON.stringify({ ...proc, apparmorProfile: undefined }));
  const inherit = fast(['exec', '--detach', '--pid-file', ip, '--process', procFile, conf]);
  t.equal(inherit.status, 0, 'exec --process without a profile', { stdout: inherit.stdout, stderr: inherit.stderr });
  t.notMatch(inherit.stdout, /node ran/, 'exec --process without a profile: the C path ran it');
  t.equal(aaCurrent(Number(read(ip))), `${PROFILE} (enforce)`, 'process.json without a profile gets the container\'s (C path)');
});

t.test(shaped(aaName('an AppArmor profile that is not loaded: create and exec fail naming the profile and the field, nothing left')), { skip: !!aaReason }, async (t) => {
  const id = newId(t);
  const r = runts(['create', '--bundle', bundle(t, ['true'], (c) => (c.process.apparmorProfile = 'runts-e2e-nonesuch')).dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^runts: config\.json: \/process\/apparmorProfile: AppArmor profile "runts-e2e-nonesuch" is not loaded/);
  t.ok(isOneLineError(r.stderr), 'one line, no stack');
  await assertNothingLeft(t, id);

  const live = newId(t);
  startDetached(t, bundle(t, ['sleep', '30']), live);
  const before = procsInCgroup(`/runts/${live}`).length;
  const e = runts(['exec', '--apparmor', 'runts-e2e-nonesuch', live, 'true']);
  t.equal(e.status, 255, "exec's own failure: 255, as runc (src/cli/exec.ts)");
  t.match(e.stderr, /--apparmor runts-e2e-nonesuch: AppArmor profile "runts-e2e-nonesuch" is not loaded/);
  t.equal(procsInCgroup(`/runts/${live}`).length, before, 'no process added');
});

// ---------------------------------------------------------------- hosts without them

t.test(shaped(apparmor ? 'apparmorProfile without AppArmor (skipped: AppArmor is enabled here; the not-loaded test covers refusals)' : 'apparmorProfile on a host without AppArmor: refused naming the field, as runc fails (EINVAL), nothing left'), { skip: apparmor }, async (t) => {
  const id = newId(t);
  const r = runts(['create', '--bundle', bundle(t, ['true'], (c) => (c.process.apparmorProfile = 'docker-default')).dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^runts: config\.json: \/process\/apparmorProfile: AppArmor is not enabled on this host.*"docker-default"/);
  t.ok(isOneLineError(r.stderr));
  await assertNothingLeft(t, id);
  const live = newId(t);
  startDetached(t, bundle(t, ['sleep', '30']), live);
  const e = runts(['exec', '--apparmor', 'docker-default', live, 'true']);
  t.equal(e.status, 255, "exec's own failure: 255, as runc (src/cli/exec.ts)");
  t.match(e.stderr, /^runts: --apparmor docker-default: AppArmor is not enabled on this host/);
});

t.test(shaped(selinux ? 'selinuxLabel and mountLabel without SELinux (skipped: SELinux is enabled here)' : 'selinuxLabel and mountLabel on a host without SELinux: refused naming the field, nothing left'), { skip: selinux }, async (t) => {
  for (const [field, edit] of [
    ['/process/selinuxLabel', (c: Config) => (c.process.selinuxLabel = LABEL)],
    ['/linux/mountLabel', (c: Config) => (c.linux.mountLabel = MOUNT_LABEL)],
  ] as const) {
    const id = newId(t);
    const r = runts(['create', '--bundle', bundle(t, ['true'], edit).dir, id]);
    t.equal(r.status, 1, field);
    t.match(r.stderr, new RegExp(`^runts: config\\.json: ${field.replace(/\//g, '\\/')}: SELinux is not enabled on this host`));
    await assertNothingLeft(t, id);
  }
  const live = newId(t);
  startDetached(t, bundle(t, ['sleep', '30']), live);
  const e = runts(['exec', '--process-label', LABEL, live, 'true']);
  t.equal(e.status, 255, "exec's own failure: 255, as runc (src/cli/exec.ts)");
  t.match(e.stderr, /^runts: --process-label system_u:system_r:svirt_t:s0:c12,c345: SELinux is not enabled/);
});

t.test(shaped('a malformed SELinux label: refused naming the field, before anything is made'), async (t) => {
  const id = newId(t);
  const r = runts(['create', '--bundle', bundle(t, ['true'], (c) => (c.process.selinuxLabel = 'svirt_t')).dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^runts: config\.json: \/process\/selinuxLabel: must be an SELinux context user:role:type\[:level\]; got "svirt_t"/);
  await assertNothingLeft(t, id);
  const m = newId(t);
  const r2 = runts(['create', '--bundle', bundle(t, ['true'], (c) => (c.linux.mountLabel = 'a:b')).dir, m]);
  t.match(r2.stderr, /^runts: config\.json: \/linux\/mountLabel: must be an SELinux context/);
  await assertNothingLeft(t, m);
});

// ---------------------------------------------------------------- SELinux

function xattr(file: string): string | undefined {
  const r = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "security.selinux").rstrip(b"\\0").decode())', file], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

t.test(shaped(seName('selinuxLabel and mountLabel: the process runs in the label, the mounts runts makes carry the mount label')), { skip: !!seReason }, async (t) => {
  const fast = withoutNode(); // built first: under emulation the compiler takes a while
  const id = newId(t);
  const b = bundle(t, ['sleep', '300'], (c) => {
    c.process.selinuxLabel = LABEL;
    c.linux.mountLabel = MOUNT_LABEL;
  });
  const pid = startDetached(t, b, id);
  t.ok(await waitFor(() => seCurrent(pid) === LABEL), `attr/current: ${seCurrent(pid)}`);
  const mounts = read(`/proc/${pid}/mountinfo`) ?? '';
  for (const dest of ['/dev', '/dev/pts', '/dev/shm']) {
    const line = mounts.split('\n').find((l) => l.split(' ')[4] === dest) ?? '';
    t.match(line, /context="?system_u:object_r:svirt_image_t:s0:c12,c345"?/, `${dest} mounted with the context`);
  }
  const masked = mounts.split('\n').find((l) => l.split(' ')[4] === '/sys/firmware') ?? '';
  t.match(masked, / - tmpfs .*context="?system_u:object_r:svirt_image_t:s0:c12,c345"?/, 'a masked directory\'s tmpfs too');
  const proc = mounts.split('\n').find((l) => l.split(' ')[4] === '/proc') ?? '';
  t.notMatch(proc, /context=/, '/proc without');
  t.equal(xattr(`/proc/${pid}/root/dev/mqueue`), MOUNT_LABEL, 'mqueue\'s root labelled');
  t.equal(xattr(`/proc/${pid}/root/dev/shm`), MOUNT_LABEL, 'a file on a context= mount has the label');

  const dir = tempDir(t);
  const pf = path.join(dir, 'e.pid');
  // exec as engines send it goes without Node (native/direct/exec.c): run
  // here through a launcher whose stand-in for node only says it ran. The
  // label is read as soon as exec returns: the process has exec'd by then.
  const c = fast(['exec', '--detach', '--pid-file', pf, id, 'sleep', '30']);
  t.equal(c.status, 0, 'exec ID CMD (C path)', { stdout: c.stdout, stderr: c.stderr });
  t.notMatch(c.stdout, /node ran/, 'exec ID CMD: Node never started');
  t.equal(seCurrent(Number(read(pf))), LABEL, 'exec ID CMD, C path: the container\'s label');
  const own = 'system_u:system_r:svirt_t:s0:c3,c4';
  const procFile = path.join(dir, 'process.json');
  fs.writeFileSync(procFile, JSON.stringify({ terminal: false, user: { uid: 0, gid: 0 }, args: ['sleep', '30'], cwd: '/', selinuxLabel: own }));
  // containerd's shim's order
  const p = fast(['exec', '--process', procFile, '--detach', '--pid-file', pf, id]);
  t.equal(p.status, 0, 'exec --process (C path)', { stdout: p.stdout, stderr: p.stderr });
  t.notMatch(p.stdout, /node ran/, 'exec --process: Node never started');
  t.equal(seCurrent(Number(read(pf))), own, 'exec --process, C path: process.json\'s own label');
  // --process-label is Node's
  const other = 'system_u:system_r:svirt_t:s0:c1,c2';
  t.equal(runts(['exec', '--detach', '--pid-file', pf, '--process-label', other, id, 'sleep', '30']).status, 0);
  t.equal(seCurrent(Number(read(pf))), other, 'exec --process-label (Node)');
  const rings = sessionKeyrings(id);
  t.equal(rings.length, 1, 'one session keyring: the exec\'d processes joined the init\'s');
  t.equal(rings[0] && keyLabel(rings[0].serial), LABEL, 'made with the container\'s label (keycreate before the keyring)');
  t.ok(isAlive(pid));
});

t.test(shaped(seName('an SELinux context the policy does not know: the kernel\'s EINVAL, naming the field, nothing left')), { skip: !!seReason }, async (t) => {
  const id = newId(t);
  const r = runts(['create', '--bundle', bundle(t, ['true'], (c) => (c.process.selinuxLabel = 'system_u:system_r:runts_nonesuch_t:s0')).dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /\/process\/selinuxLabel.*EINVAL/);
  await assertNothingLeft(t, id);
});

// ---------------------------------------------------------------- session keyring

// The kernel's list of the keys this process may view (/proc/keys): the
// container's session keyring `_ses.<id>`, its serial, usage count and
// permissions. Root on the host views it (user view for uid 0).
function sessionKeyrings(id: string): { serial: string; usage: number; perm: number }[] {
  return (read('/proc/keys') ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[7] === 'keyring' && f[8] === `_ses.${id}:`)
    .map((f) => ({ serial: f[0], usage: Number(f[2]), perm: parseInt(f[4], 16) }));
}

// A key's SELinux label (KEYCTL_GET_SECURITY = 17; keyctl(2) is syscall 250 on x86_64).
function keyLabel(serial: string): string | undefined {
  const r = spawnSync('python3', ['-c', 'import ctypes,sys; b=ctypes.create_string_buffer(512); n=ctypes.CDLL(None, use_errno=True).syscall(250, 17, int(sys.argv[1], 16), b, 512); print(b.value.decode() if n > 0 else "errno %d" % ctypes.get_errno())', serial], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const rootReason = process.getuid?.() !== 0 ? 'needs root' : process.arch !== 'x64' ? 'keyctl syscall number is x86_64\'s' : '';

t.test(shaped(`exec joins the container's session keyring (runc's setns init), on the C path and through Node; --no-new-keyring: none${rootReason ? ` (skipped: ${rootReason})` : ''}`), { skip: !!rootReason }, async (t) => {
  const id = newId(t);
  startDetached(t, bundle(t, ['sleep', '60']), id);
  let rings = sessionKeyrings(id);
  t.equal(rings.length, 1, `one _ses.${id} keyring: the init's`);
  t.ok(rings[0] && rings[0].perm & 0x080000, 'the init made it searchable by its user (runc: 0x080000), so exec finds it by name');
  const before = rings[0]?.usage ?? 0;
  const dir = tempDir(t);
  // Plain exec -d --pid-file: bin/runts without Node (checked: through the
  // launcher whose node only says it ran); --cwd: Node's exec.
  const c = withoutNode()(['exec', '--detach', '--pid-file', path.join(dir, 'c.pid'), id, 'sleep', '60']);
  t.equal(c.status, 0, 'exec (C path)', { stdout: c.stdout, stderr: c.stderr });
  t.notMatch(c.stdout, /node ran/, 'exec: the C path ran it');
  t.equal(runts(['exec', '--detach', '--cwd', '/', '--pid-file', path.join(dir, 'n.pid'), id, 'sleep', '60']).status, 0, 'exec --cwd (Node)');
  rings = sessionKeyrings(id);
  t.equal(rings.length, 1, 'still one: the exec\'d processes joined it, made none');
  t.ok((rings[0]?.usage ?? 0) > before, `the exec'd processes hold references to it: their session keyring (usage ${before} -> ${rings[0]?.usage})`);

  const plain = newId(t);
  const b = bundle(t, ['sleep', '60']);
  t.equal(runts(['create', '--no-new-keyring', '--bundle', b.dir, plain]).status, 0);
  t.equal(runts(['start', plain]).status, 0);
  t.equal(runts(['exec', '--detach', '--pid-file', path.join(dir, 'p.pid'), plain, 'sleep', '60']).status, 0);
  t.equal(sessionKeyrings(plain).length, 0, '--no-new-keyring: neither create nor exec made one');
});
