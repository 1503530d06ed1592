// Fields of config.json that no other e2e test shows at work, each checked
// by what the kernel says (/proc, /sys, the cgroup files). The field table
// (src/spec/fields.ts) names these tests; test/unit/fields.test.ts checks
// that the names it gives are here.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { makeBundle, newId, runts, runtsAsync, Scoped, stateDir, tempDir, v1Mount, waitFor } from './lib';

t.test('process fields as /proc shows them: rlimits, oom_score_adj, user, groups, umask, capabilities, I/O priority, scheduler, CPU affinity, cwd, env', async (t) => {
  const script = [
    'grep "Max open files" /proc/self/limits',
    'echo oom=$(cat /proc/self/oom_score_adj)',
    'grep -E "^(Uid|Gid|Groups|Umask|CapBnd|CapEff|CapPrm|CapInh|CapAmb|Cpus_allowed_list):" /proc/self/status',
    'ionice -p $$',
    'echo stat=$(cut -d" " -f19,41 /proc/self/stat)',
    'echo cwd=$(pwd) foo=$FOO',
  ].join('; ');
  const b = makeBundle(t, {
    args: ['sh', '-c', script],
    mkdirs: ['work'],
    edit: (c) => {
      const p = c.process;
      p.cwd = '/work';
      p.env = ['PATH=/bin:/usr/bin', 'FOO=bar baz'];
      p.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1111, hard: 2222 }];
      p.oomScoreAdj = 123;
      p.user = { uid: 1000, gid: 1001, additionalGids: [2000, 3000], umask: 0o027 };
      const caps = ['CAP_CHOWN', 'CAP_KILL'];
      p.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
      p.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      p.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      p.execCPUAffinity = { initial: os.cpus().length > 1 ? '1' : '0', final: '0' };
    },
  });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  const out = r.stdout;
  t.match(out, /Max open files\s+1111\s+2222\s+files/, 'RLIMIT_NOFILE soft and hard');
  t.match(out, /^oom=123$/m, 'oom_score_adj');
  t.match(out, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'uid');
  t.match(out, /^Gid:\s+1001\s+1001\s+1001\s+1001$/m, 'gid');
  t.match(out, /^Groups:\s+2000 3000\s*$/m, 'additional gids, and nothing else');
  t.match(out, /^Umask:\s+0027$/m, 'umask');
  for (const set of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) t.match(out, new RegExp(`^${set}:\\s+0000000000000021$`, 'm'), `${set} is CAP_CHOWN and CAP_KILL`);
  t.match(out, /best-effort: prio 6/, 'I/O priority class and level');
  t.match(out, /^stat=7 3$/m, 'nice 7, policy SCHED_BATCH (3)');
  t.match(out, /^Cpus_allowed_list:\s+0$/m, 'the final CPU affinity');
  t.match(out, /^cwd=\/work foo=bar baz$/m, 'cwd and env');
});

t.test('process.scheduler: SCHED_DEADLINE with runtime, deadline, period and flags; SCHED_FIFO with its priority', async (t) => {
  // A deadline task may fork only with SCHED_FLAG_RESET_ON_FORK, and its child then runs SCHED_OTHER.
  const dl = { policy: 'SCHED_DEADLINE', runtime: 1000000, deadline: 10000000, period: 10000000, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  const b = makeBundle(t, { args: ['sh', '-c', 'echo pid1=$(cut -d" " -f41 /proc/1/stat); (echo child=$(cut -d" " -f41 /proc/self/stat)); true'], edit: (c) => (c.process.scheduler = dl) });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.match(r.stdout, /^pid1=6$/m, 'the container process runs SCHED_DEADLINE (6)');
  t.match(r.stdout, /^child=0$/m, 'SCHED_FLAG_RESET_ON_FORK: its child runs SCHED_OTHER');
  // The kernel checks runtime <= deadline <= period: runts passes them as given.
  const bad = makeBundle(t, { args: ['true'], edit: (c) => (c.process.scheduler = { ...dl, runtime: 20000000 }) });
  const br = runts(['create', '--bundle', bad.dir, newId(t)]);
  t.equal(br.status, 1, 'runtime above deadline is refused by the kernel');
  t.match(br.stderr, /^runts: create: set scheduler SCHED_DEADLINE: EINVAL/, 'naming the step');

  // SCHED_FIFO needs a real-time budget in the container's cgroup: where the
  // host gives none, create fails naming the step (never runs without it).
  const fifo = makeBundle(t, { args: ['sh', '-c', 'echo fifo=$(cut -d" " -f40,41 /proc/self/stat)'], edit: (c) => (c.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 }) });
  const fr = runts(['run', '--bundle', fifo.dir, newId(t)]);
  if (fr.status === 0) t.match(fr.stdout, /^fifo=10 1$/m, 'rt_priority 10, policy SCHED_FIFO (1)');
  else t.match(fr.stderr, /^runts: create: set scheduler SCHED_FIFO: EPERM/, 'or refused naming the step (no real-time budget here)');
});

t.test('linux fields as the container sees them: sysctl, devices, time offsets, personality, domainname, read-only root, propagation, cgroupsPath, ociVersion', async (t) => {
  const script = [
    'echo shmmax=$(cat /proc/sys/kernel/shmmax)',
    'stat -c "dev=%t %T %a %u %g %F" /dev/xnull',
    'cat /proc/self/timens_offsets',
    'echo uptime=$(cut -d. -f1 /proc/uptime)',
    'echo arch=$(uname -m)',
    'echo domain=$(cat /proc/sys/kernel/domainname)',
    'touch /newfile 2>&1',
    'echo root=$(awk \'$5 == "/"\' /proc/self/mountinfo)',
    'echo END',
    'sleep 30',
  ].join('; ');
  const id = newId(t);
  const cgroupsPath = `/runts/${id}-custom`;
  const b = makeBundle(t, {
    args: ['sh', '-c', script],
    edit: (c) => {
      c.linux.sysctl = { 'kernel.shmmax': '12345678' };
      c.linux.devices = [{ path: '/dev/xnull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 7, gid: 8 }];
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { monotonic: { secs: 864000, nanosecs: 0 }, boottime: { secs: 1728000, nanosecs: 5 } };
      c.linux.personality = { domain: 'LINUX32' };
      c.domainname = 'fields.example';
      c.root.readonly = true;
      c.linux.rootfsPropagation = 'shared';
      c.linux.cgroupsPath = cgroupsPath;
    },
  });
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'create', { stderr: r.stderr });
  const pid = Number(JSON.parse(runts(['state', id]).stdout).pid);
  // What the host sees: the process in the cgroup the config names.
  t.match(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:${cgroupsPath}$`, 'm'), 'cgroupsPath');
  t.equal(runts(['start', id]).status, 0, 'start');
  let out = '';
  for (let i = 0; i < 200 && !/^END$/m.test(out); i++) {
    await new Promise((res) => setTimeout(res, 25));
    out = fs.readFileSync(r.outFile, 'utf8');
  }
  t.match(out, /^shmmax=12345678$/m, 'sysctl in the ipc namespace');
  t.match(out, /^dev=1 3 640 7 8 character special file$/m, 'device node: type, numbers, mode, owner');
  t.match(out, /^monotonic\s+864000\s+0$/m, 'monotonic offset');
  t.match(out, /^boottime\s+1728000\s+5$/m, 'boottime offset');
  t.ok(Number(/^uptime=(\d+)$/m.exec(out)?.[1]) >= 1728000, 'uptime counts from the boottime offset');
  if (os.arch() === 'x64') t.match(out, /^arch=i686$/m, 'LINUX32 personality: uname says i686');
  t.match(out, /^domain=fields\.example$/m, 'domainname');
  t.match(out, /Read-only file system/, 'the root is read-only');
  t.match(out, /^root=.* shared:\d+ /m, 'the root is a shared mount');
  t.equal(runts(['delete', '--force', id]).status, 0, 'delete');

  const v2 = makeBundle(t, { args: ['true'], edit: (c) => (c.ociVersion = '2.0.0') });
  const bad = runts(['run', '--bundle', v2.dir, newId(t)]);
  t.equal(bad.status, 1, 'ociVersion 2.0.0 is refused');
  t.match(bad.stderr, /^runts: config\.json: \/ociVersion: must be a 1\.x version; got "2\.0\.0"\n$/);
});

t.test('hooks: args and env as given, and a timeout that stops a hook', async (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, 'hook.out');
  const b = makeBundle(t, {
    args: ['true'],
    edit: (c) => {
      c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo "$0|$FOO|$HOME" > ${out}`, 'first'], env: ['FOO=from config'] }] };
    },
  });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.equal(fs.readFileSync(out, 'utf8'), 'first|from config|\n', 'args as given, and only the env given');

  const slow = makeBundle(t, { args: ['true'], edit: (c) => (c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }) });
  const id = newId(t);
  const s = runts(['create', '--bundle', slow.dir, id]);
  t.equal(s.status, 1, 'a hook past its timeout fails create');
  t.match(s.stderr, /timed out after 1s/);
  t.equal(runts(['state', id]).status, 1, 'and leaves no container');
});

// The syscalls of this architecture by name (the kernel's own list, from
// the headers the native build uses).
function syscallNames(): string[] {
  const h = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  if (!fs.existsSync(h)) return [];
  return [...fs.readFileSync(h, 'utf8').matchAll(/^#define __NR_(\w+) \d+$/gm)].map((m) => m[1]);
}
const names = syscallNames();

t.test(names.length ? 'seccomp: defaultErrnoRet, architectures, flags and a masked argument' : 'seccomp: defaultErrnoRet, architectures, flags and a masked argument (skipped: no x86_64 syscall header)', { skip: !names.length }, async (t) => {
  const allowed = names.filter((n) => !['mkdir', 'mkdirat', 'kill'].includes(n));
  const b = makeBundle(t, {
    args: ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/x; kill -9 12345; kill -HUP 12345; true'],
    edit: (c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 100, // ENETDOWN
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        syscalls: [
          { names: allowed, action: 'SCMP_ACT_ALLOW' },
          // signal & 8 == 8 (SIGKILL is 9): EPERM; other signals fall to the default
          { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 8, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' }] },
        ],
      };
    },
  });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.match(r.stdout, /^Seccomp:\s+2$/m, 'the filter is loaded');
  t.match(r.stdout + r.stderr, /mkdir: can't create directory '\/tmp\/x': Network is down/, 'a syscall no rule names gets defaultErrnoRet');
  t.match(r.stdout + r.stderr, /can't kill pid 12345: Operation not permitted/, 'the masked argument matched (9 & 8 == 8)');
  t.match(r.stdout + r.stderr, /can't kill pid 12345: Network is down/, 'the masked argument did not match (1 & 8 == 0)');
});

// ---------------------------------------------------------------- cgroup v1

const memV1 = v1Mount('memory');
const blkV1 = v1Mount('blkio');
const devV1 = v1Mount('devices');

// The block device under / (major:minor), for the throttle rules.
function rootDevice(): string | undefined {
  for (const d of fs.existsSync('/sys/block') ? fs.readdirSync('/sys/block') : []) {
    if (/^(loop|ram|zram)/.test(d)) continue;
    try {
      return fs.readFileSync(path.join('/sys/block', d, 'dev'), 'utf8').trim();
    } catch {
      /* next */
    }
  }
  return undefined;
}
const blockDev = rootDevice();
// A char device beyond the spec's default ones, that opens without any capability.
const loopControl = fs.existsSync('/dev/loop-control') ? fs.statSync('/dev/loop-control').rdev : undefined;
const moreSkip = !memV1 || !blkV1 || !devV1 || !blockDev || loopControl === undefined;

t.test(moreSkip ? 'cgroup v1 fields beyond the limits test (skipped: needs v1 memory, blkio and devices, a block device and /dev/loop-control)' : 'cgroup v1 fields beyond the limits test: memory reservation, swappiness, OOM killer, checkBeforeUpdate, kernel memory, device rules, I/O throttles, CPU idle, burst and real-time, rdma', { skip: moreSkip }, async (t) => {
  const [major, minor] = blockDev!.split(':').map(Number);
  const [lcMajor, lcMinor] = [Math.floor(loopControl! / 256), loopControl! % 256];
  const id = newId(t);
  const b = makeBundle(t, {
    args: ['sh', '-c', '(: < /dev/xdev) && echo read-ok; (: >> /dev/xdev) 2>&1; echo write-tried; sleep 30'],
    edit: (c) => {
      // A node beyond the defaults, and a rule that allows reading it only.
      c.linux.devices = [{ path: '/dev/xdev', type: 'c', major: lcMajor, minor: lcMinor }];
      c.linux.resources = {
        ...c.linux.resources,
        devices: [...(c.linux.resources?.devices ?? []), { allow: true, type: 'c', major: lcMajor, minor: lcMinor, access: 'r' }],
        memory: { limit: 256 * 1024 * 1024, reservation: 64 * 1024 * 1024, swappiness: 10, disableOOMKiller: true, useHierarchy: true },
        blockIO: {
          throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
          throttleWriteBpsDevice: [{ major, minor, rate: 2097152 }],
          throttleReadIOPSDevice: [{ major, minor, rate: 300 }],
          throttleWriteIOPSDevice: [{ major, minor, rate: 400 }],
        },
      };
    },
  });
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'create', { stderr: r.stderr });
  const rd = (mount: string, file: string) => fs.readFileSync(path.join(mount, 'runts', id, file), 'utf8');
  t.equal(rd(memV1!, 'memory.soft_limit_in_bytes').trim(), String(64 * 1024 * 1024), 'reservation');
  t.equal(rd(memV1!, 'memory.swappiness').trim(), '10', 'swappiness');
  t.match(rd(memV1!, 'memory.oom_control'), /^oom_kill_disable 1$/m, 'OOM killer disabled');
  t.equal(rd(memV1!, 'memory.use_hierarchy').trim(), '1', 'useHierarchy');
  t.match(rd(blkV1!, 'blkio.throttle.read_bps_device'), new RegExp(`^${major}:${minor} 1048576$`, 'm'), 'read bps');
  t.match(rd(blkV1!, 'blkio.throttle.write_bps_device'), new RegExp(`^${major}:${minor} 2097152$`, 'm'), 'write bps');
  t.match(rd(blkV1!, 'blkio.throttle.read_iops_device'), new RegExp(`^${major}:${minor} 300$`, 'm'), 'read iops');
  t.match(rd(blkV1!, 'blkio.throttle.write_iops_device'), new RegExp(`^${major}:${minor} 400$`, 'm'), 'write iops');
  t.match(rd(devV1!, 'devices.list'), new RegExp(`^c ${lcMajor}:${lcMinor} r$`, 'm'), 'the device rule is in the allowed list');
  // update with checkBeforeUpdate: a limit below what the cgroup uses is refused, and nothing changes.
  const doc = path.join(tempDir(t), 'resources.json');
  fs.writeFileSync(doc, JSON.stringify({ memory: { limit: 4096, checkBeforeUpdate: true } }));
  const u = runts(['update', '-r', doc, id]);
  t.equal(u.status, 1, 'update below the usage is refused');
  t.match(u.stderr, /^runts: update: \/memory\/limit: rejecting memory limit 4096 <= usage \d+\n$/, 'naming the field (in the resources document)');
  t.equal(rd(memV1!, 'memory.limit_in_bytes').trim(), String(256 * 1024 * 1024), 'the limit is unchanged');
  t.equal(runts(['start', id]).status, 0, 'start');
  let out = '';
  for (let i = 0; i < 200 && !/write-tried/.test(out); i++) {
    await new Promise((res) => setTimeout(res, 25));
    out = fs.readFileSync(r.outFile, 'utf8');
  }
  t.match(out, /read-ok/, 'the device opens for reading');
  t.match(out, /can't create \/dev\/xdev: Operation not permitted/, 'and the cgroup refuses it for writing');
  t.equal(runts(['delete', '--force', id]).status, 0, 'delete');

  // Fields this host may lack: either the value is in the cgroup file, or
  // create fails naming the field and leaves nothing (never taken silently).
  const cpuV1 = v1Mount('cpu');
  const eitherOr: [string, Record<string, unknown>, string, string, string][] = [
    ['cpu/idle', { cpu: { idle: 1 } }, cpuV1 ?? '', 'cpu.idle', '1'],
    ['cpu/burst', { cpu: { quota: 50000, period: 100000, burst: 10000 } }, cpuV1 ?? '', 'cpu.cfs_burst_us', '10000'],
    ['cpu/realtimeRuntime', { cpu: { realtimePeriod: 1000000, realtimeRuntime: 1000 } }, cpuV1 ?? '', 'cpu.rt_runtime_us', '1000'],
    ['blockIO/leafWeight', { blockIO: { leafWeight: 200 } }, blkV1!, 'blkio.leaf_weight', '200'],
    ['blockIO/weightDevice', { blockIO: { weightDevice: [{ major, minor, weight: 300 }] } }, blkV1!, 'blkio.weight_device', `${major}:${minor} 300`],
    ['memory/kernel', { memory: { kernel: 64 * 1024 * 1024 } }, memV1!, 'memory.kmem.limit_in_bytes', String(64 * 1024 * 1024)],
    ['memory/kernelTCP', { memory: { kernelTCP: 32 * 1024 * 1024 } }, memV1!, 'memory.kmem.tcp.limit_in_bytes', String(32 * 1024 * 1024)],
  ];
  for (const [field, resources, mount, file, want] of eitherOr) {
    const eb = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.resources = resources) });
    const eid = newId(t);
    const er = runts(['create', '--bundle', eb.dir, eid]);
    if (er.status === 0) {
      const dir = path.join(mount, 'runts', eid);
      const got = fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8') : '';
      const warned = new RegExp(`/linux/resources/${field}: .*ignored`).test(er.stderr);
      t.ok(got.split('\n').some((l) => l.trim() === want || l.trim().endsWith(' ' + want)) || warned, `${field}: ${file} holds ${want}, or a warning names the field`, { got, stderr: er.stderr });
      t.equal(runts(['delete', '--force', eid]).status, 0, `${field}: delete`);
    } else {
      // Named by its pointer, or (a value the kernel refuses) by its cgroup file and value.
      t.match(er.stderr, new RegExp(`^runts: create: (/linux/resources/${field.replace('/', '\\/')}|cgroup ${file.replace(/\./g, '\\.')}: write )`), `${field}: refused naming the field or its file`);
      t.equal(runts(['state', eid]).status, 1, `${field}: no container left`);
      t.notOk(fs.existsSync(path.join(mount, 'runts', eid)), `${field}: no cgroup left`);
    }
  }

  // What this host lacks is refused naming the field, with nothing left.
  const noRdma = !v1Mount('rdma') && !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - cgroup2 ');
  if (noRdma) {
    const rb = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.resources = { rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } } }) });
    const rid = newId(t);
    const rr = runts(['create', '--bundle', rb.dir, rid]);
    t.equal(rr.status, 1, 'rdma without the rdma controller is refused');
    t.match(rr.stderr, /\/linux\/resources\/rdma/);
    t.equal(runts(['state', rid]).status, 1, 'no container left');
  }
});

// ---------------------------------------------------------------- refused

t.test('intelRdt without resctrl is refused, naming the field, and nothing is left', async (t) => {
  const b = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.intelRdt = { closID: 'runts-e2e', l3CacheSchema: 'L3:0=f', enableMonitoring: true }) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'create fails');
  t.match(r.stderr, /^runts: config\.json: \/linux\/intelRdt: Intel RDT is not supported by runts: no resctrl [^\n]*\n$/, 'one line naming the field');
  t.equal(runts(['state', id]).status, 1, 'no container');
  for (const m of ['memory', 'pids', 'cpu']) {
    const mount = v1Mount(m);
    if (mount) t.notOk(fs.existsSync(path.join(mount, 'runts', id)), `no ${m} cgroup`);
  }
});

// ---------------------------------------------------------------- netDevices

const ipCmd = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => fs.existsSync(p));
const ipRun = (args: string[]) => spawnSync(ipCmd!, args, { encoding: 'utf8' });
// A veth pair of this test (not every kernel has the dummy driver): the
// end it returns is the one to move; its peer stays on the host. Deleting
// either end removes both, wherever the other is.
function dummy(t: Scoped, opts: { mtu?: number; address?: string } = {}): string {
  const name = `rtsd${randomBytes(4).toString('hex')}`;
  const r = ipRun(['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
  if (r.status !== 0) throw new Error(`ip link add ${name}: ${r.stderr}`);
  t.teardown(() => void ipRun(['link', 'del', `${name}p`]));
  if (opts.mtu) ipRun(['link', 'set', 'dev', name, 'mtu', String(opts.mtu)]);
  if (opts.address) ipRun(['address', 'add', opts.address, 'dev', name]);
  ipRun(['link', 'set', 'dev', name, 'up']);
  return name;
}
const onHost = (name: string) => ipRun(['-o', 'address', 'show', 'dev', name]);

t.test(ipCmd ? 'netDevices: the host interface moves in under its new name, and back at delete' : 'netDevices (skipped: no iproute2 ip)', { skip: !ipCmd }, async (t) => {
  const host = dummy(t, { mtu: 1400, address: '10.213.77.1/24' });
  const b = makeBundle(t, {
    args: ['sh', '-c', 'ip -o link show ctr0; ip -o address show dev ctr0; echo END; sleep 30'],
    edit: (c) => (c.linux.netDevices = { [host]: { name: 'ctr0' } }),
  });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'create', { stderr: r.stderr });
  t.not(onHost(host).status, 0, 'gone from the host');
  const pid = Number(JSON.parse(runts(['state', id]).stdout).pid);
  // From the host, in the container's network namespace: the kernel's view.
  const inside = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, ipCmd!, '-o', 'address', 'show', 'dev', 'ctr0'], { encoding: 'utf8' });
  t.match(inside.stdout, /ctr0\s+inet 10\.213\.77\.1\/24/, 'in the container namespace as ctr0, with its address');
  t.equal(runts(['start', id]).status, 0, 'start');
  let out = '';
  for (let i = 0; i < 200 && !/^END$/m.test(out); i++) {
    await new Promise((res) => setTimeout(res, 25));
    out = fs.readFileSync(r.outFile, 'utf8');
  }
  t.match(out, /ctr0(@\S+)?: <[^>]*\bUP\b[^>]*> mtu 1400/, 'the container sees ctr0 up, with the mtu it had');
  // Stopped: the devices stay with the container until delete.
  t.equal(runts(['kill', id, 'KILL']).status, 0, 'kill');
  await new Promise((res) => setTimeout(res, 100));
  for (let i = 0; i < 100 && JSON.parse(runts(['state', id]).stdout).status !== 'stopped'; i++) await new Promise((res) => setTimeout(res, 50));
  t.not(onHost(host).status, 0, 'still not on the host while the stopped container exists');
  t.equal(runts(['delete', id]).status, 0, 'delete');
  const back = onHost(host);
  t.equal(back.status, 0, 'back on the host under its own name');
  t.match(back.stdout, /inet 10\.213\.77\.1\/24/, 'with its address');
  t.match(ipRun(['-o', 'link', 'show', host]).stdout, /mtu 1400/, 'and its mtu');
});

t.test(ipCmd ? 'netDevices: a missing device or a name taken inside is an error naming it, and nothing is half-moved' : 'netDevices errors (skipped: no iproute2 ip)', { skip: !ipCmd }, async (t) => {
  const missing = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.netDevices = { rtsdnosuch0: {} }) });
  const id1 = newId(t);
  const r1 = runts(['create', '--bundle', missing.dir, id1]);
  t.equal(r1.status, 1, 'a device the host does not have');
  t.equal(r1.stderr, 'runts: config.json: /linux/netDevices/rtsdnosuch0: no network interface "rtsdnosuch0" on the host\n');
  t.equal(runts(['state', id1]).status, 1, 'no container');

  // A namespace the container joins, where the second name is taken: the
  // first device, moved already, comes back too.
  const nsName = `rtsdns${randomBytes(3).toString('hex')}`;
  t.equal(ipRun(['netns', 'add', nsName]).status, 0, 'ip netns add');
  t.teardown(() => void ipRun(['netns', 'del', nsName]));
  t.equal(ipRun(['-n', nsName, 'link', 'add', 'taken0', 'type', 'veth', 'peer', 'name', 'taken1']).status, 0, 'a device named taken0 in it');
  const a = dummy(t);
  const bDev = dummy(t);
  const b = makeBundle(t, {
    args: ['true'],
    edit: (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${nsName}` } : n));
      c.linux.netDevices = { [a]: { name: 'free0' }, [bDev]: { name: 'taken0' } };
    },
  });
  const id2 = newId(t);
  const r2 = runts(['create', '--bundle', b.dir, id2]);
  t.equal(r2.status, 1, 'create fails');
  t.match(r2.stderr, new RegExp(`^runts: config\\.json: /linux/netDevices/${bDev}/name: cannot move "${bDev}" into the container as "taken0": "taken0" is taken in the container's network namespace\\n$`));
  t.equal(onHost(a).status, 0, 'the first device is back on the host');
  t.equal(onHost(bDev).status, 0, 'the second never left');
  const left = ipRun(['-n', nsName, '-o', 'link', 'show']).stdout;
  t.notMatch(left, /free0|rtsd/, 'nothing of ours is left in the namespace');
  t.match(left, /taken0/, 'and what was there stays');
  t.equal(runts(['state', id2]).status, 1, 'no container');
});

t.test(ipCmd ? 'netDevices: delete --force after a create killed with the devices moved brings them back, and leaves nothing' : 'netDevices after a killed create (skipped: no iproute2 ip)', { skip: !ipCmd }, async (t) => {
  const host = dummy(t, { address: '10.213.78.1/24' });
  const dir = tempDir(t);
  const hookPid = path.join(dir, 'hook.pid');
  // The createRuntime hook comes after the move: create is killed while it waits there.
  const b = makeBundle(t, {
    args: ['true'],
    edit: (c) => {
      c.linux.netDevices = { [host]: { name: 'ctr0' } };
      c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo $$ > ${hookPid}; exec sleep 60`] }] };
    },
  });
  const id = newId(t);
  const { child, done } = runtsAsync(['create', '--bundle', b.dir, id], { timeout: 30000 });
  t.ok(await waitFor(() => fs.existsSync(hookPid) && fs.readFileSync(hookPid, 'utf8').trim() !== '', 10000), 'create reached its hook');
  t.not(onHost(host).status, 0, 'the device has left the host');
  child.kill('SIGKILL');
  await done;
  try {
    process.kill(Number(fs.readFileSync(hookPid, 'utf8')), 'SIGKILL');
  } catch {
    /* gone */
  }
  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
  t.equal(d.stderr, '', 'no warning');
  const back = onHost(host);
  t.equal(back.status, 0, 'the device is back on the host under its name');
  t.match(back.stdout, /inet 10\.213\.78\.1\/24/, 'with its address');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  t.notMatch(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`/${id}/netns `), 'no namespace mount left');
});

// ---------------------------------------------------------------- memoryPolicy, loopback

const online = fs.existsSync('/sys/devices/system/node/online') ? fs.readFileSync('/sys/devices/system/node/online', 'utf8').trim() : '';
const hasNuma = fs.existsSync('/proc/self/numa_maps') && online !== '';

t.test(hasNuma ? 'memoryPolicy: the container process runs under the policy; a node the host lacks, a bad mode or flag is an error at create' : 'memoryPolicy (skipped: a kernel without NUMA: no /proc/self/numa_maps)', { skip: !hasNuma }, async (t) => {
  const first = online.split(/[-,]/)[0];
  // numa_maps shows, for each mapping without a policy of its own, the process's.
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ mode: 'MPOL_BIND', nodes: first, flags: ['MPOL_F_STATIC_NODES'] }, new RegExp(`^\\S+ bind=static:${first} `, 'm')],
    [{ mode: 'MPOL_INTERLEAVE', nodes: first }, new RegExp(`^\\S+ interleave:${first} `, 'm')],
    [{ mode: 'MPOL_PREFERRED', nodes: first }, new RegExp(`^\\S+ prefer:${first} `, 'm')],
    [{ mode: 'MPOL_LOCAL' }, /^\S+ local /m],
  ];
  for (const [mp, want] of cases) {
    const b = makeBundle(t, { args: ['cat', '/proc/self/numa_maps'], edit: (c) => (c.linux.memoryPolicy = mp) });
    const r = runts(['run', '--bundle', b.dir, newId(t)]);
    t.equal(r.status, 0, `run with ${mp.mode}`, { stderr: r.stderr });
    t.match(r.stdout, want, `${mp.mode}: numa_maps shows the policy`);
    t.notMatch(r.stdout, /^\S+ default /m, `${mp.mode}: no mapping under the default policy`);
  }
  // exec'd processes get it too
  const b = makeBundle(t, { args: ['sleep', '30'], edit: (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: first }) });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0, 'run -d');
  const e = runts(['exec', id, 'cat', '/proc/self/numa_maps']);
  t.match(e.stdout, new RegExp(`^\\S+ bind:${first} `, 'm'), 'an exec\'d process runs under the policy');

  const refused: [Record<string, unknown>, RegExp][] = [
    [{ mode: 'MPOL_BIND', nodes: '5' }, /^runts: config\.json: \/linux\/memoryPolicy\/nodes: node 5 not online on this host/],
    [{ mode: 'MPOL_BIND', nodes: '1000-1001' }, /^runts: config\.json: \/linux\/memoryPolicy\/nodes: nodes 1000,1001 not online on this host/],
    [{ mode: 'MPOL_FOO', nodes: first }, /^runts: config\.json: \/linux\/memoryPolicy\/mode: must be one of /],
    [{ mode: 'MPOL_BIND', nodes: first, flags: ['MPOL_F_BOGUS'] }, /^runts: config\.json: \/linux\/memoryPolicy\/flags\/0: must be one of /],
    [{ mode: 'MPOL_BIND' }, /^runts: config\.json: \/linux\/memoryPolicy\/nodes: MPOL_BIND needs at least one node/],
    [{ mode: 'MPOL_DEFAULT', nodes: first }, /^runts: config\.json: \/linux\/memoryPolicy\/nodes: MPOL_DEFAULT takes no nodes/],
    [{ mode: 'MPOL_BIND', nodes: first, flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }, /^runts: config\.json: \/linux\/memoryPolicy\/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other/],
  ];
  for (const [mp, want] of refused) {
    const rb = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.memoryPolicy = mp) });
    const rid = newId(t);
    const r = runts(['create', '--bundle', rb.dir, rid]);
    t.equal(r.status, 1, `${JSON.stringify(mp)} is refused`);
    t.match(r.stderr, want, 'naming the field');
    t.equal(runts(['state', rid]).status, 1, 'and leaves no container');
  }
});

t.test('a new network namespace has its loopback interface up, as runc and crun set it', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'cat /sys/class/net/lo/operstate; cat /sys/class/net/lo/flags; ip -o address show dev lo'] });
  t.ok(b.config.linux.namespaces.some((n: { type: string; path?: string }) => n.type === 'network' && !n.path), 'the config makes a network namespace');
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  const [operstate, flags] = r.stdout.split('\n');
  t.equal(operstate, 'unknown', 'operstate of an up loopback (down says "down")');
  t.ok((Number(flags) & 1) === 1, `IFF_UP in the flags (${flags})`);
  t.match(r.stdout, /lo\s+inet 127\.0\.0\.1\/8/, 'with its address (the kernel gives lo 127.0.0.1 once up)');
});
