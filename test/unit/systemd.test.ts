// The systemd cgroup driver's pure half (src/cgroups/systemd-units.ts): unit
// and slice names from cgroupsPath, and linux.resources as unit properties,
// as runc's libcontainer/cgroups/systemd computes them. No root, no systemd.
import t from 'tap';
import { baseProperties, cpuQuota, deviceProperties, expandSlice, rangeToBits, resourceProperties, resourcePropertiesV1, unitName, Property } from '../../src/cgroups/systemd-units';
import { deviceRulesFor } from '../../src/cgroups/resources';
import { managerOf, cgroupfs } from '../../src/cgroups/manager';
import { authAsHostUid, hostUid, userBusAddress } from '../../src/cgroups/systemd-bus';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const byName = (props: Property[]) => Object.fromEntries(props.map(([n, , v]) => [n, v]));

t.test('unit names: <prefix>-<name>.scope in the slice, runc\'s defaults', async (t) => {
  t.same(unitName('machine.slice:libpod:abc', 'x'), { unit: 'libpod-abc.scope', slice: 'machine.slice', sliceDir: '/machine.slice' });
  t.same(unitName('kubepods-besteffort-pod12.slice:cri-containerd:c1', 'x'), {
    unit: 'cri-containerd-c1.scope',
    slice: 'kubepods-besteffort-pod12.slice',
    sliceDir: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice',
  });
  t.same(unitName(undefined, 'x'), { unit: 'runts-x.scope', slice: 'system.slice', sliceDir: '/system.slice' }, 'no cgroupsPath: ":runts:<id>"');
  t.same(unitName('', 'x'), { unit: 'runts-x.scope', slice: 'system.slice', sliceDir: '/system.slice' }, 'empty as absent');
  t.equal(unitName(':p:n', 'x').slice, 'system.slice', 'empty slice: system.slice');
  t.equal(unitName(':p:n', 'x', true).slice, 'user.slice', 'rootless: user.slice');
  t.equal(unitName('-.slice:p:n', 'x').sliceDir, '', 'the root slice');
  t.equal(unitName('user.slice:p:my.slice', 'x').unit, 'my.slice', 'a name ending in .slice is that slice');
  t.throws(() => unitName('/runts/x', 'x'), /config\.json: \/linux\/cgroupsPath: .*slice:prefix:name/);
  t.throws(() => unitName('a:b:c:d', 'x'), /slice:prefix:name/);
  t.throws(() => unitName('system.slice:p:', 'x'), /plain name/);
  t.throws(() => unitName('system.slice:p/q:n', 'x'), /plain name/);
});

t.test('slice expansion: dashes are parents', async (t) => {
  t.equal(expandSlice('a-b.slice'), '/a.slice/a-b.slice');
  t.equal(expandSlice('test-a-b.slice'), '/test.slice/test-a.slice/test-a-b.slice');
  t.equal(expandSlice('-.slice'), '');
  for (const bad of ['a--b.slice', '-a.slice', 'a-.slice', '.slice', 'a.scope', 'a/b.slice']) t.throws(() => expandSlice(bad), /invalid slice name/, bad);
});

t.test('base properties: slice, delegation, the pid, accounting, no default dependencies', async (t) => {
  const p = byName(baseProperties(unitName('machine.slice:libpod:abc', 'x'), 1234, 'runts container x'));
  t.same(p, {
    Description: 'runts container x',
    Slice: 'machine.slice',
    Delegate: true,
    PIDs: [1234],
    MemoryAccounting: true,
    CPUAccounting: true,
    IOAccounting: true,
    TasksAccounting: true,
    DefaultDependencies: false,
  });
  const slice = byName(baseProperties(unitName('machine.slice:p:pod.slice', 'x'), 1, 'd'));
  t.same(slice.Wants, ['machine.slice'], 'a slice unit wants its parent');
  t.notOk('Delegate' in slice || 'Slice' in slice, 'and is neither delegated nor placed with Slice=');
});

t.test('resources as cgroup v2 unit properties', async (t) => {
  const { props, resources } = resourceProperties({
    memory: { limit: 33554432, reservation: 1048576, swap: 67108864 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1,9', mems: '0' },
    pids: { limit: 17 },
    blockIO: { weight: 500 },
  });
  const p = byName(props);
  t.equal(p.MemoryMax, 33554432n);
  t.equal(p.MemoryLow, 1048576n);
  t.equal(p.MemorySwapMax, 33554432n, 'memory+swap minus memory, as cgroup v2 counts swap');
  t.equal(p.CPUWeight, 39n, 'shares 1024 as a weight (the cgroupfs driver\'s conversion)');
  t.equal(p.CPUQuotaPeriodUSec, 100000n);
  t.equal(p.CPUQuotaPerSecUSec, 500000n, '50 ms per 100 ms: half a CPU');
  t.equal(p.TasksMax, 17n);
  t.same([...(p.AllowedCPUs as Buffer)], [0b11, 0b10], 'CPUs 0, 1 and 9 as a bit mask, lowest first');
  t.same([...(p.AllowedMemoryNodes as Buffer)], [1]);
  t.equal(p.IOWeight, 4950n, 'blkio weight 500 on the io.weight scale (the cgroupfs driver\'s conversion)');
  t.equal(resources.cpu?.quota, 50000, 'a whole percentage: the quota unchanged');
  const signatures = Object.fromEntries(props.map(([n, s]) => [n, s]));
  t.same(signatures, { MemoryMax: 't', MemoryLow: 't', MemorySwapMax: 't', CPUWeight: 't', CPUQuotaPeriodUSec: 't', CPUQuotaPerSecUSec: 't', TasksMax: 't', AllowedCPUs: 'ay', AllowedMemoryNodes: 'ay', IOWeight: 't' });
});

t.test('resources as v1 unit properties (v1 and hybrid hosts, as runc\'s v1 manager)', async (t) => {
  const { props, resources } = resourcePropertiesV1({
    memory: { limit: 33554432, reservation: 1048576, swap: 67108864 },
    cpu: { shares: 1024, quota: 12345, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 0 },
    blockIO: { weight: 500 },
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
  });
  const p = byName(props);
  t.equal(p.MemoryLimit, 33554432n);
  t.equal(p.CPUShares, 1024n, 'shares as they are');
  t.equal(p.CPUQuotaPerSecUSec, 130000n, 'rounded up to a whole percentage');
  t.equal(resources.cpu?.quota, 13000, 'and the file gets the rounded quota');
  t.equal(p.TasksMax, 1n, 'pids 0: 1, as runc');
  t.equal(p.BlockIOWeight, 500n);
  t.equal(p.DevicePolicy, 'strict');
  for (const v2only of ['MemoryMax', 'MemoryLow', 'MemorySwapMax', 'CPUWeight', 'IOWeight', 'AllowedCPUs', 'AllowedMemoryNodes']) t.notOk(v2only in p, `no ${v2only} (the files only on v1)`);
  t.same(resourcePropertiesV1({}).props, [], 'nothing set, nothing asked');
});

t.test('limits that mean none, and the odd values', async (t) => {
  const p = byName(resourceProperties({ memory: { limit: -1 }, pids: { limit: -1 } }).props);
  t.equal(p.MemoryMax, UINT64_MAX, '-1: infinity');
  t.equal(p.MemorySwapMax, UINT64_MAX, 'unlimited memory, unlimited swap');
  t.equal(p.TasksMax, UINT64_MAX);
  t.equal(byName(resourceProperties({ pids: { limit: 0 } }).props).TasksMax, 1n, 'systemd takes no TasksMax=0: 1, as runc');
  t.equal(byName(resourceProperties({ cpu: { idle: 1, shares: 1024 } }).props).CPUWeight, 0n, 'cpu.idle 1 is CPUWeight 0, and wins over shares');
  t.same(resourceProperties({}).props, [], 'nothing set, nothing asked');
});

t.test('CPU quota: rounded up to a whole percentage, and the files say the same', async (t) => {
  const q = cpuQuota(12345, 100000);
  t.same(byName(q.props), { CPUQuotaPeriodUSec: 100000n, CPUQuotaPerSecUSec: 130000n });
  t.equal(q.quota, 13000, 'the quota written to cpu.max is the rounded one');
  t.equal(resourceProperties({ cpu: { quota: 12345, period: 100000 } }).resources.cpu?.quota, 13000);
  t.same(byName(cpuQuota(0, 50000).props), { CPUQuotaPeriodUSec: 50000n, CPUQuotaPerSecUSec: UINT64_MAX }, 'a period alone: no quota');
  t.same(byName(cpuQuota(20000, 0).props), { CPUQuotaPerSecUSec: 200000n }, 'no period: the kernel\'s 100 ms');
});

t.test('CPU lists to bit masks', async (t) => {
  t.same([...rangeToBits('0', '/p')], [1]);
  t.same([...rangeToBits('8', '/p')], [0, 1]);
  t.same([...rangeToBits(' 0-3 , 5 ', '/p')], [0b101111]);
  t.throws(() => rangeToBits('3-1', '/linux/resources/cpu/cpus'), /config\.json: \/linux\/resources\/cpu\/cpus: invalid CPU or node list/);
  t.throws(() => rangeToBits('', '/p'), /invalid/);
  t.throws(() => rangeToBits('a', '/p'), /invalid/);
});

t.test('device rules: systemd\'s allow list, or none where it cannot say them', async (t) => {
  const rules = deviceRulesFor([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]);
  const p = deviceProperties(rules);
  t.same(p[0], ['DevicePolicy', 's', 'strict']);
  t.same(p[1], ['DeviceAllow', 'a(ss)', []], 'an empty list first clears a running unit\'s');
  const allow = p[2][2] as [string, string][];
  t.same(allow[0], ['/dev/char/10:229', 'rw']);
  t.ok(allow.some(([d, a]) => d === '/dev/char/1:3' && a === 'rwm'), '/dev/null, a default of runc');
  t.ok(allow.some(([d, a]) => d === 'char-136' && a === 'rwm'), 'a whole major');
  t.ok(allow.some(([d, a]) => d === 'block-*' && a === 'm'), 'mknod of any block device');
  t.same(deviceProperties([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }])[2][2], [['/dev/char/1:3', 'rm']], 'a later deny takes an access away');
  t.same(deviceProperties([{ allow: true, access: 'rwm' }]), [['DevicePolicy', 's', 'auto'], ['DeviceAllow', 'a(ss)', []]], 'allow all');
  t.same(deviceProperties([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3 }]), [], 'a deny list: left to the cgroup\'s own BPF program');
  t.same(deviceProperties([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', minor: 3 }]), [], 'a "*:3" rule systemd cannot say');
  t.same(deviceProperties([{ allow: false, access: 'r' }]), [], 'an "a" rule for one access');
  t.notOk(resourceProperties({ devices: [{ allow: false, access: 'rwm' }] }, { skipDevices: true }).props.length, 'update leaves device rules alone');
});

t.test('unified keys systemd has properties for', async (t) => {
  const p = byName(resourceProperties({ unified: { 'memory.high': '1000000', 'memory.min': 'max', 'pids.max': '0', 'cpu.max': '25000 50000', 'io.weight': 'default 100' } }).props);
  t.equal(p.MemoryHigh, 1000000n);
  t.equal(p.MemoryMin, UINT64_MAX);
  t.equal(p.TasksMax, 1n);
  t.equal(p.CPUQuotaPerSecUSec, 500000n);
  t.equal(p.CPUQuotaPeriodUSec, 50000n);
  t.notOk('IOWeight' in p, 'the others only through cgroupfs');
  t.throws(() => resourceProperties({ unified: { 'memory.high': 'lots' } }), /config\.json: \/linux\/resources\/unified\/memory\.high: must be a number or "max"/);
});

t.test('the manager follows the record', async (t) => {
  t.equal(managerOf({ path: '/runts/x', dirs: [], created: [] }), cgroupfs, 'no unit: cgroupfs');
  t.equal(managerOf({ path: '/system.slice/runts-x.scope', dirs: [], created: [], systemd: { unit: 'runts-x.scope', user: false } }).name, 'systemd');
});

t.test('rootless: the session bus, or an error naming what is missing', async (t) => {
  t.equal(userBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x/bus', XDG_RUNTIME_DIR: '/y' }), 'unix:path=/x/bus');
  t.throws(() => userBusAddress({}), /rootless: no session bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set.*cgroupfs manager/);
  t.throws(() => userBusAddress({ XDG_RUNTIME_DIR: '/nonexistent-runts' }), /no session bus at \/nonexistent-runts\/bus.*loginctl enable-linger.*cgroupfs manager/);
});

t.test('rootless in a user namespace: the bus hears the host uid (uid_map)', async (t) => {
  t.equal(hostUid(0, '         0       1000          1\n         1     100000      65536\n'), 1000, 'root of the namespace is the user');
  t.equal(hostUid(5, '         0       1000          1\n         1     100000      65536\n'), 100004);
  t.equal(hostUid(0, '         0          0 4294967295\n'), 0, 'the initial namespace maps to itself');
  t.equal(hostUid(70000, '         0       1000          1\n         1     100000      65536\n'), undefined, 'unmapped');
  const me = process.getuid!();
  const undo = authAsHostUid(`${me} ${me + 4242} 1\n`);
  t.equal(process.getuid!(), me + 4242, 'getuid answers the host uid during the handshake');
  undo!();
  t.equal(process.getuid!(), me, 'and its own afterwards');
  t.equal(authAsHostUid(`${me} ${me} 1\n`), undefined, 'nothing to change where they agree');
});

// The unit's stop (delete, and a create that failed) against a stand-in for
// the bus, its errors worded as SystemdBus words them.
t.test('stop: a unit systemd has not loaded costs one call; a loaded one is killed, stopped and reset', async (t) => {
  const { stop } = await import('../../src/cgroups/systemd');
  const busErr = (member: string, name: string) => new Error(`systemd: ${member}: some text (${name})`);
  const fake = (kill: Error | undefined, stopResult: string) => {
    const calls: string[] = [];
    return {
      calls,
      bus: {
        killUnit: async (u: string) => {
          calls.push(`kill ${u}`);
          if (kill) throw kill;
        },
        stopUnit: async (u: string) => {
          calls.push(`stop ${u}`);
          return stopResult;
        },
        resetFailedUnit: async (u: string) => {
          calls.push(`reset ${u}`);
        },
      },
    };
  };
  const gone = fake(busErr('KillUnit', 'org.freedesktop.systemd1.NoSuchUnit'), 'done');
  t.same(await stop(gone.bus, 'a.scope'), [], 'not loaded: nothing failed');
  t.same(gone.calls, ['kill a.scope'], 'not loaded: no stop job, no reset');
  const live = fake(undefined, 'done');
  t.same(await stop(live.bus, 'b.scope'), []);
  t.same(live.calls, ['kill b.scope', 'stop b.scope', 'reset b.scope'], 'loaded: killed, stopped, reset');
  // A failed unit is loaded: KillUnit finds no process, the stop and the reset follow.
  const failed = fake(busErr('KillUnit', 'org.freedesktop.systemd1.NoSuchProcess'), 'done');
  await stop(failed.bus, 'c.scope');
  t.same(failed.calls, ['kill c.scope', 'stop c.scope', 'reset c.scope'], 'failed (loaded, no process): stopped and reset');
  const slow = fake(undefined, 'timeout');
  t.same(await stop(slow.bus, 'd.scope'), ['d.scope: stop job timeout'], 'a stop job that did not finish is reported');
});
