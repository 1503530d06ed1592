// The config-to-instructions compiler, without root: what a bundle compiles
// to, in what order, with what arguments.
import t from 'tap';
import { compile, HostFacts, CompileInput } from '../../src/plan/compile';
import { encodePlan, formatPlan, Instruction } from '../../src/plan/instructions';
import { defaultSpec } from '../../src/spec/default';
import { parseMountOptions, MS } from '../../src/plan/mountflags';
import type { Config } from '../../src/spec/types';
import { parseSignal } from '../../src/container/kill';
import { compileExec } from '../../src/plan/exec';

const facts: HostFacts = {
  hasKcore: true,
  cgroupMounts: [
    { name: 'memory', hostDir: '/sys/fs/cgroup/memory/runts/c1' },
    { name: 'unified', hostDir: '/sys/fs/cgroup/unified/runts/c1' },
  ],
  sourceKind: (p) => (p.endsWith('.txt') ? 'file' : p.includes('missing') ? 'missing' : 'dir'),
  homeOf: (uid) => (uid === 0 ? '/root' : undefined),
};

function config(edit: (c: Config) => void = () => {}): Config {
  const c = defaultSpec({ cgroup2: true }); // with the cgroup namespace a v2 host gets
  c.process!.terminal = false;
  edit(c);
  return c;
}

function plan(c: Config, extra: Partial<CompileInput> = {}): Instruction[] {
  return compile({ config: c, bundle: '/b', barrier: '/run/runts/c1/barrier', facts, ...extra });
}

const ops = (p: Instruction[]) => p.map((i) => i.op);
const find = (p: Instruction[], op: string, pred: (i: Instruction) => boolean = () => true) => p.filter((i) => i.op === op && pred(i));
const indexOf = (p: Instruction[], op: string) => p.findIndex((i) => i.op === op);

t.test('the default spec: namespaces first, then fork, mounts, pivot, privileges, barrier, exec', async (t) => {
  const p = plan(config());
  t.same(p[0], { op: 'unshare', label: 'create ipc, uts, network, pid, mount namespaces', args: ['ipc,uts,net,pid,mnt'] });
  t.equal(p[1].op, 'fork');
  // After the fork: the process is in its cgroup2 directory only from there.
  t.same(p[2], { op: 'unshare', label: 'create cgroup namespace', args: ['cgroup'] });
  const order = ['fork', 'setsid', 'mount-host', 'root', 'mount', 'mknod', 'symlink', 'open-barrier', 'pivot-root', 'mask', 'readonly', 'hostname', 'rlimit', 'no-new-privs', 'user', 'chdir', 'caps', 'lookup', 'notify', 'wait-barrier', 'exec'];
  let last = -1;
  for (const op of order) {
    const i = indexOf(p, op);
    t.ok(i > last, `${op} comes after the step before it`);
    last = i;
  }
  t.equal(p[p.length - 1].op, 'exec');
  t.same(p[p.length - 1].args.slice(0, 4), ['0', 'sh', '1', 'sh']);
  t.ok(p[p.length - 1].args.includes('HOME=/root'), 'HOME from the container passwd');
});

t.test('`notify ready` says what becomes of the socket, whatever op follows: create closes it, exec keeps it for the execve', async (t) => {
  const create = plan(config());
  t.same(find(create, 'notify').map((i) => i.args), [['ready', 'close']], 'create: closed (the init waits at the barrier)');
  t.equal(create[indexOf(create, 'notify') + 1].op, 'wait-barrier');
  const proc = { ...config().process!, execCPUAffinity: { final: '0' } };
  const exec = compileExec({ pid: 42, namespaces: ['mnt', 'pid'], process: proc, preserveFds: 0, homeOf: () => '/' });
  const at = indexOf(exec, 'notify');
  t.same(exec[at].args, ['ready', 'keep'], 'exec: kept');
  t.same(exec.slice(at + 1).map((i) => i.op), ['cpu-affinity', 'exec'], 'though the final CPU affinity comes between it and exec');
});

t.test('the round trip for the create hooks: only when a hook needs it, after the mounts and before the pivot', async (t) => {
  t.equal(find(plan(config()), 'sync').length, 0, 'none without hooks');
  t.equal(find(plan(config((c) => (c.hooks = { poststart: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true' }] }))), 'sync').length, 0, 'none for poststart and poststop (runts runs those itself)');
  for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer']) {
    const p = plan(config((c) => (c.hooks = { [kind]: [{ path: '/bin/true' }] })));
    t.same(find(p, 'sync').map((i) => i.args), [['createRuntime']], `one with a ${kind} hook (its state comes back in the reply)`);
    t.ok(indexOf(p, 'sync') > indexOf(p, 'mount') && indexOf(p, 'sync') < indexOf(p, 'pivot-root'), `${kind}: between the mounts and the pivot`);
  }
});

t.test('the rootfs is made rslave, bound onto itself and opened', async (t) => {
  const p = plan(config());
  const [slave, bind] = find(p, 'mount-host');
  t.same(slave.args, ['', '/', '', String(MS.REC | MS.SLAVE), '']);
  t.same(bind.args, ['/b/rootfs', '/b/rootfs', '', String(MS.BIND | MS.REC), '']);
  t.same(find(p, 'root')[0].args, ['/b/rootfs']);
});

t.test('mounts: flags and data split, bind mounts remounted with their flags', async (t) => {
  const p = plan(config((c) => {
    c.mounts = [
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nosuid', 'rprivate'] },
      { destination: '/etc/motd', source: '/host/motd.txt', options: ['bind'] },
      { destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['rro', 'rnoexec'] },
    ];
  }));
  const dev = find(p, 'mount-tmpfs', (i) => i.args[1] === '/dev')[0];
  t.same(dev.args, ['tmpfs', '/dev', 'tmpfs', String(MS.NOSUID | MS.STRICTATIME), 'mode=755,size=65536k']);
  const data = find(p, 'mount', (i) => i.args[1] === '/data')[0];
  t.same(data.args, ['/b/data', '/data', '', String(MS.BIND | MS.REC), ''], 'bind source resolved against the bundle');
  t.same(find(p, 'remount', (i) => i.args[0] === '/data')[0].args, ['/data', String(MS.BIND | MS.RDONLY | MS.NOSUID | MS.REC)]);
  t.same(find(p, 'propagate', (i) => i.args[0] === '/data')[0].args, ['/data', String(MS.PRIVATE | MS.REC)]);
  t.same(find(p, 'mkpoint', (i) => i.args[1] === '/etc/motd').length, 1, 'a bind\'s mount point is made by the init, like its source');
  t.same(find(p, 'setattr', (i) => i.args[0] === '/x')[0].args, ['/x', '9', '0', '0', '1']);
});

t.test('a bind source is looked at by the init in mount order, its step naming the pointer', async (t) => {
  const steps = plan(config((c) => c.mounts!.push({ destination: '/m', type: 'bind', source: '/missing' })));
  const point = steps.find((i) => i.op === 'mkpoint' && i.args[1] === '/m');
  t.ok(point, 'a mkpoint step, not a refusal at compile time');
  t.match(point!.label, /^config\.json: \/mounts\/7\/source: \/missing/);
});

t.test('in a user namespace, bind sources come through the source helper, made before any namespace (runc\'s parent side)', async (t) => {
  const userns = (c: Config) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  };
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const p = plan(config((c) => {
    userns(c);
    c.mounts!.push({ destination: '/m', type: 'bind', source: '/secret/f.txt', options: ['bind', 'ro'] });
    c.mounts!.push({ destination: '/id', type: 'bind', source: '/src', options: ['rbind'], uidMappings: map, gidMappings: map });
  }));
  const helper = indexOf(p, 'source-helper');
  t.ok(helper > indexOf(p, 'idmap-userns') && helper < indexOf(p, 'unshare'), 'after the idmap namespaces, before the first unshare');
  const m = p.findIndex((i) => i.op === 'host-source' && i.args[0] === '/secret/f.txt');
  t.same(p[m].args, ['/secret/f.txt', '0', '0', '0'], 'a plain bind: asked only if unreachable');
  t.same([p[m + 1].op, p[m + 2].op, p[m + 3].op], ['mkpoint', 'mount', 'remount'], 'then its mount point, bind and remount');
  const id = p.findIndex((i) => i.op === 'host-source' && i.args[0] === '/src');
  t.same(p[id].args, ['/src', '1', '1', '0'], 'an idmapped clone, recursive, with the first idmap namespace');
  t.same([p[id + 1].op, p[id + 2].op], ['mkpoint', 'idmap-mount']);
  t.same(p[id + 2].args, ['/id']);
  t.notOk(plan(config((c) => { userns(c); c.mounts!.push({ destination: '/m', type: 'bind', source: '/x', options: ['bind'] }); }), { facts: { ...facts, rootEuid: false } }).some((i) => i.op === 'source-helper' || i.op === 'host-source'), 'a rootless runts: no helper (runc\'s RootlessEUID)');
  t.notOk(plan(config((c) => c.mounts!.push({ destination: '/m', type: 'bind', source: '/x', options: ['bind'] }))).some((i) => i.op === 'source-helper' || i.op === 'host-source'), 'no user namespace: no helper');
});

t.test('mount options table', async (t) => {
  const o = parseMountOptions(['ro', 'rw', 'noexec', 'exec', 'nodev', 'relatime', 'rslave', 'size=1m', 'rnosuid', 'idmap']);
  t.equal(o.flags, MS.NODEV | MS.RELATIME);
  t.same(o.propagation, [MS.SLAVE | MS.REC]);
  t.same(o.data, ['size=1m']);
  t.equal(o.attrSet, 2);
  t.equal(o.idmap, 'idmap');
});

t.test('cgroup mount: a tmpfs with the container cgroup of each hierarchy bound read-only', async (t) => {
  const p = plan(config());
  t.ok(find(p, 'mount', (i) => i.args[1] === '/sys/fs/cgroup' && i.args[2] === 'tmpfs').length);
  const mem = find(p, 'mount', (i) => i.args[1] === '/sys/fs/cgroup/memory')[0];
  t.same(mem.args, ['/sys/fs/cgroup/memory/runts/c1', '/sys/fs/cgroup/memory', '', String(MS.BIND), '']);
  const v2 = compile({ config: config(), bundle: '/b', barrier: '/x', facts: { ...facts, cgroupMounts: [{ name: '', hostDir: '/sys/fs/cgroup/runts/c1' }] } });
  t.same(find(v2, 'mount', (i) => i.args[1] === '/sys/fs/cgroup')[0].args, ['/sys/fs/cgroup/runts/c1', '/sys/fs/cgroup', '', String(MS.BIND), ''], 'v2: the cgroup itself');
});

t.test('devices: defaults plus linux.devices; bound from the host in a user namespace', async (t) => {
  const p = plan(config((c) => (c.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 }])));
  t.same(find(p, 'mknod').map((i) => i.args[0]), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse']);
  t.same(find(p, 'mknod', (i) => i.args[0] === '/dev/fuse')[0].args, ['/dev/fuse', 'c', '10', '229', '384', '0', '0']);
  t.same(find(p, 'symlink').map((i) => i.args[1]), ['/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/core', '/dev/ptmx']);
  const u = plan(config((c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }));
  t.equal(find(u, 'mknod').length, 0);
  t.equal(find(u, 'bind-dev').length, 6);
});

t.test('user namespace: created first, maps written by the runtime, then root inside', async (t) => {
  const p = plan(config((c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }));
  t.same(ops(p).slice(0, 5), ['unshare', 'sync', 'become-root', 'unshare', 'fork']);
  t.same(p[0].args, ['user']);
  t.same(p[1].args, ['usermap']);
});

t.test('namespaces joined by path: user first, mount last', async (t) => {
  const p = plan(config((c) => {
    c.linux!.namespaces = [{ type: 'mount', path: '/proc/9/ns/mnt' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'user', path: '/proc/9/ns/user' }, { type: 'pid' }];
  }));
  t.same(p.slice(0, 5).map((i) => [i.op, ...i.args]), [
    ['setns', '/proc/9/ns/user', 'user'],
    ['become-root'],
    ['setns', '/proc/9/ns/net', 'net'],
    ['setns', '/proc/9/ns/mnt', 'mnt'],
    ['unshare', 'pid'],
  ]);
});

t.test('hostname and domainname: set in a UTS namespace joined by path (a pod\'s) as in a new one', async (t) => {
  const named = (c: any) => {
    c.hostname = 'pod-host';
    c.domainname = 'pod.example';
  };
  for (const uts of [{ type: 'uts' as const, path: '/proc/9/ns/uts' }, { type: 'uts' as const }]) {
    const p = plan(config((c) => {
      named(c);
      c.linux!.namespaces = [{ type: 'mount' }, uts];
    }));
    t.same(find(p, 'hostname').map((i) => i.args), [['pod-host']], `hostname, uts ${uts.path ? 'joined' : 'new'}`);
    t.same(find(p, 'domainname').map((i) => i.args), [['pod.example']], `domainname, uts ${uts.path ? 'joined' : 'new'}`);
  }
});

t.test('no mount namespace: host / left alone and chroot instead of pivot_root', async (t) => {
  const p = plan(config((c) => (c.linux!.namespaces = [])));
  t.equal(find(p, 'mount-host', (i) => i.args[1] === '/').length, 0);
  t.equal(find(p, 'pivot-root').length, 0);
  t.equal(find(p, 'chroot').length, 1);
  t.equal(find(p, 'unshare').length, 0);
});

t.test('--no-pivot moves the rootfs over / and chroots; rootfsPropagation is applied to / after pivot', async (t) => {
  t.equal(find(plan(config(), { noPivot: true }), 'move-root').length, 1);
  const p = plan(config((c) => (c.linux!.rootfsPropagation = 'rshared')));
  const after = p.slice(indexOf(p, 'pivot-root'));
  t.same(find(after, 'propagate')[0].args, ['/', String(MS.SHARED | MS.REC)]);
});

t.test('process: rlimits, oom score, user, capabilities and hooks', async (t) => {
  const p = plan(config((c) => {
    c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
    c.process!.oomScoreAdj = 500;
    c.process!.user = { uid: 1000, gid: 1000, umask: 0o27, additionalGids: [5, 6] };
    c.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN'] };
    c.hooks = { createContainer: [{ path: '/h', args: ['h', '1'], env: ['A=1'], timeout: 5 }], startContainer: [{ path: '/s' }] };
  }));
  t.same(find(p, 'rlimit').map((i) => i.args), [['7', '100', '200'], ['4', '0', '0']]);
  t.same(find(p, 'write', (i) => i.args[0] === '/proc/self/oom_score_adj')[0].args, ['/proc/self/oom_score_adj', '500']);
  t.same(find(p, 'user')[0].args, ['1000', '1000', '5,6']);
  t.same(find(p, 'umask')[0].args, ['23']);
  // CAP_KILL is bit 5, CAP_CHOWN bit 0; ambient keeps only what is permitted and inheritable.
  t.same(find(p, 'caps')[0].args, ['33', '32', '32', '32', '32']);
  t.same(find(p, 'hook')[0].args, ['5', '/h', '2', 'h', '1', '1', 'A=1']);
  t.ok(indexOf(p, 'hook') < indexOf(p, 'pivot-root'), 'createContainer hooks before pivot_root');
  const start = find(p, 'hook')[1];
  t.ok(p.indexOf(start) > indexOf(p, 'wait-barrier'), 'startContainer hooks after the barrier');
  t.ok(find(p, 'exec')[0].args.includes('HOME=/'), 'HOME=/ for a uid without a passwd entry');
});

t.test('the encoding is length-prefixed records; the printed form names each op', async (t) => {
  const p = [{ op: 'hostname', label: 'set hostname', args: ['x y'] }, { op: 'seccomp', label: 'bpf', args: [Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])] }];
  const b = encodePlan(p);
  t.equal(b.readUInt32LE(0), b.length - 4);
  t.equal(b.readUInt32LE(4), 3);
  t.equal(b.readUInt32LE(8), 8);
  t.equal(b.subarray(12, 20).toString(), 'hostname');
  t.equal(formatPlan(p), '  1  hostname "x y"\n  2  seccomp <8 bytes>\n');
});

// The encoding field by field, as the init reads it (a Buffer per field: slow, plain).
function referenceEncoding(plan: Instruction[]): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const field = (f: string | Buffer) => {
    const b = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    return [u32(b.length), b];
  };
  const body = Buffer.concat(plan.flatMap((i) => [u32(2 + i.args.length), ...field(i.op), ...field(i.label), ...i.args.flatMap(field)]));
  return Buffer.concat([u32(body.length), body]);
}

t.test('the encoding: ASCII, UTF-8 text (paths, env), binary fields and empty ones, byte for byte', async (t) => {
  const bpf = Buffer.from([0, 1, 0x7f, 0x80, 0xff, 0x20, 0, 0xc3, 0xa9]);
  const p: Instruction[] = [
    { op: 'mount', label: 'mount /dän ü', args: ['/bündel/rootfs', '', 'mode=755', '\u{1f600}'] },
    { op: 'seccomp', label: 'load the seccomp filter', args: ['0', bpf] },
    { op: 'exec', label: 'exec', args: ['A=\u00e9\u4e2d', 'x'.repeat(70000)] },
    { op: 'none', label: '', args: [] },
  ];
  t.same(encodePlan(p), referenceEncoding(p));
  t.same(encodePlan([]), referenceEncoding([]), 'an empty plan');
});

t.test('signals by name, with or without SIG, or by number', async (t) => {
  t.equal(parseSignal('KILL'), 9);
  t.equal(parseSignal('SIGTERM'), 15);
  t.equal(parseSignal('usr1'), 10);
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal(undefined), 15);
  t.equal(parseSignal('RTMIN+2'), 36);
  t.throws(() => parseSignal('SIGNOPE'), /invalid signal "SIGNOPE"/);
  t.throws(() => parseSignal('99'), /invalid signal/);
});

t.test('the default spec has a cgroup namespace only on a cgroup v2 host, as runc\'s', async (t) => {
  t.ok(defaultSpec({ cgroup2: true }).linux!.namespaces!.some((n) => n.type === 'cgroup'), 'v2: a cgroup namespace');
  t.notOk(defaultSpec({ cgroup2: false }).linux!.namespaces!.some((n) => n.type === 'cgroup'), 'v1 or hybrid: none');
});
