// Rootless mode without root: detection, the default state directory, which
// id mappings a user may write and how, and what the compiler does
// differently in a user namespace (device binds, sysfs, mqueue, devpts).
import t from 'tap';
import { checkMappings, defaultRoot, inInitialUserNs, isRootless, subIdRanges } from '../../src/rootless';
import { compile, HostFacts } from '../../src/plan/compile';
import type { Instruction } from '../../src/plan/instructions';
import { defaultSpec } from '../../src/spec/default';
import { MS } from '../../src/plan/mountflags';
import type { Config } from '../../src/spec/types';
import { RuntsError } from '../../src/errors';

const INITIAL = '         0          0 4294967295\n';

t.test('detection: euid, the initial user namespace, and --rootless true|false|auto', async (t) => {
  t.ok(inInitialUserNs(INITIAL));
  t.notOk(inInitialUserNs('         0       1000          1\n'), 'a user namespace of its own');
  t.equal(isRootless('auto', 0, INITIAL), false, 'root in the initial namespace');
  t.equal(isRootless(undefined, 0, INITIAL), false, 'auto is the default');
  t.equal(isRootless('auto', 1000, INITIAL), true, 'not root');
  t.equal(isRootless('auto', 0, '0 1000 1\n'), true, 'root of a user namespace only');
  t.equal(isRootless('true', 0, INITIAL), true);
  t.equal(isRootless('false', 1000, INITIAL), false);
  t.throws(() => isRootless('maybe', 0, INITIAL), /--rootless: must be true, false or auto; got "maybe"/);
});

t.test('the default state directory: $XDG_RUNTIME_DIR/runts when rootless, as runc', async (t) => {
  t.equal(defaultRoot(false, {}, 0), '/run/runts');
  t.equal(defaultRoot(true, { XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/runts');
  t.throws(() => defaultRoot(true, {}, 1000), /^rootless: no state directory: XDG_RUNTIME_DIR is not set; set it or pass --root$/);
  t.equal(defaultRoot(true, { XDG_RUNTIME_DIR: '/run/user/1000', USER: 'alice' }, 0), '/run/user/1000/runts', 'root of a user namespace');
  t.equal(defaultRoot(true, { XDG_RUNTIME_DIR: '/run/user/0', USER: 'root' }, 0), '/run/runts', 'USER=root keeps /run/runts');
  t.equal(defaultRoot(true, {}, 0), '/run/runts');
});

t.test('/etc/subuid: by name or number, comments and bad lines skipped', async (t) => {
  const text = '# comment\nalice:100000:65536\n1001:300000:10\nbob:200000:65536\nbroken\nalice:x:1\n';
  t.same(subIdRanges(text, 1000, 'alice'), [{ start: 100000, count: 65536 }]);
  t.same(subIdRanges(text, 1001, 'carol'), [{ start: 300000, count: 10 }]);
  t.same(subIdRanges(text, 1002, 'dave'), []);
});

t.test('id mappings: the own id directly, ranges through newuidmap, the rest refused naming the field', async (t) => {
  const me = { uid: 1000, gid: 1000, name: 'alice', groupName: 'alice' };
  const files: Record<string, string> = { '/etc/subuid': 'alice:100000:65536\n', '/etc/subgid': 'alice:100000:65536\n' };
  const read = (f: string) => files[f] ?? '';
  const tools = (name: string) => `/usr/bin/${name}`;
  const own = [{ containerID: 0, hostID: 1000, size: 1 }];
  const range = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];
  t.same(checkMappings(own, own, me, read, tools), { uid: { direct: true }, gid: { direct: true } });
  t.same(checkMappings(range, own, me, read, tools), { uid: { direct: false }, gid: { direct: true } });
  t.same(checkMappings(range, range, me, read, tools), { uid: { direct: false }, gid: { direct: false } });
  const refused = (u: typeof own, g: typeof own, re: RegExp, pointer: string, find = tools) => {
    try {
      checkMappings(u, g, me, read, find);
      t.fail('accepted');
    } catch (err) {
      t.ok(err instanceof RuntsError);
      t.match((err as Error).message, re);
      t.equal((err as RuntsError).pointer, pointer);
      t.notMatch((err as Error).message, /\n/, 'one line');
    }
  };
  refused([{ containerID: 0, hostID: 0, size: 1 }], own, /^config\.json: \/linux\/uidMappings\/0: host ids 0-0 are not yours to map: .*\/etc\/subuid.*100000-165535/, '/linux/uidMappings/0');
  refused(own, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 165000, size: 1000 }], /^config\.json: \/linux\/gidMappings\/1: host ids 165000-165999 are not yours/, '/linux/gidMappings/1');
  refused(undefined as never, own, /^config\.json: \/linux\/uidMappings: a rootless container's user namespace needs a mapping/, '/linux/uidMappings');
  refused(range, own, /^config\.json: \/linux\/uidMappings: mapping more than your own uid needs newuidmap \(package uidmap\), which is not in PATH$/, '/linux/uidMappings', () => undefined);
});

// ---------------------------------------------------------------- the compiler

const facts: HostFacts = {
  hasKcore: true,
  cgroupMounts: [],
  sourceKind: () => 'dir',
  homeOf: () => '/root',
};

function rootless(edit: (c: Config) => void = () => {}): Config {
  const c = defaultSpec({ rootless: true, uid: 1000, gid: 1000 });
  c.process!.terminal = false;
  edit(c);
  return c;
}
const plan = (c: Config): Instruction[] => compile({ config: c, bundle: '/b', barrier: '/x/barrier', facts });
const find = (p: Instruction[], op: string, pred: (i: Instruction) => boolean = () => true) => p.filter((i) => i.op === op && pred(i));

t.test('devices in a user namespace: the defaults and linux.devices bound from the host, no mknod', async (t) => {
  const p = plan(rootless((c) => (c.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }, { path: '/dev/ram0', type: 'b', major: 1, minor: 0 }])));
  t.equal(find(p, 'mknod').length, 0);
  t.same(find(p, 'bind-dev').map((i) => i.args), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse', '/dev/ram0'].map((d) => [d, d]));
  t.same(find(p, 'bind-dev')[0].label, 'bind device /dev/null', 'each names its step');
  const fifo = plan(rootless((c) => (c.linux!.devices = [{ path: '/dev/myfifo', type: 'p' }])));
  t.same(find(fifo, 'mknod').map((i) => i.args[0]), ['/dev/myfifo'], 'a fifo can still be made');
});

t.test('sysfs without a network namespace: a recursive bind of /sys, remounted with the config\'s flags', async (t) => {
  const p = plan(rootless((c) => {
    c.mounts = c.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
  }));
  const mount = find(p, 'mount', (i) => i.args[1] === '/sys')[0];
  t.same(mount.args, ['/sys', '/sys', '', String(MS.BIND | MS.REC), '']);
  const remount = find(p, 'remount', (i) => i.args[0] === '/sys')[0];
  t.equal(Number(remount.args[1]), MS.BIND | MS.REC | MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
  const withNet = plan(rootless((c) => {
    c.linux!.namespaces!.push({ type: 'network' });
    c.mounts = c.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] } : m));
  }));
  t.equal(find(withNet, 'mount', (i) => i.args[1] === '/sys')[0].args[2], 'sysfs', 'with a network namespace: sysfs itself');
});

t.test('mqueue without an IPC namespace: a bind of the host\'s /dev/mqueue', async (t) => {
  const own = plan(rootless());
  t.equal(find(own, 'mount', (i) => i.args[1] === '/dev/mqueue')[0].args[2], 'mqueue', 'with an IPC namespace: mqueue itself');
  const p = plan(rootless((c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'ipc'))));
  t.same(find(p, 'mount', (i) => i.args[1] === '/dev/mqueue')[0].args, ['/dev/mqueue', '/dev/mqueue', '', String(MS.BIND), '']);
  t.equal(Number(find(p, 'remount', (i) => i.args[0] === '/dev/mqueue')[0].args[1]), MS.BIND | MS.NOSUID | MS.NOEXEC | MS.NODEV);
  const root = compile({ config: (() => { const c = defaultSpec(); c.process!.terminal = false; c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'ipc'); return c; })(), bundle: '/b', barrier: '/x', facts });
  t.equal(find(root, 'mount', (i) => i.args[1] === '/dev/mqueue')[0].args[2], 'mqueue', 'without a user namespace: unchanged');
});

t.test('devpts: gid=5 left out when the user namespace does not map gid 5', async (t) => {
  const withGid = (c: Config) => {
    c.mounts = c.mounts!.map((m) => (m.destination === '/dev/pts' ? { ...m, options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] } : m));
  };
  const data = (p: Instruction[]) => find(p, 'mount', (i) => i.args[1] === '/dev/pts')[0].args[4];
  t.equal(data(plan(rootless(withGid))), 'newinstance,ptmxmode=0666,mode=0620');
  t.equal(data(plan(rootless((c) => {
    withGid(c);
    c.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];
  }))), 'newinstance,ptmxmode=0666,mode=0620,gid=5', 'gid 5 mapped: kept');
  const root = compile({ config: (() => { const c = defaultSpec(); c.process!.terminal = false; return c; })(), bundle: '/b', barrier: '/x', facts });
  t.match(data(root), /gid=5/, 'root mode: unchanged');
});

t.test('no cgroup (rootless without one): the cgroup mount is an empty read-only tmpfs', async (t) => {
  const p = plan(rootless());
  t.same(find(p, 'mount', (i) => i.args[1].startsWith('/sys/fs/cgroup')).map((i) => i.args[2]), ['tmpfs']);
  t.ok(find(p, 'remount', (i) => i.args[0] === '/sys/fs/cgroup' && (Number(i.args[1]) & MS.RDONLY) !== 0).length);
});

t.test('runts itself in a user namespace (rootless podman): devices bound and sysfs bound without a config user namespace', async (t) => {
  const c = defaultSpec();
  c.process!.terminal = false;
  c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'network');
  const p = compile({ config: c, bundle: '/b', barrier: '/x', facts: { ...facts, inUserNs: true } });
  t.equal(find(p, 'mknod').length, 0, 'no mknod');
  t.equal(find(p, 'bind-dev').length, 6);
  t.equal(find(p, 'mount', (i) => i.args[1] === '/sys')[0].args[0], '/sys', 'sysfs: the host\'s /sys');
  t.equal(find(p, 'become-root').length, 0, 'no user namespace of its own to become root in');
  const host = compile({ config: c, bundle: '/b', barrier: '/x', facts: { ...facts, inUserNs: false } });
  t.equal(find(host, 'mknod').length, 6, 'in the initial namespace: mknod as before');
});
