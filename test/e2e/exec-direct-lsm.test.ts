// exec without Node (native/direct/exec.c) into containers with an AppArmor
// profile or an SELinux label, as every engine's container has one on a
// stock host (docker-default, containers-default, cri-containerd.apparmor.d;
// container_t on Fedora). Through bin/runts built with a stand-in for node
// (launcherWithoutNode): the exec'd process's label comes from the kernel
// (/proc/<pid>/attr). Runs in the stock-host VM (AppArmor on; SELinux with
// RUNTS_V2_SELINUX=1); on a host without them it skips with the reason.
// Kept small: the stock-host VM runs it under emulation.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launcherWithoutNode, makeBundle, newId, procCmdline, runts, state, stateDir, tempDir, waitFor } from './lib';

type T = Test;

const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8').replace(/[\0\n]+$/, '');
  } catch {
    return undefined;
  }
};
const parser = spawnSync('sh', ['-c', 'command -v apparmor_parser'], { encoding: 'utf8' }).stdout.trim();
const apparmor = read('/sys/module/apparmor/parameters/enabled')?.startsWith('Y') === true && fs.existsSync('/sys/kernel/security/apparmor');
const selinux = fs.existsSync('/sys/fs/selinux/enforce') && read('/proc/self/attr/current') !== 'kernel';
const aaReason = !apparmor ? 'AppArmor is not enabled on this host' : !parser ? 'no apparmor_parser (Debian package apparmor)' : '';
const seReason = selinux ? '' : 'SELinux is not enabled on this host';

// A profile of this run's own that allows everything: what is checked is
// that the exec'd process runs under it, as the kernel says.
const PROFILE = `runts-e2e-exec-${randomBytes(4).toString('hex')}`;
function loadProfile(t: T): void {
  const file = path.join(tempDir(t), 'profile');
  fs.writeFileSync(file, `profile ${PROFILE} flags=(attach_disconnected,mediate_deleted) {\n  file,\n  capability,\n  network,\n  signal,\n  ptrace,\n  unix,\n  mount,\n  umount,\n  pivot_root,\n}\n`);
  const r = spawnSync(parser, ['-r', '-K', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`apparmor_parser -r ${file}: ${r.stderr}`);
  t.teardown(() => void spawnSync(parser, ['-R', '-K', file]));
}
const aaCurrent = (pid: number) => read(`/proc/${pid}/attr/apparmor/current`) ?? read(`/proc/${pid}/attr/current`);

// A detached exec through the C path: the exec'd process's pid.
async function execDetached(t: T, bin: string, id: string, proc: object, what: string): Promise<number> {
  const dir = tempDir(t);
  const file = path.join(dir, 'process.json');
  const pidFile = path.join(dir, 'exec.pid');
  fs.writeFileSync(file, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sleep', '30'], cwd: '/', ...proc }));
  // containerd's shim's order
  const r = spawnSync(bin, ['--root', stateDir(), 'exec', '--process', file, '--detach', '--pid-file', pidFile, id], { encoding: 'utf8', timeout: 60000 });
  t.equal(r.status, 0, `${what}: exec`, { stdout: r.stdout, stderr: r.stderr });
  t.notMatch(r.stdout, /node ran/, `${what}: Node never started`);
  const pid = Number(read(pidFile));
  t.ok(await waitFor(() => procCmdline(pid)[0] === 'sleep', 30000), `${what}: the program runs`);
  return pid;
}

function started(t: T, edit: (c: any) => void): string {
  const id = newId(t);
  const r = runts(['run', '--detach', '--bundle', makeBundle(t, { args: ['sleep', '60'], edit }).dir, id]);
  t.equal(r.status, 0, 'run --detach', { stderr: r.stderr });
  t.ok(state(id)?.pid, 'running');
  return id;
}

t.test(`the C path applies AppArmor profiles: the container's, inherited, and process.json's own${aaReason ? ` (skipped: ${aaReason})` : ''}`, { skip: !!aaReason }, async (t) => {
  loadProfile(t);
  const bin = launcherWithoutNode(t);
  const id = started(t, (c) => (c.process.apparmorProfile = PROFILE));
  const inherited = await execDetached(t, bin, id, {}, 'process.json without a profile');
  t.equal(aaCurrent(inherited), `${PROFILE} (enforce)`, "the container's profile, in enforce mode");
  const own = await execDetached(t, bin, id, { apparmorProfile: 'unconfined' }, 'process.json with its own');
  t.equal(aaCurrent(own), 'unconfined', "process.json's own profile");
  // one this host cannot apply: Node says why (here, the stand-in)
  const file = path.join(tempDir(t), 'p.json');
  fs.writeFileSync(file, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/', apparmorProfile: `${PROFILE}-not-loaded` }));
  const r = spawnSync(bin, ['--root', stateDir(), 'exec', '--process', file, id], { encoding: 'utf8', timeout: 60000 });
  t.match(r.stdout, /node ran/, 'a profile that is not loaded: left to Node');
});

t.test(`the C path applies SELinux labels: the container's, inherited, and process.json's own${seReason ? ` (skipped: ${seReason})` : ''}`, { skip: !!seReason }, async (t) => {
  // Debian's policy has svirt_t (no container_t)
  const label = 'system_u:system_r:svirt_t:s0:c12,c345';
  const bin = launcherWithoutNode(t);
  const id = started(t, (c) => (c.process.selinuxLabel = label));
  t.equal(read(`/proc/${await execDetached(t, bin, id, {}, 'inherited')}/attr/current`), label, "the container's label");
  const other = 'system_u:system_r:svirt_t:s0:c1,c2';
  t.equal(read(`/proc/${await execDetached(t, bin, id, { selinuxLabel: other }, 'its own')}/attr/current`), other, "process.json's own label");
});
