// Validation of config.json as create sees it: JSON syntax errors with line
// and column, schema errors and semantic errors, each naming the JSON pointer.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { loadBundleConfig, parseJson } from '../../src/spec/load';
import { checkContainerId } from '../../src/spec/semantic';
import { defaultSpec } from '../../src/spec/default';
import { RuntsError } from '../../src/errors';

function bundleWith(edit: (c: any) => void, raw?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-unit-'));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const c: any = defaultSpec();
  c.process.terminal = false;
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), raw ?? JSON.stringify(c, null, 2));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RuntsError)) throw err;
    return err.message;
  }
  return '(no error)';
}

t.test('the default spec is valid', async (t) => {
  const { config } = loadBundleConfig(bundleWith(() => {}));
  t.equal(config.ociVersion, '1.3.0');
  t.same(config.process!.args, ['sh']);
});

t.test('a config that is not JSON names the line and column', async (t) => {
  const msg = errorOf(() => loadBundleConfig(bundleWith(() => {}, '{\n  "ociVersion": "1.3.0",\n  "root": {,}\n}')));
  t.match(msg, /^config\.json: not valid JSON at line 3, column 12/);
  t.match(errorOf(() => parseJson('{"a": 1', 'config.json')), /line 1, column 8/);
});

t.test('a bad enum names the pointer, the allowed values and what was there', async (t) => {
  const msg = errorOf(() => loadBundleConfig(bundleWith((c) => (c.linux.namespaces[2].type = 'netwrk'))));
  t.equal(msg, 'config.json: /linux/namespaces/2/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time; got "netwrk"');
});

t.test('a wrong type and a missing field name their pointers', async (t) => {
  t.match(errorOf(() => loadBundleConfig(bundleWith((c) => (c.process.user.uid = 'root')))), /^config\.json: \/process\/user\/uid: must be of type integer; got "root"/);
  t.match(errorOf(() => loadBundleConfig(bundleWith((c) => delete c.ociVersion))), /^config\.json: \/ociVersion: is required/);
  t.match(errorOf(() => loadBundleConfig(bundleWith((c) => (c.mounts[0].options = 'ro')))), /^config\.json: \/mounts\/0\/options: must be of type array/);
});

t.test('semantic checks beyond the schema', async (t) => {
  const cases: [string, (c: any) => void, RegExp][] = [
    ['ociVersion major', (c) => (c.ociVersion = '2.0.0'), /\/ociVersion: must be a 1\.x version; got "2\.0\.0"/],
    ['duplicate namespace', (c) => c.linux.namespaces.push({ type: 'pid' }), /\/linux\/namespaces\/\d+\/type: duplicate namespace; got "pid"/],
    ['user namespace without mappings', (c) => c.linux.namespaces.push({ type: 'user' }), /\/linux\/uidMappings: is required with a new user namespace/],
    ['relative mount destination', (c) => (c.mounts[0].destination = 'proc'), /\/mounts\/0\/destination: must be an absolute path; got "proc"/],
    ['empty args', (c) => (c.process.args = []), /\/process\/args: must not be empty/],
    ['missing rootfs', (c) => (c.root.path = 'nope'), /\/root\/path: must be an existing directory; got "nope"/],
    ['unknown rlimit', (c) => c.process.rlimits.push({ type: 'RLIMIT_FOO', soft: 1, hard: 1 }), /\/process\/rlimits\/1\/type: unknown rlimit; got "RLIMIT_FOO"/],
    ['relative hook path', (c) => (c.hooks = { prestart: [{ path: 'x' }] }), /\/hooks\/prestart\/0\/path: must be an absolute path; got "x"/],
    ['net sysctl without a network namespace', (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, /\/linux\/sysctl\/net\.ipv4\.ip_forward: needs a network namespace in \/linux\/namespaces \(new or joined by path\), not the host's/],
    ['net sysctl in the host\'s network namespace joined by path', (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, /\/linux\/sysctl\/net\.ipv4\.ip_forward: \/linux\/namespaces\/1\/path is the host's network namespace \(runts's own\)/],
    ['net sysctl with a namespace path that is not there', (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/nonexistent/ns/net' } : n));
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, /\/linux\/sysctl\/net\.ipv4\.ip_forward: \/linux\/namespaces\/1\/path "\/nonexistent\/ns\/net": cannot read it: ENOENT/],
    ['ipc sysctl written with slashes, without an IPC namespace', (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'ipc');
      c.linux.sysctl = { 'kernel/shmmax': '1' };
    }, /\/linux\/sysctl\/kernel~1shmmax: needs a ipc namespace/],
    ['user.* sysctl without a user namespace', (c) => (c.linux.sysctl = { 'user.max_user_namespaces': '0' }), /\/linux\/sysctl\/user\.max_user_namespaces: needs a user namespace/],
    ['hostname without a UTS namespace', (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'uts')), /\/hostname: needs a UTS namespace in \/linux\/namespaces \(new or joined by path\); got "runts"/],
    ['domainname without a UTS namespace', (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'uts');
      delete c.hostname;
      c.domainname = 'd';
    }, /\/domainname: needs a UTS namespace/],
    ['time offsets with a time namespace joined by path', (c) => {
      c.linux.namespaces.push({ type: 'time', path: '/proc/self/ns/time' });
      c.linux.timeOffsets = { boottime: { secs: 1 } };
    }, /\/linux\/timeOffsets: a time namespace joined by path keeps its own offsets/],
    ['a sysctl no namespace covers', (c) => (c.linux.sysctl = { 'kernel.pid_max': '100' }), /\/linux\/sysctl\/kernel\.pid_max: not namespaced/],
    ['relative cwd', (c) => (c.process.cwd = 'tmp'), /\/process\/cwd: must be an absolute path; got "tmp"/],
    // runc 1.5: kernel.hostname fights the hostname field (docs/runc-differences.md).
    ['kernel.hostname in sysctl', (c) => (c.linux.sysctl = { 'kernel.hostname': 'x' }), /^config\.json: \/linux\/sysctl\/kernel\.hostname: conflicts with \/hostname/],
    ['kernel.domainname in sysctl with the domainname field', (c) => {
      c.domainname = 'a.example';
      c.linux.sysctl = { 'kernel.domainname': 'b.example' };
    }, /^config\.json: \/linux\/sysctl\/kernel\.domainname: conflicts with \/domainname/],
  ];
  for (const [name, edit, want] of cases) t.match(errorOf(() => loadBundleConfig(bundleWith(edit))), want, name);
});

// Joined by path is not the host's: the namespaces of another process (a
// CRI pod's) take the keys of their kind, as runc allows.
t.test('namespaced sysctls and the hostname in namespaces joined by path are allowed', async (t) => {
  const other = spawnSync('unshare', ['--user', '--map-root-user', '--net', '--ipc', '--uts', 'true']);
  if (other.status !== 0) return t.skip('unshare of net, ipc and uts namespaces is not possible here');
  const holder = spawn('unshare', ['--user', '--map-root-user', '--net', '--ipc', '--uts', 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  const pid = holder.pid!;
  const ns = (n: string) => fs.readlinkSync(`/proc/${pid}/ns/${n}`);
  for (let i = 0; i < 200 && ns('uts') === fs.readlinkSync('/proc/self/ns/uts'); i++) await new Promise((r) => setTimeout(r, 10));
  const config = loadBundleConfig(bundleWith((c) => {
    const paths: Record<string, string> = { network: 'net', ipc: 'ipc', uts: 'uts' };
    c.linux.namespaces = c.linux.namespaces.map((n: any) => (paths[n.type] ? { type: n.type, path: `/proc/${pid}/ns/${paths[n.type]}` } : n));
    c.linux.sysctl = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net/ipv4/ping_group_range': '0 0', 'kernel.shmmni': '10', 'fs.mqueue.msg_max': '20', 'kernel.domainname': 'pod' };
  }));
  t.equal(Object.keys(config.config.linux!.sysctl!).length, 5, 'every key accepted');
});

t.test('kernel.domainname in sysctl alone is taken, as runc 1.5 takes it', async (t) => {
  const { config } = loadBundleConfig(bundleWith((c) => (c.linux.sysctl = { 'kernel.domainname': 'b.example' })));
  t.same(config.linux?.sysctl, { 'kernel.domainname': 'b.example' });
});

t.test('a missing config.json is named', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-unit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.match(errorOf(() => loadBundleConfig(dir)), /config\.json: cannot read: no such file/);
});

t.test('container IDs never name a path', async (t) => {
  for (const good of ['abc', 'a1_b.c+d-e', 'X']) t.equal(checkContainerId(good), undefined, good);
  for (const bad of ['', '../x', 'a/b', '.hidden', '-x', '..', 'a b', 'a\nb']) t.ok(checkContainerId(bad), JSON.stringify(bad));
});
