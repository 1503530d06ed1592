// The cgroup drivers without root: value conversions, and every file write
// linux.resources turns into, checked against fake cgroup trees (regular
// files in a temporary directory) laid out as a hybrid host and as a pure
// cgroup v2 host.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyResources } from '../../src/cgroups/apply';
import { realIo, recordingIo, CgroupIo } from '../../src/cgroups/fsio';
import type { Layout } from '../../src/cgroups/layout';
import { detectLayout } from '../../src/cgroups/layout';
import {
  blkioWeightToIoWeight,
  cpuSharesToWeight,
  deviceRulesFor,
  deviceRuleText,
  intText,
  LinuxResources,
  pageSizeName,
  parseDuration,
  parseRAM,
  pidsMax,
  swapToV2,
  v2Limit,
} from '../../src/cgroups/resources';
import { deviceFilterProgram, runDeviceFilter } from '../../src/cgroups/bpf';
import { freeze, thaw, isFrozenCgroup } from '../../src/cgroups/freezer';
import { collectStats, oomKillCount, toJson } from '../../src/cgroups/stats';
import { enableV2Controller } from '../../src/cgroups/placement';
import { filterPsOutput } from '../../src/container/ps';
import { resourcesFromFlags } from '../../src/cli/update';
import { parseResources } from '../../src/container/update';
import { restoreValue, undoableIo } from '../../src/cgroups/undo';
import { cgroup2JoinNow } from '../../src/container/launch';
import { createCgroup, removeCgroup, resolveCgroupPath } from '../../src/cgroups';

// ------------------------------------------------------------------ fake trees

type Files = Record<string, Record<string, string>>; // dir (relative) -> file -> content

interface Scoped {
  teardown(fn: () => unknown): void;
}

function makeTree(t: Scoped, files: Files): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-cgtest-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const [dir, entries] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    for (const [f, content] of Object.entries(entries)) fs.writeFileSync(path.join(root, dir, f), content);
  }
  return root;
}

const CG = '/runts/c1';

// A hybrid host like the project's: v1 controllers, v2 with hugetlb only.
function hybrid(t: Scoped, extra: Files = {}) {
  const v1 = (name: string, files: Record<string, string>) => ({ [`${name}/runts/c1`]: { 'cgroup.procs': '', ...files } });
  const files: Files = {
    ...v1('cpu', { 'cpu.shares': '1024', 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '-1', 'cpu.cfs_burst_us': '0', 'cpu.idle': '0', 'cpu.rt_period_us': '1000000', 'cpu.rt_runtime_us': '0', 'cpu.stat': 'nr_periods 10\nnr_throttled 3\nthrottled_time 5000\n' }),
    // Real-time group scheduling: the root's budget, none yet in /runts.
    cpu: { 'cpu.rt_period_us': '1000000', 'cpu.rt_runtime_us': '950000' },
    'cpu/runts': { 'cpu.rt_period_us': '1000000', 'cpu.rt_runtime_us': '0' },
    ...v1('cpuacct', { 'cpuacct.usage': '123456', 'cpuacct.usage_percpu': '100000 23456 ', 'cpuacct.stat': 'user 3\nsystem 2\n', 'cpuacct.usage_all': 'cpu user system\n0 90000 10000\n1 20000 3456\n' }),
    ...v1('cpuset', { 'cpuset.cpus': '0-1', 'cpuset.mems': '0', 'cpuset.effective_cpus': '0-1', 'cpuset.effective_mems': '0' }),
    ...v1('memory', {
      'memory.limit_in_bytes': '9223372036854771712',
      'memory.memsw.limit_in_bytes': '9223372036854771712',
      'memory.soft_limit_in_bytes': '9223372036854771712',
      'memory.kmem.limit_in_bytes': '9223372036854771712',
      'memory.kmem.tcp.limit_in_bytes': '9223372036854771712',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
      'memory.swappiness': '60',
      'memory.use_hierarchy': '1',
      'memory.usage_in_bytes': '4096',
      'memory.max_usage_in_bytes': '8192',
      'memory.failcnt': '0',
      'memory.stat': 'cache 100\nrss 200\n',
    }),
    ...v1('devices', { 'devices.allow': '', 'devices.deny': '' }),
    ...v1('freezer', { 'freezer.state': 'THAWED', 'freezer.self_freezing': '0' }),
    ...v1('blkio', { 'blkio.bfq.weight': '100', 'blkio.bfq.weight_device': '', 'blkio.throttle.read_bps_device': '', 'blkio.throttle.write_bps_device': '', 'blkio.throttle.read_iops_device': '', 'blkio.throttle.write_iops_device': '' }),
    ...v1('pids', { 'pids.max': 'max', 'pids.current': '3' }),
    ...v1('systemd', {}),
    unified: { 'cgroup.controllers': 'hugetlb', 'cgroup.subtree_control': '' },
    'unified/runts': { 'cgroup.controllers': '', 'cgroup.subtree_control': '' },
    'unified/runts/c1': { 'cgroup.procs': '', 'cgroup.freeze': '0', 'cgroup.kill': '', 'hugetlb.2MB.max': 'max', 'hugetlb.2MB.rsvd.max': 'max', 'hugetlb.2MB.current': '0', 'hugetlb.2MB.events': 'max 0\n' },
    ...extra,
  };
  const root = makeTree(t, files);
  const v1names = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'];
  const layout: Layout = {
    kind: 'hybrid',
    hierarchies: [
      ...v1names.map((n) => ({ mountpoint: path.join(root, n), version: 1 as const, controllers: [n] })),
      { mountpoint: path.join(root, 'systemd'), version: 1, controllers: ['name=systemd'] },
      { mountpoint: path.join(root, 'unified'), version: 2, controllers: ['hugetlb'] },
    ],
  };
  const record = { path: CG, dirs: layout.hierarchies.map((h) => path.join(h.mountpoint, CG)), created: [] as string[] };
  return { root, layout, record };
}

// A pure cgroup v2 host.
function unifiedOnly(t: Scoped, c1: Record<string, string> = {}) {
  const files: Files = {
    '': { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc', 'cgroup.subtree_control': 'memory' },
    runts: { 'cgroup.controllers': '', 'cgroup.subtree_control': '' },
    'runts/c1': {
      'cgroup.procs': '',
      'cgroup.freeze': '0',
      'cgroup.events': 'populated 1\nfrozen 0\n',
      'memory.max': 'max',
      'memory.swap.max': 'max',
      'memory.low': '0',
      'memory.high': 'max',
      'memory.current': '1048576',
      'memory.peak': '2097152',
      'memory.swap.current': '0',
      'memory.events': 'low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n',
      'memory.stat': 'anon 100\nfile 200\n',
      'cpu.weight': '100',
      'cpu.max': 'max 100000',
      'cpu.max.burst': '0',
      'cpu.idle': '0',
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n',
      'cpuset.cpus': '',
      'cpuset.mems': '',
      'io.weight': 'default 100',
      'io.max': '',
      'io.stat': '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
      'pids.max': 'max',
      'pids.current': '2',
      'hugetlb.2MB.max': 'max',
      'hugetlb.2MB.current': '0',
      'hugetlb.2MB.events': 'max 0\n',
      'rdma.max': '',
      ...c1,
    },
  };
  const root = makeTree(t, files);
  const layout: Layout = { kind: 'v2', hierarchies: [{ mountpoint: root, version: 2, controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] }] };
  const record = { path: CG, dirs: [path.join(root, CG)], created: [] as string[] };
  return { root, layout, record };
}

// realIo, except that cgroup.subtree_control lists what is enabled, as the kernel's does.
const fakeKernelIo: CgroupIo = {
  ...realIo,
  write(dir, file, value) {
    if (file !== 'cgroup.subtree_control') return realIo.write(dir, file, value);
    const set = new Set(realIo.read(dir, file).split(/\s+/).filter(Boolean));
    for (const tok of value.split(/\s+/)) {
      if (tok.startsWith('+')) set.add(tok.slice(1));
      if (tok.startsWith('-')) set.delete(tok.slice(1));
    }
    realIo.write(dir, file, [...set].join(' '));
  },
};

function apply(env: { root: string; layout: Layout; record: { path: string; dirs: string[] } }, r: LinuxResources, opts: { io?: CgroupIo; op?: string; linuxDevices?: { path: string }[]; realtimeFor?: string } = {}) {
  const io = recordingIo(opts.io ?? fakeKernelIo, env.root);
  const warnings: string[] = [];
  applyResources(env.record, r, { io, layout: env.layout, warn: (m) => warnings.push(m), op: opts.op, pointer: opts.op === 'update' ? '' : undefined, linuxDevices: opts.linuxDevices, realtimeFor: opts.realtimeFor });
  return { writes: io.writes.map((w) => `${w.file}=${w.value}`), programs: io.programs, warnings };
}

// An io that refuses a given value with an errno, as the kernel would.
function refusing(file: string, value: string, code: string): CgroupIo {
  return {
    ...fakeKernelIo,
    write(dir, f, v) {
      if (f === file && v === value) throw Object.assign(new Error(code), { code });
      fakeKernelIo.write(dir, f, v);
    },
  };
}

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

// ------------------------------------------------------------------ conversions

t.test('conversions of v1-style values to cgroup v2, as runc makes them', async (t) => {
  t.equal(cpuSharesToWeight(0), 0, 'unset stays unset');
  t.equal(cpuSharesToWeight(2), 1);
  t.equal(cpuSharesToWeight(1024), 39, '1 + ((1024-2)*9999)/262142');
  t.equal(cpuSharesToWeight(512), 20);
  t.equal(cpuSharesToWeight(262144), 10000);
  t.equal(cpuSharesToWeight(1000000), 10000, 'clamped');
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(500), 4950);
  t.equal(blkioWeightToIoWeight(1000), 10000);
  t.equal(swapToV2(200, 100), 100, 'swap is memory+swap: the v2 value is the difference');
  t.equal(swapToV2(0, -1), -1, 'unlimited memory, unset swap: unlimited swap');
  t.equal(swapToV2(-1, 100), -1);
  t.equal(swapToV2(0, 100), 0, 'unset');
  t.equal(swapToV2(300, -1), 300);
  t.throws(() => swapToV2(100, 0), /needs a memory limit/);
  t.throws(() => swapToV2(50, 100), /below the memory limit/);
  t.equal(v2Limit(-1), 'max');
  t.equal(v2Limit(0), '');
  t.equal(v2Limit(4096), '4096');
  t.equal(pidsMax(4), '4');
  t.equal(pidsMax(0), '1', 'as runc and systemd');
  t.equal(pidsMax(-1), 'max');
  t.equal(intText(9223372036854775807), '9223372036854775808', 'no exponent past 2^53');
  t.equal(intText(2 ** 40), '1099511627776');
});

t.test('device rules in the v1 syntax, runc\'s defaults after the config\'s', async (t) => {
  t.equal(deviceRuleText({ allow: false, access: 'rwm' }), 'a');
  t.equal(deviceRuleText({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }), 'c 1:3 rw');
  t.equal(deviceRuleText({ allow: true, type: 'b', major: 8 }), 'b 8:* rwm');
  t.equal(deviceRuleText({ allow: true, type: 'c', major: -1, minor: -1, access: 'm' }), 'c *:* m');
  const rules = deviceRulesFor([{ allow: false, access: 'rwm' }]);
  t.equal(rules.length, 12);
  t.same(rules.map(deviceRuleText).slice(0, 4), ['a', 'c *:* m', 'b *:* m', 'c 1:3 rwm']);
  t.notOk(deviceRulesFor([], [{ path: '/dev/null' }]).some((r) => deviceRuleText(r) === 'c 1:3 rwm'), 'a linux.devices path replaces the default rule');
});

t.test('sizes and durations as runc reads them', async (t) => {
  t.equal(parseRAM('100'), 100);
  t.equal(parseRAM('1k'), 1024);
  t.equal(parseRAM('512m'), 512 * 1024 * 1024);
  t.equal(parseRAM('1.5g'), 1.5 * 1024 ** 3);
  t.equal(parseRAM('2GiB'), 2 * 1024 ** 3);
  t.equal(parseRAM('-1'), -1);
  t.throws(() => parseRAM('lots'), /invalid size/);
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('100ms'), 100);
  t.equal(parseDuration('1m30s'), 90000);
  t.equal(parseDuration('1.5s'), 1500);
  t.throws(() => parseDuration('5'), /invalid duration/);
  t.equal(pageSizeName(2048), '2MB');
  t.equal(pageSizeName(1048576), '1GB');
  t.equal(pageSizeName(64), '64KB');
});

// ------------------------------------------------------------------ hybrid / v1 driver

const full: LinuxResources = {
  devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 5, access: 'rw' }],
  memory: { limit: 104857600, reservation: 52428800, swap: 209715200, kernelTCP: 1048576, swappiness: 10, disableOOMKiller: true, useHierarchy: true },
  cpu: { shares: 512, quota: 50000, period: 200000, burst: 1000, cpus: '0', mems: '0', idle: 0, realtimePeriod: 1000000, realtimeRuntime: 5000 },
  pids: { limit: 10 },
  blockIO: {
    weight: 300,
    weightDevice: [{ major: 8, minor: 0, weight: 400 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 200 }],
  },
  hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
};

t.test('a real-time policy without a budget: /runts gets the root\'s, then the container its parent\'s; a refusal names the policy', async (t) => {
  const env = hybrid(t);
  const { writes } = apply(env, {}, { realtimeFor: '/process/scheduler/policy' });
  t.same(writes, [
    'cpu/runts/cpu.rt_period_us=1000000',
    'cpu/runts/cpu.rt_runtime_us=950000',
    'cpu/runts/c1/cpu.rt_period_us=1000000',
    'cpu/runts/c1/cpu.rt_runtime_us=950000',
  ]);
  const busy = hybrid(t);
  t.throws(() => apply(busy, {}, { realtimeFor: '/process/scheduler/policy', io: refusing('cpu.rt_runtime_us', '950000', 'EBUSY') }), {
    message: /^create: \/process\/scheduler\/policy: needs a real-time budget in \S+\/cpu\/runts \(cgroup v1 real-time group scheduling\).*EBUSY.*\/linux\/resources\/cpu\/realtimeRuntime/,
  });
});

t.test('hybrid host: every field to its v1 file, hugetlb to the v2 tree, in runc\'s order', async (t) => {
  const env = hybrid(t);
  const { writes, warnings } = apply(env, full);
  t.same(writes, [
    'cpuset/runts/c1/cpuset.cpus=0',
    'cpuset/runts/c1/cpuset.mems=0',
    'devices/runts/c1/devices.deny=a',
    'devices/runts/c1/devices.deny=a',
    'devices/runts/c1/devices.allow=c 4:5 rw',
    'devices/runts/c1/devices.allow=c *:* m',
    'devices/runts/c1/devices.allow=b *:* m',
    'devices/runts/c1/devices.allow=c 1:3 rwm',
    'devices/runts/c1/devices.allow=c 1:8 rwm',
    'devices/runts/c1/devices.allow=c 1:7 rwm',
    'devices/runts/c1/devices.allow=c 5:0 rwm',
    'devices/runts/c1/devices.allow=c 1:5 rwm',
    'devices/runts/c1/devices.allow=c 1:9 rwm',
    'devices/runts/c1/devices.allow=c 136:* rwm',
    'devices/runts/c1/devices.allow=c 5:2 rwm',
    'devices/runts/c1/devices.allow=c 10:200 rwm',
    // the limit first: the current limit (max) is above the new memory+swap
    'memory/runts/c1/memory.limit_in_bytes=104857600',
    'memory/runts/c1/memory.memsw.limit_in_bytes=209715200',
    'memory/runts/c1/memory.soft_limit_in_bytes=52428800',
    'memory/runts/c1/memory.kmem.tcp.limit_in_bytes=1048576',
    'memory/runts/c1/memory.oom_control=1',
    'memory/runts/c1/memory.swappiness=10',
    'memory/runts/c1/memory.use_hierarchy=1',
    'cpu/runts/c1/cpu.shares=512',
    'cpu/runts/c1/cpu.cfs_period_us=200000',
    'cpu/runts/c1/cpu.cfs_burst_us=1000',
    'cpu/runts/c1/cpu.cfs_quota_us=50000',
    'cpu/runts/c1/cpu.idle=0',
    'cpu/runts/c1/cpu.rt_period_us=1000000',
    // the parent's budget first (its parent's: period, then runtime)
    'cpu/runts/cpu.rt_period_us=1000000',
    'cpu/runts/cpu.rt_runtime_us=950000',
    'cpu/runts/c1/cpu.rt_runtime_us=5000',
    'pids/runts/c1/pids.max=10',
    'blkio/runts/c1/blkio.bfq.weight=300',
    'blkio/runts/c1/blkio.bfq.weight_device=8:0 400',
    'blkio/runts/c1/blkio.throttle.read_bps_device=8:0 1048576',
    'blkio/runts/c1/blkio.throttle.write_bps_device=8:0 2097152',
    'blkio/runts/c1/blkio.throttle.read_iops_device=8:0 100',
    'blkio/runts/c1/blkio.throttle.write_iops_device=8:0 200',
    'unified/cgroup.subtree_control=+hugetlb',
    'unified/runts/cgroup.subtree_control=+hugetlb',
    'unified/runts/c1/hugetlb.2MB.max=4194304',
    'unified/runts/c1/hugetlb.2MB.rsvd.max=4194304',
  ]);
  t.same(warnings, []);
});

t.test('v1: CFQ files when the kernel has them; leaf weights', async (t) => {
  const env = hybrid(t, { 'blkio/runts/c1': { 'cgroup.procs': '', 'blkio.weight': '500', 'blkio.weight_device': '', 'blkio.leaf_weight': '500', 'blkio.leaf_weight_device': '' } });
  const { writes } = apply(env, { blockIO: { weight: 200, leafWeight: 300, weightDevice: [{ major: 8, minor: 16, weight: 100, leafWeight: 50 }] } });
  t.same(writes, [
    'blkio/runts/c1/blkio.weight=200',
    'blkio/runts/c1/blkio.leaf_weight=300',
    'blkio/runts/c1/blkio.weight_device=8:16 100',
    'blkio/runts/c1/blkio.leaf_weight_device=8:16 50',
  ]);
});

t.test('v1 memory: memory+swap raised before the limit when it grows past it; -1 lifts both', async (t) => {
  const env = hybrid(t);
  fs.writeFileSync(path.join(env.root, 'memory/runts/c1/memory.limit_in_bytes'), '104857600');
  t.same(apply(env, { memory: { limit: 314572800, swap: 419430400 } }).writes, ['memory/runts/c1/memory.memsw.limit_in_bytes=419430400', 'memory/runts/c1/memory.limit_in_bytes=314572800']);
  t.same(apply(env, { memory: { limit: -1 } }).writes, ['memory/runts/c1/memory.memsw.limit_in_bytes=-1', 'memory/runts/c1/memory.limit_in_bytes=-1']);
});

t.test('v1 kernel memory: a warning where the kernel ignores or lacks it', async (t) => {
  const env = hybrid(t);
  // The fake file keeps what is written: a kernel that enforces it.
  t.same(apply(env, { memory: { kernel: 8192 } }).warnings, []);
  fs.writeFileSync(path.join(env.root, 'memory/runts/c1/memory.kmem.limit_in_bytes'), '9223372036854771712');
  const ignoring: CgroupIo = { ...realIo, write: (dir, f, v) => (f === 'memory.kmem.limit_in_bytes' ? undefined : realIo.write(dir, f, v)) };
  const w = apply(env, { memory: { kernel: 8192 } }, { io: ignoring }).warnings;
  t.match(w[0], /^create: \/linux\/resources\/memory\/kernel: this kernel accepts but does not enforce memory\.kmem\.limit_in_bytes/);
  fs.unlinkSync(path.join(env.root, 'memory/runts/c1/memory.kmem.tcp.limit_in_bytes'));
  t.match(apply(env, { memory: { kernelTCP: 8192 } }).warnings[0], /kernelTCP: kernel memory limits are not supported by this kernel/);
  const noHier = refusing('memory.use_hierarchy', '0', 'EINVAL');
  t.match(apply(env, { memory: { useHierarchy: false } }, { io: noHier }).warnings[0], /useHierarchy: this kernel always accounts memory hierarchically/);
});

t.test('v1 cpu: a period the kernel refuses before the quota is written again after it', async (t) => {
  const env = hybrid(t);
  let first = true;
  const io: CgroupIo = {
    ...realIo,
    write(dir, f, v) {
      if (f === 'cpu.cfs_period_us' && first) {
        first = false;
        throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      }
      realIo.write(dir, f, v);
    },
  };
  t.same(apply(env, { cpu: { quota: 1000, period: 2000 } }, { io }).writes, ['cpu/runts/c1/cpu.cfs_quota_us=1000', 'cpu/runts/c1/cpu.cfs_period_us=2000']);
});

t.test('errors name the file and the value, or the field', async (t) => {
  const env = hybrid(t);
  t.throws(() => apply(env, { memory: { limit: 1024 } }, { io: refusing('memory.limit_in_bytes', '1024', 'EINVAL') }), { message: 'create: cgroup memory.limit_in_bytes: write "1024": EINVAL' });
  t.throws(() => apply(env, { pids: { limit: 5 } }, { io: refusing('pids.max', '5', 'EINVAL'), op: 'update' }), { message: 'update: cgroup pids.max: write "5": EINVAL' });
  t.throws(() => apply(env, { blockIO: { leafWeight: 300 } }), { message: 'create: /linux/resources/blockIO/leafWeight: not supported on this host (no cgroup file blkio.leaf_weight)' });
  t.throws(() => apply(env, { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 102400 }] } }, { io: refusing('blkio.throttle.read_bps_device', '8:0 102400', 'ENODEV') }), {
    message: 'create: /linux/resources/blockIO/throttleReadBpsDevice/0: no block device 8:0 on this host (cgroup blkio.throttle.read_bps_device: write "8:0 102400": ENODEV)',
  });
  t.throws(() => apply(env, { network: { classID: 1 } }), { message: 'create: /linux/resources/network/classID: the net_cls cgroup controller is not mounted on this host' });
  t.throws(() => apply(env, { network: { priorities: [{ name: 'eth0', priority: 1 }] } }), { message: 'create: /linux/resources/network/priorities: the net_prio cgroup controller is not mounted on this host' });
  t.throws(() => apply(env, { rdma: { mlx4_0: { hcaHandles: 2 } } }), { message: 'create: /linux/resources/rdma: the rdma cgroup controller is not available on this host' });
  t.throws(() => apply(env, { memory: { swappiness: 101 } }), { message: 'create: /linux/resources/memory/swappiness: must be between 0 and 100; got 101' });
  t.throws(() => apply(env, { hugepageLimits: [{ pageSize: '64KB', limit: 1 }] }), /hugepageLimits\/0\/pageSize: this host has no 64KB huge pages/);
  t.throws(() => apply(env, { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0 }] } }), /blockIO\/throttleReadBpsDevice\/0\/rate: is required/);
  t.throws(() => apply(env, { cpu: { shares: 1 } }, { io: { ...realIo, write: (d, f, v) => realIo.write(d, f, f === 'cpu.shares' ? '2' : v) } }), /cpu\/shares: the minimum allowed cpu shares is 2; got 1/);
  t.throws(() => apply(env, { devices: [{ allow: true, type: 'x' }] }), /devices\/0\/type: must be a, c or b/);
  t.throws(() => apply(env, { memory: { limit: 100, checkBeforeUpdate: true } }), { message: 'create: /linux/resources/memory/limit: rejecting memory limit 100 <= usage 4096' });
});

// Every file of a fake tree, to compare before and after; but cgroup.*:
// controllers enabled on the way stay enabled (as with runc).
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('cgroup.')) out[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

t.test('update is all or nothing: a refused value puts back what was written before it', async (t) => {
  for (const [name, make, refused] of [
    ['hybrid', hybrid, 'pids.max'],
    ['v2', unifiedOnly, 'pids.max'],
  ] as const) {
    const env = make(t);
    const before = snapshot(env.root);
    const io = undoableIo(refusing(refused, '5', 'EINVAL'));
    const r: LinuxResources = { cpu: { cpus: '0', shares: 512, quota: 20000, period: 50000 }, memory: { limit: 100 * 1024 * 1024, swap: 200 * 1024 * 1024 }, pids: { limit: 5 } };
    t.throws(() => applyResources(env.record, r, { io, layout: env.layout, op: 'update', pointer: '', skipDevices: true, warn: () => {} }), { message: `update: cgroup ${refused}: write "5": EINVAL` }, name);
    t.not(snapshot(env.root), before, `${name}: written before the refusal`);
    t.same(io.undo(), [], `${name}: everything put back`);
    t.same(snapshot(env.root), before, `${name}: every file as it was`);
  }
  // A file written twice is put back to what it held before the first write.
  const env = hybrid(t);
  const io = undoableIo(realIo);
  const dir = path.join(env.root, 'pids/runts/c1');
  io.write(dir, 'pids.max', '10');
  io.write(dir, 'pids.max', '20');
  t.same(io.undo(), []);
  t.equal(read(env.root, 'pids/runts/c1/pids.max'), 'max');
  // What cannot be put back is said, and the rest is still put back.
  const failing: CgroupIo = { ...realIo, read: (d, f) => (f === 'cpu.shares' ? (() => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); })() : realIo.read(d, f)) };
  const io2 = undoableIo(failing);
  io2.write(path.join(env.root, 'cpu/runts/c1'), 'cpu.shares', '512');
  io2.write(dir, 'pids.max', '30');
  t.same(io2.undo(), ['cgroup cpu.shares: its old value could not be read']);
  t.equal(read(env.root, 'pids/runts/c1/pids.max'), 'max');
});

t.test('the value that puts a cgroup file back, for each kind of file', async (t) => {
  t.equal(restoreValue('pids.max', '', 'max\n'), 'max');
  t.equal(restoreValue('memory.limit_in_bytes', '', '9223372036854771712\n'), '9223372036854771712');
  t.equal(restoreValue('cpu.max', '', 'max 100000\n'), 'max 100000');
  t.equal(restoreValue('memory.oom_control', '', 'oom_kill_disable 1\nunder_oom 0\noom_kill 0\n'), '1', 'read as a list, written as a number');
  t.equal(restoreValue('io.weight', '', 'default 100\n8:0 50\n'), 'default 100');
  t.equal(restoreValue('memory.stat', '', 'anon 1\nfile 2\n'), undefined, 'many lines that are not one value');
  t.equal(restoreValue('pids.max', '', undefined), undefined, 'unread');
  // keyed files: the line of the key, or the value that removes it
  const ioMax = '8:16 rbps=1048576 wbps=max riops=max wiops=max\n8:0 rbps=max wbps=2097152 riops=max wiops=max\n';
  t.equal(restoreValue('io.max', '8:0', ioMax), '8:0 rbps=max wbps=2097152 riops=max wiops=max');
  t.equal(restoreValue('io.max', '8:32', ioMax), '8:32 rbps=max wbps=max riops=max wiops=max');
  t.equal(restoreValue('blkio.throttle.read_bps_device', '8:0', ''), '8:0 0');
  t.equal(restoreValue('blkio.throttle.read_bps_device', '8:0', '8:0 1048576\n'), '8:0 1048576');
  t.equal(restoreValue('io.weight', '8:0', 'default 100\n'), '8:0 default');
  t.equal(restoreValue('blkio.bfq.weight_device', '8:0', ''), '8:0 default');
  t.equal(restoreValue('net_prio.ifpriomap', 'eth0', 'lo 0\neth0 3\n'), 'eth0 3');
  t.equal(restoreValue('rdma.max', 'mlx4_0', ''), 'mlx4_0 hca_handle=max hca_object=max');
});

t.test('hybrid: unified keys go to the v2 tree, validated against its files', async (t) => {
  const env = hybrid(t);
  t.same(apply(env, { unified: { 'hugetlb.2MB.max': '2097152' } }).writes, [
    'unified/cgroup.subtree_control=+hugetlb',
    'unified/runts/cgroup.subtree_control=+hugetlb',
    'unified/runts/c1/hugetlb.2MB.max=2097152',
  ]);
  t.throws(() => apply(env, { unified: { 'memory.high': '10M' } }), /\/linux\/resources\/unified\/memory\.high: cannot be set: the memory controller is not available on the v2 hierarchy/);
  t.throws(() => apply(env, { unified: { 'cgroup.nosuch': '1' } }), /unified\/cgroup\.nosuch: cannot be set: no such file/);
  t.throws(() => apply(env, { unified: { '../x': '1' } }), /must be a file name/);
  t.throws(() => apply(env, { unified: { nodot: '1' } }), /unified\/nodot: must be a cgroup v2 file name/);
});

// ------------------------------------------------------------------ v2 driver

t.test('v2 host: converted values, controllers enabled from the root down', async (t) => {
  const env = unifiedOnly(t);
  const r: LinuxResources = {
    memory: { limit: 104857600, reservation: 52428800, swap: 209715200 },
    cpu: { shares: 1024, quota: 50000, period: 200000, burst: 1000, cpus: '0-1', mems: '0', idle: 1 },
    pids: { limit: -1 },
    blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 20 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
    rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } },
    unified: { 'memory.high': '90000000' },
  };
  const { writes, warnings } = apply(env, r);
  // Every available controller is enabled at create (runc does the same), once.
  const enable = writes.filter((w) => w.includes('subtree_control'));
  t.same(enable, [
    'cgroup.subtree_control=+cpuset', 'runts/cgroup.subtree_control=+cpuset',
    'cgroup.subtree_control=+cpu', 'runts/cgroup.subtree_control=+cpu',
    'cgroup.subtree_control=+io', 'runts/cgroup.subtree_control=+io',
    'runts/cgroup.subtree_control=+memory', // the root already had memory
    'cgroup.subtree_control=+hugetlb', 'runts/cgroup.subtree_control=+hugetlb',
    'cgroup.subtree_control=+pids', 'runts/cgroup.subtree_control=+pids',
    'cgroup.subtree_control=+rdma', 'runts/cgroup.subtree_control=+rdma',
    'cgroup.subtree_control=+misc', 'runts/cgroup.subtree_control=+misc',
  ]);
  t.same(writes.filter((w) => !w.includes('subtree_control')), [
    'runts/c1/cpuset.cpus=0-1',
    'runts/c1/cpuset.mems=0',
    'runts/c1/memory.swap.max=104857600',
    'runts/c1/memory.max=104857600',
    'runts/c1/memory.low=52428800',
    'runts/c1/cpu.idle=1',
    'runts/c1/cpu.weight=39',
    'runts/c1/cpu.max.burst=1000',
    'runts/c1/cpu.max=50000 200000',
    'runts/c1/pids.max=max',
    'runts/c1/io.weight=4950',
    'runts/c1/io.weight=8:0 10000',
    'runts/c1/io.max=8:0 rbps=1048576',
    'runts/c1/io.max=8:0 wiops=20',
    'runts/c1/hugetlb.2MB.max=2097152',
    'runts/c1/rdma.max=mlx5_0 hca_handle=3 hca_object=100',
    'runts/c1/memory.high=90000000',
  ]);
  t.same(warnings, []);
});

t.test('v2: BFQ weights, quota-only and period-only updates keep the other half of cpu.max', async (t) => {
  const env = unifiedOnly(t, { 'io.bfq.weight': 'default 100', 'cpu.max': '30000 50000' });
  const w = apply(env, { blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }] }, cpu: { quota: 10000 } }, { op: 'update' }).writes;
  t.same(w.filter((x) => !x.includes('subtree_control')), ['runts/c1/cpu.max=10000 50000', 'runts/c1/io.bfq.weight=500', 'runts/c1/io.bfq.weight=8:0 300']);
  t.same(apply(env, { cpu: { period: 25000 } }, { op: 'update' }).writes.filter((x) => !x.includes('subtree_control')), ['runts/c1/cpu.max=10000 25000']);
  t.same(apply(env, { cpu: { quota: -1 } }, { op: 'update' }).writes.filter((x) => !x.includes('subtree_control')), ['runts/c1/cpu.max=max 25000']);
});

t.test('v2 memory: unlimited, swap only with a limit, what v2 lacks warns', async (t) => {
  const env = unifiedOnly(t);
  const only = (r: LinuxResources) => {
    const res = apply(env, r, { op: 'update' });
    return { ...res, writes: res.writes.filter((w) => !w.includes('subtree_control')) };
  };
  t.same(only({ memory: { limit: -1 } }).writes, ['runts/c1/memory.swap.max=max', 'runts/c1/memory.max=max']);
  t.same(only({ memory: { limit: 1000, swap: 1000 } }).writes, ['runts/c1/memory.swap.max=0', 'runts/c1/memory.max=1000']);
  t.throws(() => only({ memory: { swap: 1000 } }), /memory\/swap: a swap limit needs a memory limit/);
  const w = only({ memory: { kernel: 1, kernelTCP: 1, swappiness: 5, disableOOMKiller: true, useHierarchy: false } }).warnings;
  t.equal(w.length, 5);
  t.match(w[0], /^update: \/memory\/kernel: kernel memory limits do not exist on cgroup v2/);
  t.throws(() => only({ cpu: { realtimeRuntime: 100 } }), /cpu\/realtimeRuntime: real-time CPU limits are not supported on cgroup v2/);
  t.throws(() => only({ network: { classID: 7 } }), /network\/classID: the net_cls cgroup controller is not mounted/);
  fs.unlinkSync(path.join(env.root, 'runts/c1/io.weight'));
  t.throws(() => only({ blockIO: { weight: 500 } }), { message: 'update: /blockIO/weight: not supported on this host (no cgroup file io.weight)' }, 'no file: the field is named');
});

t.test('v2 devices: one BPF program with the rules and runc\'s defaults', async (t) => {
  const env = unifiedOnly(t);
  const { programs, writes } = apply(env, { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }, { allow: false, type: 'c', major: 1, minor: 9, access: 'w' }] });
  t.equal(programs.length, 1);
  t.equal(programs[0].dir, 'runts/c1');
  t.notOk(writes.some((w) => w.includes('devices')), 'no devices files on v2');
  const p = programs[0].program;
  t.equal(p.length % 8, 0);
  const allow = (type: 'c' | 'b', major: number, minor: number, access: string) => runDeviceFilter(p, type, major, minor, access);
  t.ok(allow('c', 1, 3, 'rw'), '/dev/null');
  t.ok(allow('c', 136, 4, 'rw'), 'a pty');
  t.ok(allow('c', 99, 99, 'm'), 'mknod of any char device');
  t.notOk(allow('c', 99, 99, 'r'), 'reading an unlisted char device');
  t.ok(allow('b', 8, 0, 'r'), 'the block device allowed read-only');
  t.notOk(allow('b', 8, 0, 'rw'), 'not for writing');
  t.notOk(allow('b', 8, 1, 'r'), 'another block device');
  // The defaults come after the config's rules, so /dev/urandom is writable again (as with runc).
  t.ok(allow('c', 1, 9, 'w'));
});

t.test('BPF device programs: "a" resets, later rules win, deny rules deny any part', async (t) => {
  const prog = (rules: Parameters<typeof deviceFilterProgram>[0]) => deviceFilterProgram(rules);
  const allowAll = prog([{ allow: true }]);
  t.ok(runDeviceFilter(allowAll, 'b', 8, 0, 'rwm'));
  const denyOne = prog([{ allow: true }, { allow: false, type: 'c', major: 1, minor: 5, access: 'w' }]);
  t.ok(runDeviceFilter(denyOne, 'c', 1, 5, 'r'));
  t.notOk(runDeviceFilter(denyOne, 'c', 1, 5, 'rw'));
  const reset = prog([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }]);
  t.notOk(runDeviceFilter(reset, 'c', 1, 3, 'r'), 'a later "a" rule drops the earlier ones');
  t.notOk(runDeviceFilter(prog([]), 'c', 1, 3, 'r'), 'no rules: deny (runc\'s emulator default)');
  // Encoding: the first instruction loads ctx->access_type into r2.
  t.same([...allowAll.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]);
});

// ------------------------------------------------------------------ freezer

t.test('freezer: v1 FROZEN/THAWED, v2 cgroup.freeze waiting for cgroup.events', async (t) => {
  const env = hybrid(t);
  const io = recordingIo(realIo, env.root);
  // A fake freezer.state keeps what is written: FROZEN at once.
  freeze(env.record, { io, layout: env.layout });
  t.same(io.writes.map((w) => `${w.file}=${w.value}`), ['freezer/runts/c1/freezer.state=FROZEN']);
  fs.writeFileSync(path.join(env.root, 'freezer/runts/c1/freezer.self_freezing'), '1\n');
  t.ok(isFrozenCgroup(env.record, { layout: env.layout }));
  thaw(env.record, { io, layout: env.layout });
  t.equal(read(env.root, 'freezer/runts/c1/freezer.state'), 'THAWED');
  t.notOk(isFrozenCgroup(env.record, { layout: env.layout }));
  // Frozen only because a parent is: not paused.
  fs.writeFileSync(path.join(env.root, 'freezer/runts/c1/freezer.state'), 'FROZEN\n');
  fs.writeFileSync(path.join(env.root, 'freezer/runts/c1/freezer.self_freezing'), '0\n');
  t.notOk(isFrozenCgroup(env.record, { layout: env.layout }));
  // Stuck in FREEZING: retried, then thawed and an error.
  const stuck: CgroupIo = { ...realIo, read: (d, f) => (f === 'freezer.state' ? 'FREEZING\n' : realIo.read(d, f)) };
  t.throws(() => freeze(env.record, { io: stuck, layout: env.layout }), /did not freeze/);
  t.equal(read(env.root, 'freezer/runts/c1/freezer.state'), 'THAWED');

  const v2 = unifiedOnly(t);
  let reads = 0;
  const slow: CgroupIo = {
    ...realIo,
    read: (d, f) => (f === 'cgroup.events' ? (++reads < 3 ? 'populated 1\nfrozen 0\n' : 'populated 1\nfrozen 1\n') : realIo.read(d, f)),
  };
  freeze(v2.record, { io: slow, layout: v2.layout });
  t.equal(reads, 3, 'waited for frozen 1');
  t.equal(read(v2.root, 'runts/c1/cgroup.freeze'), '1');
  t.ok(isFrozenCgroup(v2.record, { layout: v2.layout }));
  thaw(v2.record, { layout: v2.layout });
  t.equal(read(v2.root, 'runts/c1/cgroup.freeze'), '0');
});

t.test('enabling a v2 controller skips what is already enabled', async (t) => {
  const env = unifiedOnly(t);
  const io = recordingIo(realIo, env.root);
  const target = { version: 2 as const, dir: path.join(env.root, CG), mountpoint: env.root };
  enableV2Controller(io, target, 'memory');
  t.same(io.writes.map((w) => w.file), ['runts/cgroup.subtree_control']);
});

// ------------------------------------------------------------------ stats, ps, update flags

t.test('stats in runc\'s shape, from v1 files', async (t) => {
  const env = hybrid(t);
  const s = collectStats(env.record, { layout: env.layout, hugePageSizes: ['2MB'] });
  const json = JSON.parse(toJson({ type: 'stats', id: 'c1', data: s }));
  t.same(json.data.cpu.usage, { total: 123456, percpu: [100000, 23456], percpu_kernel: [10000, 3456], percpu_user: [90000, 20000], kernel: 20000000, user: 30000000 });
  t.same(json.data.cpu.throttling, { periods: 10, throttledPeriods: 3, throttledTime: 5000 });
  t.same(json.data.memory.usage, { limit: 9223372036854772000, usage: 4096, max: 8192, failcnt: 0 });
  t.same(json.data.memory.raw, { cache: 100, rss: 200 });
  t.equal(json.data.memory.cache, 100);
  t.same(json.data.pids, { current: 3 }, 'no limit: omitted, as runc');
  t.same(json.data.hugetlb, { '2MB': { failcnt: 0 } });
  t.same(json.data.cpuset.cpus, [0, 1]);
  t.match(toJson({ n: 9223372036854771712n }), '{"n":9223372036854771712}', 'exact beyond 2^53');
  t.equal(oomKillCount(env.record, { layout: env.layout }), 2n);
});

t.test('stats from v2 files', async (t) => {
  const env = unifiedOnly(t);
  const s = JSON.parse(toJson(collectStats(env.record, { layout: env.layout, hugePageSizes: ['2MB'] })));
  t.same(s.cpu.usage, { total: 1500000, kernel: 500000, user: 1000000 });
  t.same(s.cpu.throttling, { periods: 4, throttledPeriods: 1, throttledTime: 20000 });
  t.equal(s.memory.usage.usage, 1048576);
  t.equal(s.memory.usage.max, 2097152);
  t.equal(s.memory.cache, 200);
  t.same(s.pids, { current: 2 });
  t.same(s.blkio.ioServiceBytesRecursive, [{ major: 8, op: 'Read', value: 4096 }, { major: 8, op: 'Write', value: 8192 }]);
  t.equal(oomKillCount(env.record, { layout: env.layout }), 1n);
});

t.test('ps keeps the header and the lines of the container\'s pids', async (t) => {
  const out = 'UID        PID  PPID  C STIME TTY          TIME CMD\nroot         1     0  0 10:00 ?        00:00:01 init\nroot       250     1  0 10:00 ?        00:00:00 sleep 100\nroot      2500   250  0 10:00 ?        00:00:00 sh\n';
  t.equal(filterPsOutput(out, [250]), 'UID        PID  PPID  C STIME TTY          TIME CMD\nroot       250     1  0 10:00 ?        00:00:00 sleep 100\n');
  t.equal(filterPsOutput('  PID COMMAND\n  7 a\n 70 b\n', [70]), '  PID COMMAND\n 70 b\n');
  t.throws(() => filterPsOutput('USER COMMAND\n', [1]), /no PID column/);
});

t.test('update: runc\'s flags, and -r documents checked against the schema', async (t) => {
  const base = { root: '/r', id: 'x' };
  t.same(resourcesFromFlags({ ...base, memory: '100m', memorySwap: '-1', cpuQuota: '-1', cpuPeriod: '100000', cpuShare: '512', cpusetCpus: '0', pidsLimit: 5, blkioWeight: 300, kernelMemorytcp: '1m' }), {
    blockIO: { weight: 300 },
    pids: { limit: 5 },
    cpu: { cpus: '0', period: 100000, shares: 512, quota: -1 },
    memory: { limit: 104857600, swap: -1, kernelTCP: 1048576 },
  });
  t.same(resourcesFromFlags(base), {});
  t.throws(() => resourcesFromFlags({ ...base, cpuShare: 'many' }), /invalid value for --cpu-share/);
  t.same(parseResources('{"pids":{"limit":3}}', 'x'), { pids: { limit: 3 } });
  t.throws(() => parseResources('{"memory":{"limit":"1g"}}', 'update: f.json'), { message: 'update: f.json: /memory/limit: must be of type integer; got "1g"' });
  t.throws(() => parseResources('[1]', 'update: f.json'), /must be a JSON object/);
  t.throws(() => parseResources('{', 'update: f.json'), /not valid JSON/);
});

t.test('this host\'s layout is read from the mount table', async (t) => {
  const layout = detectLayout();
  t.ok(['v1', 'v2', 'hybrid', 'none'].includes(layout.kind));
});

t.test('layout: hierarchies and versions from a mount table, and nsdelegate on cgroup2', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-layout-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const table = (v2Opts: string) =>
    [
      '30 23 0:26 / /nowhere/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,memory',
      '31 23 0:27 / /nowhere/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:11 - cgroup2 cgroup2 ' + v2Opts,
      '',
    ].join('\n');
  for (const [opts, want] of [['rw,nsdelegate,memory_recursiveprot', true], ['rw', false]] as const) {
    const file = path.join(dir, `mountinfo-${want}`);
    fs.writeFileSync(file, table(opts));
    const layout = detectLayout(file);
    t.equal(layout.kind, 'hybrid', 'v1 and v2: hybrid');
    t.same(layout.hierarchies.map((h) => [h.mountpoint, h.version]), [['/nowhere/cgroup/memory', 1], ['/nowhere/cgroup/unified', 2]], 'both hierarchies');
    t.equal(layout.hierarchies[1].nsdelegate, want, `cgroup2 mounted ${opts}: nsdelegate ${want}`);
  }
});

t.test('layout: SELinux\'s mount options are not controllers (they are not in /proc/PID/cgroup)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-layout-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mountinfo');
  fs.writeFileSync(file, [
    '41 39 0:37 / /nowhere/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,seclabel,xattr,name=systemd',
    '49 39 0:45 / /nowhere/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:25 - cgroup cgroup rw,seclabel,cpu,cpuacct',
    '',
  ].join('\n'));
  t.same(detectLayout(file).hierarchies.map((h) => h.controllers.join(',')), ['name=systemd', 'cpu,cpuacct'], 'as /proc/PID/cgroup names them');
});

t.test('delete removes the parents its create made, and /runts with the last container', async (t) => {
  // Two v1 hierarchies as plain directories (rmdir of an empty one works as in cgroupfs).
  const root = makeTree(t, { memory: {}, pids: {} });
  const table = ['memory', 'pids'].map((c, i) => `${30 + i} 23 0:${30 + i} / ${root}/${c} rw,nosuid - cgroup cgroup rw,${c}`).join('\n') + '\n';
  fs.writeFileSync(path.join(root, 'mountinfo'), table);
  const layout = detectLayout(path.join(root, 'mountinfo'));
  const exists = (rel: string) => ['memory', 'pids'].every((c) => fs.existsSync(path.join(root, c, rel)));
  const gone = (rel: string) => ['memory', 'pids'].every((c) => !fs.existsSync(path.join(root, c, rel)));

  const nested = createCgroup(resolveCgroupPath('a/b', 'c1'), layout); // relative: /runts/a/b
  const lone = createCgroup(resolveCgroupPath(undefined, 'c2'), layout);
  t.ok(exists('runts/a/b') && exists('runts/c2'), 'made in both hierarchies');
  t.same(removeCgroup(nested), [], 'removed without failures');
  t.ok(gone('runts/a/b') && gone('runts/a'), 'its own directory and the parent its create made are gone');
  t.ok(exists('runts'), '/runts stays while another container uses it');
  t.same(removeCgroup(lone), []);
  t.ok(gone('runts'), 'the last container takes /runts with it: nothing is left behind');
  // An absolute path's parents that its create made go the same way.
  const absolute = createCgroup(resolveCgroupPath('/x/y', 'c4'), layout);
  removeCgroup(absolute);
  t.ok(gone('x/y') && gone('x'), 'an absolute path\'s parents that its create made are removed');
});

t.test('the init joins cgroup2 at start-up only when the plan could not clone into it', async (t) => {
  const layout = (nsdelegate: boolean): Layout => ({
    kind: 'hybrid',
    hierarchies: [
      { mountpoint: '/nowhere/memory', version: 1, controllers: ['memory'] },
      { mountpoint: '/nowhere/unified', version: 2, controllers: [], nsdelegate },
    ],
  });
  const v1only: Layout = { kind: 'v1', hierarchies: [{ mountpoint: '/nowhere/memory', version: 1, controllers: ['memory'] }] };
  t.equal(cgroup2JoinNow(false, false, layout(true)), false, 'no user or cgroup namespace to enter: clone into it at the fork');
  t.equal(cgroup2JoinNow(true, false, layout(false)), true, 'a user namespace: at once (from inside it, EACCES)');
  t.equal(cgroup2JoinNow(false, true, layout(true)), true, 'joining a cgroup namespace under nsdelegate: at once (ENOENT otherwise)');
  t.equal(cgroup2JoinNow(false, true, layout(false)), false, 'joining a cgroup namespace without nsdelegate: at the fork');
  t.equal(cgroup2JoinNow(false, true, v1only), false, 'no cgroup2 hierarchy: nothing to join early');
});

t.test('unified on a host with no cgroup v2 hierarchy: runc\'s "invalid configuration", then the field', async (t) => {
  const env = hybrid(t);
  const v1only = { ...env, layout: { kind: 'v1', hierarchies: env.layout.hierarchies.filter((h) => h.version === 1) } as Layout };
  v1only.record = { ...env.record, dirs: v1only.layout.hierarchies.map((h) => path.join(h.mountpoint, CG)) };
  t.throws(() => apply(v1only, { unified: { 'pids.max': '10' } }), { message: /invalid configuration: cannot use unified on cgroup v1: \/linux\/resources\/unified: / });
});
