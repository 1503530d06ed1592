// linux.resources written into the container's cgroup: at create (before
// the container's first process joins) and by `runts update`. Each field goes
// to the hierarchy that has its controller (v1, v2, or either on a hybrid
// host), in the v1 or v2 form of the value, in runc's order and with runc's
// conversions. A value the kernel refuses fails with the file and the value:
//   create: cgroup memory.limit_in_bytes: write "1k": EINVAL
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { sleepSync } from '../sys/sleep';
import { warn as logWarn } from '../log';
import { detectLayout, Layout } from './layout';
import { CgroupIo, realIo } from './fsio';
import { CgroupDirs, enableV2Controller, Placement, Target } from './placement';
import { deviceFilterProgram } from './bpf';
import {
  blkioWeightToIoWeight,
  checkDeviceRule,
  cpuSharesToWeight,
  deviceRulesFor,
  deviceRuleText,
  intText,
  LinuxBlockIO,
  LinuxCPU,
  LinuxMemory,
  LinuxResources,
  pageSizeBytes,
  pidsMax,
  swapToV2,
  ThrottleDevice,
  v2Limit,
} from './resources';

export interface ApplyOptions {
  op?: string; // the command, first word of every message ("create", "update")
  pointer?: string; // JSON pointer of the resources object in messages
  io?: CgroupIo;
  layout?: Layout;
  linuxDevices?: { path: string }[]; // linux.devices: their paths drop runc's default rules of the same path
  skipDevices?: boolean; // update: device rules of a running container are left alone (as runc)
  warn?: (msg: string) => void;
  // The JSON pointer of a real-time scheduling policy the container's
  // process asks for (process.scheduler SCHED_FIFO or SCHED_RR), when the
  // resources give no real-time budget: on cgroup v1 with real-time group
  // scheduling its cgroup gets its parent's, or the policy is refused.
  realtimeFor?: string;
}

class Ctx {
  readonly op: string;
  readonly base: string;
  readonly io: CgroupIo;
  readonly place: Placement;
  readonly warnFn: (msg: string) => void;
  constructor(record: CgroupDirs, opts: ApplyOptions) {
    this.op = opts.op ?? 'create';
    this.base = opts.pointer ?? '/linux/resources';
    this.io = opts.io ?? realIo;
    this.place = new Placement(record, opts.layout ?? detectLayout());
    this.warnFn = opts.warn ?? logWarn;
  }

  ptr(field: string): string {
    return `${this.base}/${field}`;
  }

  fail(msg: string): never {
    throw new RuntsError(`${this.op}: ${msg}`);
  }

  warn(field: string, msg: string): void {
    this.warnFn(`${this.op}: ${this.ptr(field)}: ${msg}`);
  }

  // The controller's directory, with the controller enabled on v2.
  target(controller: string, field: string): Target {
    const t = this.place.controller(controller);
    if (!t) this.fail(`${this.ptr(field)}: the ${controller} cgroup controller is not available on this host`);
    if (t.version === 2) this.enable(t, controller);
    return t;
  }

  enable(t: Target, controller: string): void {
    try {
      enableV2Controller(this.io, t, controller);
    } catch (err) {
      this.fail(`cgroup v2: cannot enable the ${controller} controller above ${t.dir}: ${code(err)}`);
    }
  }

  write(t: Target, file: string, value: string, field: string): void {
    const err = this.tryWrite(t, file, value);
    if (err) this.raise(err, file, value, field);
  }

  raise(err: string, file: string, value: string, field: string): never {
    if (err === 'ENOENT') this.fail(`${this.ptr(field)}: not supported on this host (no cgroup file ${file})`);
    // Per-device files (blkio.*_device, io.max, ...) refuse a device the host does not have.
    if (err === 'ENODEV') {
      const dev = /^(\d+:\d+)\b/.exec(value)?.[1];
      this.fail(`${this.ptr(field)}: ${dev ? `no block device ${dev} on this host` : 'no such device on this host'} (cgroup ${file}: write ${JSON.stringify(value)}: ENODEV)`);
    }
    this.fail(`cgroup ${file}: write ${JSON.stringify(value)}: ${err}`);
  }

  // The errno of a write, for the few places that handle one.
  tryWrite(t: Target, file: string, value: string): string | undefined {
    try {
      this.io.write(t.dir, file, value);
      return undefined;
    } catch (err) {
      return code(err);
    }
  }

  read(t: Target, file: string): string | undefined {
    try {
      return this.io.read(t.dir, file).trim();
    } catch {
      return undefined;
    }
  }
}

function code(err: unknown): string {
  const c = (err as NodeJS.ErrnoException)?.code;
  return typeof c === 'string' ? c : String((err as Error)?.message ?? err);
}

const defined = (o: object | undefined): boolean => !!o && Object.values(o).some((v) => v !== undefined);

export function applyResources(record: CgroupDirs, resources: LinuxResources, opts: ApplyOptions = {}): void {
  const ctx: Ctx = new Ctx(record, opts);
  const r = resources ?? {};
  checkValues(ctx, r);
  // On a cgroup v2 host runc enables every controller the root offers down
  // to the container's parent, so its statistics and later updates work.
  if ((opts.op ?? 'create') === 'create' && ctx.place.layout.kind === 'v2') {
    const t = ctx.place.v2();
    for (const c of t ? ctx.place.v2Controllers() : []) {
      try {
        enableV2Controller(ctx.io, t!, c);
      } catch {
        /* a controller that cannot be enabled here is reported when a field needs it */
      }
    }
  }
  if (r.cpu?.cpus || r.cpu?.mems) cpuset(ctx, r.cpu);
  if (!opts.skipDevices && r.devices?.length) devices(ctx, deviceRulesFor(r.devices, opts.linuxDevices), r.devices.length);
  if (defined(r.memory)) memory(ctx, r.memory!);
  if (r.cpu && ['shares', 'quota', 'burst', 'period', 'realtimeRuntime', 'realtimePeriod', 'idle'].some((k) => r.cpu![k as keyof LinuxCPU] !== undefined)) cpu(ctx, r.cpu);
  if (opts.realtimeFor && !r.cpu?.realtimeRuntime) realtimeBudget(ctx, opts.realtimeFor, !!r.cpu?.realtimePeriod);
  if (r.pids?.limit !== undefined) {
    const t = ctx.target('pids', 'pids/limit');
    ctx.write(t, 'pids.max', pidsMax(r.pids.limit), 'pids/limit');
  }
  if (defined(r.blockIO)) blockIO(ctx, r.blockIO!);
  if (r.hugepageLimits?.length) hugetlb(ctx, r.hugepageLimits);
  if (r.network?.classID !== undefined) {
    const t = ctx.place.v1('net_cls');
    if (!t) ctx.fail(`${ctx.ptr('network/classID')}: the net_cls cgroup controller is not mounted on this host`);
    ctx.write(t, 'net_cls.classid', intText(r.network.classID), 'network/classID');
  }
  if (r.network?.priorities?.length) {
    const t = ctx.place.v1('net_prio');
    if (!t) ctx.fail(`${ctx.ptr('network/priorities')}: the net_prio cgroup controller is not mounted on this host`);
    r.network.priorities.forEach((p, i) => ctx.write(t, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `network/priorities/${i}`));
  }
  if (r.rdma && Object.keys(r.rdma).length) {
    const t = ctx.target('rdma', 'rdma');
    for (const [dev, l] of Object.entries(r.rdma)) {
      let line = dev;
      if (l.hcaHandles !== undefined) line += ` hca_handle=${l.hcaHandles}`;
      if (l.hcaObjects !== undefined) line += ` hca_object=${l.hcaObjects}`;
      ctx.write(t, 'rdma.max', line, `rdma/${dev}`);
    }
  }
  if (r.unified && Object.keys(r.unified).length) unified(ctx, r.unified);
}

// What the schema cannot say and runc checks before writing anything.
function checkValues(ctx: Ctx, r: LinuxResources): void {
  const sw = r.memory?.swappiness;
  if (sw !== undefined && sw !== -1 && (sw < 0 || sw > 100)) ctx.fail(`${ctx.ptr('memory/swappiness')}: must be between 0 and 100; got ${sw}`);
  r.devices?.forEach((d, i) => {
    try {
      checkDeviceRule(d, ctx.ptr(`devices/${i}`));
    } catch (err) {
      ctx.fail((err as Error).message);
    }
  });
  const b = r.blockIO;
  for (const key of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    b?.[key]?.forEach((d, i) => {
      if (d.rate === undefined) ctx.fail(`${ctx.ptr(`blockIO/${key}/${i}/rate`)}: is required`);
    });
  }
  r.hugepageLimits?.forEach((h, i) => {
    if (pageSizeBytes(h.pageSize) === undefined) ctx.fail(`${ctx.ptr(`hugepageLimits/${i}/pageSize`)}: must be like 2MB or 1GB; got ${JSON.stringify(h.pageSize)}`);
  });
  for (const k of Object.keys(r.unified ?? {})) {
    if (k.includes('/') || k === '.' || k === '..') ctx.fail(`${ctx.ptr('unified')}: key ${JSON.stringify(k)} must be a file name (no slashes)`);
  }
}

function cpuset(ctx: Ctx, c: LinuxCPU): void {
  const t = ctx.target('cpuset', c.cpus ? 'cpu/cpus' : 'cpu/mems');
  if (c.cpus) ctx.write(t, 'cpuset.cpus', c.cpus, 'cpu/cpus');
  if (c.mems) ctx.write(t, 'cpuset.mems', c.mems, 'cpu/mems');
}

// rules: the config's (the first `own`), then runc's defaults.
function devices(ctx: Ctx, rules: ReturnType<typeof deviceRulesFor>, own: number): void {
  const v1 = ctx.place.v1('devices');
  if (v1) {
    // Deny everything, then the rules in order: what runc's v1 driver ends at.
    ctx.write(v1, 'devices.deny', 'a', 'devices');
    rules.forEach((rule, i) => {
      const field = i < own ? `devices/${i}` : 'devices';
      ctx.write(v1, rule.allow ? 'devices.allow' : 'devices.deny', deviceRuleText(rule), field);
    });
    return;
  }
  const v2 = ctx.place.v2();
  if (!v2) ctx.fail(`${ctx.ptr('devices')}: no devices cgroup controller and no cgroup v2 hierarchy on this host`);
  try {
    ctx.io.attachDeviceFilter(v2.dir, deviceFilterProgram(rules));
  } catch (err) {
    if (err instanceof RuntsError) ctx.fail(err.message);
    ctx.fail(`cgroup v2 devices: ${code(err)}`);
  }
}

function checkBeforeUpdate(ctx: Ctx, t: Target, m: LinuxMemory): void {
  if (!m.checkBeforeUpdate) return;
  const usage = ctx.read(t, t.version === 1 ? 'memory.usage_in_bytes' : 'memory.current');
  if (usage === undefined || !/^\d+$/.test(usage)) return;
  const u = BigInt(usage);
  if ((m.swap ?? 0) > 0 && BigInt(intText(m.swap!)) <= u) ctx.fail(`${ctx.ptr('memory/swap')}: rejecting memory+swap limit ${intText(m.swap!)} <= usage ${usage}`);
  if ((m.limit ?? 0) > 0 && BigInt(intText(m.limit!)) <= u) ctx.fail(`${ctx.ptr('memory/limit')}: rejecting memory limit ${intText(m.limit!)} <= usage ${usage}`);
}

function memory(ctx: Ctx, m: LinuxMemory): void {
  const t = ctx.target('memory', 'memory');
  checkBeforeUpdate(ctx, t, m);
  if (t.version === 1) memoryV1(ctx, t, m);
  else memoryV2(ctx, t, m);
}

function memoryV1(ctx: Ctx, t: Target, m: LinuxMemory): void {
  const LIMIT = 'memory.limit_in_bytes';
  const SWAP = 'memory.memsw.limit_in_bytes';
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  if (limit === -1 && swap === 0 && ctx.io.exists(t.dir, SWAP)) swap = -1;
  const setLimit = () => {
    if (limit === 0) return;
    const err = ctx.tryWrite(t, LIMIT, intText(limit));
    if (!err) return;
    if (err === 'EBUSY') {
      const usage = ctx.read(t, 'memory.usage_in_bytes');
      const peak = ctx.read(t, 'memory.max_usage_in_bytes');
      ctx.fail(`cgroup ${LIMIT}: write "${intText(limit)}": EBUSY (below the current usage ${usage}, peak ${peak})`);
    }
    ctx.raise(err, LIMIT, intText(limit), 'memory/limit');
  };
  const setSwap = () => {
    if (swap !== 0) ctx.write(t, SWAP, intText(swap), 'memory/swap');
  };
  // memory.limit must stay <= memsw.limit at every step: raise swap first when growing.
  const cur = ctx.read(t, LIMIT);
  if (limit !== 0 && swap !== 0 && (swap === -1 || (cur !== undefined && /^\d+$/.test(cur) && BigInt(cur) < BigInt(intText(swap))))) {
    setSwap();
    setLimit();
  } else {
    setLimit();
    setSwap();
  }
  if (m.reservation !== undefined && m.reservation !== 0) ctx.write(t, 'memory.soft_limit_in_bytes', intText(m.reservation), 'memory/reservation');
  if (m.kernel !== undefined && m.kernel !== 0) kernelLimit(ctx, t, 'memory.kmem.limit_in_bytes', m.kernel, 'memory/kernel');
  if (m.kernelTCP !== undefined && m.kernelTCP !== 0) kernelLimit(ctx, t, 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP, 'memory/kernelTCP');
  if (m.disableOOMKiller !== undefined) ctx.write(t, 'memory.oom_control', m.disableOOMKiller ? '1' : '0', 'memory/disableOOMKiller');
  if (m.swappiness !== undefined && m.swappiness !== -1) ctx.write(t, 'memory.swappiness', intText(m.swappiness), 'memory/swappiness');
  if (m.useHierarchy !== undefined) {
    const err = ctx.tryWrite(t, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0');
    if (err === 'EINVAL' && !m.useHierarchy) ctx.warn('memory/useHierarchy', 'this kernel always accounts memory hierarchically; false is ignored');
    else if (err === 'ENOENT') ctx.warn('memory/useHierarchy', 'not supported on this host (no cgroup file memory.use_hierarchy); ignored');
    else if (err) ctx.raise(err, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0', 'memory/useHierarchy');
  }
}

// Kernel memory limits: gone from recent kernels (the file may be missing,
// or accept writes and ignore them). Then a warning, never a failure.
function kernelLimit(ctx: Ctx, t: Target, file: string, value: number, field: string): void {
  if (!ctx.io.exists(t.dir, file)) {
    ctx.warn(field, `kernel memory limits are not supported by this kernel (no ${file}); ignored`);
    return;
  }
  const err = ctx.tryWrite(t, file, intText(value));
  if (err === 'EOPNOTSUPP' || err === 'ENOTSUP' || err === 'ENOSYS') {
    ctx.warn(field, `kernel memory limits are not supported by this kernel (${file}: ${err}); ignored`);
    return;
  }
  if (err) ctx.raise(err, file, intText(value), field);
  if (value > 0) {
    const back = ctx.read(t, file);
    const page = 4096n;
    const want = (BigInt(intText(value)) / page) * page;
    if (back !== undefined && /^\d+$/.test(back) && BigInt(back) !== want) {
      ctx.warn(field, `this kernel accepts but does not enforce ${file} (reads back ${back}); ignored`);
    }
  }
}

function memoryV2(ctx: Ctx, t: Target, m: LinuxMemory): void {
  const limit = m.limit ?? 0;
  const swapSet = m.swap !== undefined || limit === -1;
  if (swapSet || limit !== 0) {
    let swap: number;
    try {
      swap = swapToV2(m.swap ?? 0, limit);
    } catch (err) {
      ctx.fail(`${ctx.ptr('memory/swap')}: ${(err as Error).message}`);
    }
    let swapText = v2Limit(swap);
    if (swapText === '' && swap === 0 && (m.swap ?? 0) > 0) swapText = '0';
    if (swapText) {
      const err = ctx.tryWrite(t, 'memory.swap.max', swapText);
      // No swap accounting: only "no limit" and "no swap" may be ignored.
      if (err && !(err === 'ENOENT' && (swapText === 'max' || swapText === '0'))) ctx.raise(err, 'memory.swap.max', swapText, 'memory/swap');
    }
    const limitText = v2Limit(limit);
    if (limitText) ctx.write(t, 'memory.max', limitText, 'memory/limit');
  }
  const res = v2Limit(m.reservation ?? 0);
  if (res) ctx.write(t, 'memory.low', res, 'memory/reservation');
  if (m.kernel) ctx.warn('memory/kernel', 'kernel memory limits do not exist on cgroup v2; ignored');
  if (m.kernelTCP) ctx.warn('memory/kernelTCP', 'kernel memory limits do not exist on cgroup v2; ignored');
  if (m.swappiness !== undefined && m.swappiness !== -1) ctx.warn('memory/swappiness', 'cgroup v2 has no per-cgroup swappiness; ignored');
  if (m.disableOOMKiller) ctx.warn('memory/disableOOMKiller', 'cgroup v2 cannot disable the OOM killer; ignored');
  if (m.useHierarchy === false) ctx.warn('memory/useHierarchy', 'cgroup v2 always accounts memory hierarchically; false is ignored');
}

function cpu(ctx: Ctx, c: LinuxCPU): void {
  const t = ctx.target('cpu', 'cpu');
  if (t.version === 1) cpuV1(ctx, t, c);
  else cpuV2(ctx, t, c);
}

function cpuV1(ctx: Ctx, t: Target, c: LinuxCPU): void {
  if (c.shares !== undefined && c.shares !== 0) {
    ctx.write(t, 'cpu.shares', intText(c.shares), 'cpu/shares');
    const back = Number(ctx.read(t, 'cpu.shares'));
    if (back < c.shares) ctx.fail(`${ctx.ptr('cpu/shares')}: the maximum allowed cpu shares is ${back}; got ${c.shares}`);
    if (back > c.shares) ctx.fail(`${ctx.ptr('cpu/shares')}: the minimum allowed cpu shares is ${back}; got ${c.shares}`);
  }
  // The kernel checks period and quota together (and burst against quota):
  // a value refused now may be right once the other is written.
  const quota = c.quota ?? 0;
  let period = '';
  if (c.period !== undefined && c.period !== 0) {
    const p = intText(c.period);
    const err = ctx.tryWrite(t, 'cpu.cfs_period_us', p);
    if (err && (err !== 'EINVAL' || quota === 0)) ctx.raise(err, 'cpu.cfs_period_us', p, 'cpu/period');
    if (err) period = p;
  }
  let burst = '';
  if (c.burst !== undefined) {
    const b = intText(c.burst);
    const err = ctx.tryWrite(t, 'cpu.cfs_burst_us', b);
    if (err === 'ENOENT') ctx.warn('cpu/burst', 'not supported by this kernel (no cpu.cfs_burst_us); ignored');
    else if (err && (err !== 'EINVAL' || quota === 0)) ctx.raise(err, 'cpu.cfs_burst_us', b, 'cpu/burst');
    else if (err) burst = b;
  }
  if (quota !== 0) {
    ctx.write(t, 'cpu.cfs_quota_us', intText(quota), 'cpu/quota');
    if (period) ctx.write(t, 'cpu.cfs_period_us', period, 'cpu/period');
    if (burst) ctx.write(t, 'cpu.cfs_burst_us', burst, 'cpu/burst');
  }
  if (c.idle !== undefined) ctx.write(t, 'cpu.idle', intText(c.idle), 'cpu/idle');
  // Real-time: the period first, unless the runtime must shrink before it can.
  let rtPeriod = '';
  if (c.realtimePeriod !== undefined && c.realtimePeriod !== 0) {
    const p = intText(c.realtimePeriod);
    const err = ctx.tryWrite(t, 'cpu.rt_period_us', p);
    if (err && (err !== 'EINVAL' || !c.realtimeRuntime)) ctx.raise(err, 'cpu.rt_period_us', p, 'cpu/realtimePeriod');
    if (err) rtPeriod = p;
  }
  if (c.realtimeRuntime !== undefined && c.realtimeRuntime !== 0) {
    if (c.realtimeRuntime > 0) rtBudgetAbove(ctx, t, ctx.ptr('cpu/realtimeRuntime'));
    try {
      writeRtBudget(ctx, t.dir, 'cpu.rt_runtime_us', intText(c.realtimeRuntime));
    } catch (err) {
      ctx.raise(code(err), 'cpu.rt_runtime_us', intText(c.realtimeRuntime), 'cpu/realtimeRuntime');
    }
    if (rtPeriod) ctx.write(t, 'cpu.rt_period_us', rtPeriod, 'cpu/realtimePeriod');
  }
}

// cgroup v1 real-time group scheduling (cpu.rt_runtime_us): a new cgroup
// has no real-time budget, and the kernel gives a child one only within its
// parent's. So each directory above the container that has none (runts's own
// /runts, say) first gets its own parent's, from the top down: the period,
// then the runtime (checked against the period it has). One that has a
// budget keeps it.
function rtBudgetAbove(ctx: Ctx, t: Target, pointer: string): void {
  let parent = t.mountpoint;
  for (const part of path.relative(t.mountpoint, path.dirname(t.dir)).split('/').filter(Boolean)) {
    const dir = path.join(parent, part);
    copyRtBudget(ctx, parent, dir, pointer);
    parent = dir;
  }
}

function copyRtBudget(ctx: Ctx, from: string, to: string, pointer: string, keepPeriod = false): void {
  if (Number(ctx.io.read(to, 'cpu.rt_runtime_us').trim()) !== 0) return;
  for (const file of keepPeriod ? ['cpu.rt_runtime_us'] : ['cpu.rt_period_us', 'cpu.rt_runtime_us']) {
    const value = ctx.io.read(from, file).trim();
    try {
      writeRtBudget(ctx, to, file, value);
    } catch (err) {
      ctx.fail(`${pointer}: needs a real-time budget in ${to} (cgroup v1 real-time group scheduling), and giving it that of ${from} failed: cgroup ${file}: write ${JSON.stringify(value)}: ${code(err)}${code(err) === 'EBUSY' ? ' (other cgroups hold that budget: give the container a share in /linux/resources/cpu/realtimeRuntime)' : ''}`);
    }
  }
}

// A cgroup just removed (a deleted container's, or the /runts that goes
// with the last one) keeps its real-time budget for a second or so after
// rmdir, until the kernel frees it, and its parent refuses that budget to a
// new one (EINVAL) meanwhile. delete gives a container's back first
// (removeCgroup); for the rest, the write is tried again for up to 3 s.
function writeRtBudget(ctx: Ctx, dir: string, file: string, value: string): void {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      return ctx.io.write(dir, file, value);
    } catch (err) {
      if (code(err) !== 'EINVAL' || Date.now() > deadline) throw err;
      sleepSync(50);
    }
  }
}

// A real-time policy without a budget in linux.resources: the container's
// cgroup gets its parent's, as on a kernel without real-time group
// scheduling (Debian's), where the policy is limited only by the host's.
// Without cpu.rt_runtime_us there is nothing to give.
// (The container's own realtimePeriod, when given, stays.)
function realtimeBudget(ctx: Ctx, pointer: string, keepPeriod: boolean): void {
  const t = ctx.place.controller('cpu');
  if (!t || t.version !== 1 || ctx.read(t, 'cpu.rt_runtime_us') === undefined) return;
  rtBudgetAbove(ctx, t, pointer);
  copyRtBudget(ctx, path.dirname(t.dir), t.dir, pointer, keepPeriod);
}

function cpuV2(ctx: Ctx, t: Target, c: LinuxCPU): void {
  if (c.realtimeRuntime || c.realtimePeriod) {
    ctx.fail(`${ctx.ptr(c.realtimeRuntime ? 'cpu/realtimeRuntime' : 'cpu/realtimePeriod')}: real-time CPU limits are not supported on cgroup v2`);
  }
  if (c.idle !== undefined) ctx.write(t, 'cpu.idle', intText(c.idle), 'cpu/idle');
  if (c.shares !== undefined && c.shares !== 0) ctx.write(t, 'cpu.weight', String(cpuSharesToWeight(c.shares)), 'cpu/shares');
  let burst = '';
  if (c.burst !== undefined) {
    const b = intText(c.burst);
    const err = ctx.tryWrite(t, 'cpu.max.burst', b);
    if (err && (err !== 'EINVAL' || !c.quota)) ctx.raise(err, 'cpu.max.burst', b, 'cpu/burst');
    if (err) burst = b;
  }
  if ((c.quota ?? 0) !== 0 || (c.period ?? 0) !== 0) {
    const quota = c.quota && c.quota > 0 ? intText(c.quota) : c.quota === undefined || c.quota === 0 ? currentQuota(ctx, t) : 'max';
    const period = c.period ? intText(c.period) : currentPeriod(ctx, t);
    ctx.write(t, 'cpu.max', `${quota} ${period}`, c.quota ? 'cpu/quota' : 'cpu/period');
    if (burst) ctx.write(t, 'cpu.max.burst', burst, 'cpu/burst');
  }
}

// cpu.max holds quota and period together: a change of one keeps the other
// (runc's update does the same from its saved config).
function currentPeriod(ctx: Ctx, t: Target): string {
  const p = ctx.read(t, 'cpu.max')?.split(/\s+/)[1];
  return p && /^\d+$/.test(p) ? p : '100000';
}

function currentQuota(ctx: Ctx, t: Target): string {
  const q = ctx.read(t, 'cpu.max')?.split(/\s+/)[0];
  return q && (q === 'max' || /^\d+$/.test(q)) ? q : 'max';
}

const deviceText = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;

function blockIO(ctx: Ctx, b: LinuxBlockIO): void {
  const t = ctx.place.v1('blkio') ? ctx.target('blkio', 'blockIO') : ctx.target('io', 'blockIO');
  const throttles: [keyof LinuxBlockIO, string, string][] = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
  ];
  if (t.version === 1) {
    // CFQ's files, or BFQ's when the kernel has only those.
    const cfq = ctx.io.exists(t.dir, 'blkio.weight');
    const weightFile = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
    const weightDeviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
    if (b.weight) ctx.write(t, weightFile, intText(b.weight), 'blockIO/weight');
    if (b.leafWeight) ctx.write(t, 'blkio.leaf_weight', intText(b.leafWeight), 'blockIO/leafWeight');
    b.weightDevice?.forEach((wd, i) => {
      if (wd.weight) ctx.write(t, weightDeviceFile, `${deviceText(wd)} ${wd.weight}`, `blockIO/weightDevice/${i}/weight`);
      if (wd.leafWeight) ctx.write(t, 'blkio.leaf_weight_device', `${deviceText(wd)} ${wd.leafWeight}`, `blockIO/weightDevice/${i}/leafWeight`);
    });
    for (const [key, file] of throttles) {
      (b[key] as ThrottleDevice[] | undefined)?.forEach((d, i) => ctx.write(t, file, `${deviceText(d)} ${intText(d.rate!)}`, `blockIO/${key}/${i}`));
    }
    return;
  }
  // v2: io.bfq.weight when BFQ is there (same scale as blkio), else io.weight.
  const bfq = ctx.io.exists(t.dir, 'io.bfq.weight');
  if (b.weight) {
    if (bfq) ctx.write(t, 'io.bfq.weight', intText(b.weight), 'blockIO/weight');
    else ctx.write(t, 'io.weight', String(blkioWeightToIoWeight(b.weight)), 'blockIO/weight');
  }
  if (b.leafWeight) ctx.warn('blockIO/leafWeight', 'cgroup v2 has no leaf weights; ignored');
  b.weightDevice?.forEach((wd, i) => {
    if (wd.weight) {
      if (bfq) ctx.write(t, 'io.bfq.weight', `${deviceText(wd)} ${wd.weight}`, `blockIO/weightDevice/${i}/weight`);
      else ctx.write(t, 'io.weight', `${deviceText(wd)} ${blkioWeightToIoWeight(wd.weight)}`, `blockIO/weightDevice/${i}/weight`);
    }
    if (wd.leafWeight) ctx.warn(`blockIO/weightDevice/${i}/leafWeight`, 'cgroup v2 has no leaf weights; ignored');
  });
  for (const [key, , name] of throttles) {
    (b[key] as ThrottleDevice[] | undefined)?.forEach((d, i) => ctx.write(t, 'io.max', `${deviceText(d)} ${name}=${intText(d.rate!)}`, `blockIO/${key}/${i}`));
  }
}

function hugetlb(ctx: Ctx, limits: NonNullable<LinuxResources['hugepageLimits']>): void {
  const t = ctx.target('hugetlb', 'hugepageLimits');
  const suffix = t.version === 1 ? '.limit_in_bytes' : '.max';
  let rsvd = true;
  limits.forEach((h, i) => {
    const prefix = `hugetlb.${h.pageSize}`;
    const value = intText(h.limit);
    if (!ctx.io.exists(t.dir, prefix + suffix)) ctx.fail(`${ctx.ptr(`hugepageLimits/${i}/pageSize`)}: this host has no ${h.pageSize} huge pages (no cgroup file ${prefix}${suffix})`);
    ctx.write(t, prefix + suffix, value, `hugepageLimits/${i}`);
    // Reservations get the same limit where the kernel accounts them.
    if (rsvd) {
      const err = ctx.tryWrite(t, `${prefix}.rsvd${suffix}`, value);
      if (err === 'ENOENT') rsvd = false;
      else if (err) ctx.raise(err, `${prefix}.rsvd${suffix}`, value, `hugepageLimits/${i}`);
    }
  });
}

function unified(ctx: Ctx, u: Record<string, string>): void {
  const t = ctx.place.v2();
  if (!t) ctx.fail(`${ctx.ptr('unified')}: this host has no cgroup v2 hierarchy`);
  const available = ctx.place.v2Controllers();
  for (const [key, value] of Object.entries(u)) {
    const field = `unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const dot = key.indexOf('.');
    if (dot <= 0) ctx.fail(`${ctx.ptr(field)}: must be a cgroup v2 file name, CONTROLLER.PARAMETER`);
    const controller = key.slice(0, dot);
    if (controller !== 'cgroup' && available.includes(controller)) ctx.enable(t, controller);
    if (!ctx.io.exists(t.dir, key)) {
      const why = controller === 'cgroup' || available.includes(controller) ? 'no such file' : `the ${controller} controller is not available on the v2 hierarchy`;
      ctx.fail(`${ctx.ptr(field)}: cannot be set: ${why} (${t.dir})`);
    }
    // Files that take one entry per write (io.max, ...) get one line at a time.
    const lines = String(value).split('\n').filter((l) => l !== '');
    for (const line of lines.length ? lines : [String(value)]) ctx.write(t, key, line, field);
  }
}
