// The container's resource usage in the shape of runc's `events --stats`
// (runc/types/events.go), read from whichever hierarchy has each controller.
// Counters are BigInts: memory limits pass 2^53. toJson() prints them exactly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout, Layout } from './layout';
import { CgroupIo, realIo } from './fsio';
import { CgroupDirs, Placement, Target } from './placement';
import { pageSizeName } from './resources';

type N = bigint;
const MAX_U64 = 18446744073709551615n;

export interface MemoryEntry {
  limit: N;
  usage?: N;
  max?: N;
  failcnt: N;
}

export interface BlkioEntry {
  major?: N;
  minor?: N;
  op?: string;
  value?: N;
}

export interface Stats {
  cpu: {
    usage?: { total?: N; percpu?: N[]; percpu_kernel?: N[]; percpu_user?: N[]; kernel: N; user: N };
    throttling?: { periods?: N; throttledPeriods?: N; throttledTime?: N };
  };
  cpuset: Record<string, unknown>;
  memory: { cache?: N; usage?: MemoryEntry; swap?: MemoryEntry; kernel?: MemoryEntry; kernelTCP?: MemoryEntry; raw?: Record<string, N> };
  pids: { current?: N; limit?: N };
  blkio: Record<string, BlkioEntry[]>;
  hugetlb: Record<string, { usage?: N; max?: N; failcnt: N }>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

class Reader {
  constructor(
    readonly io: CgroupIo,
    readonly t: Target,
  ) {}
  text(file: string): string | undefined {
    try {
      return this.io.read(this.t.dir, file);
    } catch {
      return undefined;
    }
  }
  num(file: string): N | undefined {
    const s = this.text(file)?.trim();
    if (s === undefined) return undefined;
    if (s === 'max') return MAX_U64;
    return /^\d+$/.test(s) ? BigInt(s) : undefined;
  }
  // "key value" lines
  map(file: string): Record<string, N> | undefined {
    const s = this.text(file);
    if (s === undefined) return undefined;
    const out: Record<string, N> = {};
    for (const line of s.split('\n')) {
      const [k, v] = line.trim().split(/\s+/);
      if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v);
    }
    return out;
  }
}

// Drop undefined and zero fields (Go's omitempty), keeping `keep`.
function omit<T extends object>(o: T, keep: string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!keep.includes(k) && (v === 0n || (Array.isArray(v) && v.length === 0) || v === '')) continue;
    out[k] = v;
  }
  return out as T;
}

const isZero = (o: object | undefined) => !o || Object.keys(o).length === 0;

function cpuV1(io: CgroupIo, p: Placement, s: Stats): void {
  const acct = p.v1('cpuacct');
  const usage: NonNullable<Stats['cpu']['usage']> = { total: undefined, percpu: undefined, percpu_kernel: undefined, percpu_user: undefined, kernel: 0n, user: 0n };
  if (acct) {
    const r = new Reader(io, acct);
    usage.total = r.num('cpuacct.usage');
    usage.percpu = r.text('cpuacct.usage_percpu')?.trim().split(/\s+/).filter(Boolean).map(BigInt);
    // cpuacct.stat counts USER_HZ (100 per second) ticks.
    const st = r.map('cpuacct.stat');
    if (st) {
      usage.kernel = (st.system ?? 0n) * 10000000n;
      usage.user = (st.user ?? 0n) * 10000000n;
    }
    const all = r.text('cpuacct.usage_all');
    if (all) {
      const rows = all.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
      usage.percpu_user = rows.map((f) => BigInt(f[1] ?? 0));
      usage.percpu_kernel = rows.map((f) => BigInt(f[2] ?? 0));
    }
  }
  const u = omit(usage, ['kernel', 'user']);
  if (!(u.kernel === 0n && u.user === 0n && Object.keys(u).length === 2)) s.cpu.usage = u;
  const cpu = p.v1('cpu');
  if (cpu) {
    const st = new Reader(io, cpu).map('cpu.stat') ?? {};
    const th = omit({ periods: st.nr_periods, throttledPeriods: st.nr_throttled, throttledTime: st.throttled_time });
    if (!isZero(th)) s.cpu.throttling = th;
  }
}

function cpuV2(io: CgroupIo, t: Target, s: Stats): void {
  const st = new Reader(io, t).map('cpu.stat') ?? {};
  const k = 1000n;
  const usage = omit({ total: st.usage_usec !== undefined ? st.usage_usec * k : undefined, kernel: (st.system_usec ?? 0n) * k, user: (st.user_usec ?? 0n) * k }, ['kernel', 'user']);
  if (usage.total !== undefined || usage.kernel || usage.user) s.cpu.usage = usage;
  const th = omit({ periods: st.nr_periods, throttledPeriods: st.nr_throttled, throttledTime: st.throttled_usec !== undefined ? st.throttled_usec * k : undefined });
  if (!isZero(th)) s.cpu.throttling = th;
}

function memEntry(r: Reader, prefix: string, v2: boolean): MemoryEntry | undefined {
  const usage = r.num(v2 ? `${prefix}.current` : `${prefix}.usage_in_bytes`);
  if (usage === undefined) return undefined;
  return omit(
    {
      limit: r.num(v2 ? `${prefix}.max` : `${prefix}.limit_in_bytes`) ?? 0n,
      usage,
      max: r.num(v2 ? `${prefix}.peak` : `${prefix}.max_usage_in_bytes`),
      failcnt: v2 ? 0n : r.num(`${prefix}.failcnt`) ?? 0n,
    },
    ['limit', 'failcnt'],
  );
}

function memory(io: CgroupIo, t: Target, s: Stats): void {
  memoryFields(io, t, s);
  // runc's field order
  const m = s.memory;
  s.memory = omit({ cache: m.cache, usage: m.usage, swap: m.swap, kernel: m.kernel, kernelTCP: m.kernelTCP, raw: m.raw });
}

function memoryFields(io: CgroupIo, t: Target, s: Stats): void {
  const r = new Reader(io, t);
  const v2 = t.version === 2;
  const raw = r.map('memory.stat');
  if (raw) s.memory.raw = raw;
  const cache = raw?.[v2 ? 'file' : 'cache'];
  if (cache) s.memory.cache = cache;
  const usage = memEntry(r, 'memory', v2);
  if (usage) s.memory.usage = usage;
  if (v2) {
    // v2 limits swap alone; runc reports memory+swap, as v1 does.
    const swap = memEntry(r, 'memory.swap', true);
    if (swap && usage) {
      s.memory.swap = omit({ limit: swap.limit === MAX_U64 || usage.limit === MAX_U64 ? MAX_U64 : swap.limit + usage.limit, usage: (swap.usage ?? 0n) + (usage.usage ?? 0n), failcnt: 0n }, ['limit', 'failcnt']);
    }
  } else {
    const swap = memEntry(r, 'memory.memsw', false);
    if (swap) s.memory.swap = swap;
    const kernel = memEntry(r, 'memory.kmem', false);
    if (kernel) s.memory.kernel = kernel;
    const tcp = memEntry(r, 'memory.kmem.tcp', false);
    if (tcp) s.memory.kernelTCP = tcp;
  }
}

function blkEntries(text: string | undefined): BlkioEntry[] | undefined {
  if (text === undefined) return undefined;
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[\s:]+/);
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    const [major, minor] = [BigInt(f[0]), BigInt(f[1])];
    const op = f.length >= 4 ? f[2] : '';
    const value = BigInt(f[f.length - 1]);
    out.push(omit({ major, minor, op, value }));
  }
  return out;
}

function blkio(io: CgroupIo, t: Target, s: Stats): void {
  const r = new Reader(io, t);
  if (t.version === 1) {
    // The first family the kernel has: BFQ, CFQ, then the throttle counters.
    const families = [
      { serviced: 'blkio.bfq.io_serviced_recursive', bytes: 'blkio.bfq.io_service_bytes_recursive' },
      { serviced: 'blkio.io_serviced_recursive', bytes: 'blkio.io_service_bytes_recursive' },
      { serviced: 'blkio.throttle.io_serviced_recursive', bytes: 'blkio.throttle.io_service_bytes_recursive' },
      { serviced: 'blkio.throttle.io_serviced', bytes: 'blkio.throttle.io_service_bytes' },
    ];
    for (const fam of families) {
      const serviced = blkEntries(r.text(fam.serviced));
      if (serviced === undefined) continue;
      const bytes = blkEntries(r.text(fam.bytes)) ?? [];
      if (bytes.length) s.blkio.ioServiceBytesRecursive = bytes;
      if (serviced.length) s.blkio.ioServicedRecursive = serviced;
      return;
    }
    return;
  }
  const text = r.text('io.stat');
  if (!text) return;
  const bytes: BlkioEntry[] = [];
  const ops: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    for (const item of kv) {
      const [k, v] = item.split('=');
      if (!/^\d+$/.test(v ?? '')) continue;
      const e = omit({ major: BigInt(m[1]), minor: BigInt(m[2]), op: k.startsWith('r') ? 'Read' : 'Write', value: BigInt(v) });
      if (k === 'rbytes' || k === 'wbytes') bytes.push(e);
      if (k === 'rios' || k === 'wios') ops.push(e);
    }
  }
  if (bytes.length) s.blkio.ioServiceBytesRecursive = bytes;
  if (ops.length) s.blkio.ioServicedRecursive = ops;
}

export function hugePageSizes(sysDir = '/sys/kernel/mm/hugepages'): string[] {
  try {
    return fs
      .readdirSync(sysDir)
      .map((d) => /^hugepages-(\d+)kB$/.exec(d))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
      .map(pageSizeName);
  } catch {
    return [];
  }
}

function hugetlb(io: CgroupIo, t: Target, s: Stats, sizes: string[]): void {
  const r = new Reader(io, t);
  for (const size of sizes) {
    const p = `hugetlb.${size}`;
    if (t.version === 1) {
      const usage = r.num(`${p}.usage_in_bytes`);
      if (usage === undefined) continue;
      s.hugetlb[size] = omit({ usage, max: r.num(`${p}.max_usage_in_bytes`), failcnt: r.num(`${p}.failcnt`) ?? 0n }, ['failcnt']);
    } else {
      const usage = r.num(`${p}.rsvd.current`) ?? r.num(`${p}.current`);
      if (usage === undefined) continue;
      s.hugetlb[size] = omit({ usage, failcnt: r.map(`${p}.events`)?.max ?? 0n }, ['failcnt']);
    }
  }
}

function cpusetList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

function cpuset(io: CgroupIo, t: Target, s: Stats): void {
  const r = new Reader(io, t);
  const cpus = cpusetList(r.text('cpuset.effective_cpus') ?? r.text('cpuset.cpus.effective') ?? r.text('cpuset.cpus'));
  const mems = cpusetList(r.text('cpuset.effective_mems') ?? r.text('cpuset.mems.effective') ?? r.text('cpuset.mems'));
  if (cpus.length) s.cpuset.cpus = cpus;
  if (mems.length) s.cpuset.mems = mems;
  if (t.version === 1) {
    const n = (f: string) => r.num(`cpuset.${f}`) ?? 0n;
    Object.assign(s.cpuset, {
      cpu_exclusive: n('cpu_exclusive'),
      mem_hardwall: n('mem_hardwall'),
      mem_exclusive: n('mem_exclusive'),
      memory_migrate: n('memory_migrate'),
      memory_spread_page: n('memory_spread_page'),
      memory_spread_slab: n('memory_spread_slab'),
      memory_pressure: n('memory_pressure'),
      sched_load_balance: n('sched_load_balance'),
      sched_relax_domain_level: BigInt((r.text('cpuset.sched_relax_domain_level') ?? '0').trim() || '0'),
    });
  }
}

export function collectStats(record: CgroupDirs, opts: { io?: CgroupIo; layout?: Layout; hugePageSizes?: string[] } = {}): Stats {
  const io = opts.io ?? realIo;
  const p = new Placement(record, opts.layout ?? detectLayout());
  const s: Stats = { cpu: {}, cpuset: {}, memory: {}, pids: {}, blkio: {}, hugetlb: {}, intel_rdt: {}, network_interfaces: null };
  const v2 = p.v2();
  if (p.v1('cpuacct') || p.v1('cpu')) cpuV1(io, p, s);
  else if (v2) cpuV2(io, v2, s);
  const cs = p.controller('cpuset');
  if (cs) cpuset(io, cs, s);
  const mem = p.controller('memory');
  if (mem) memory(io, mem, s);
  const pids = p.controller('pids');
  if (pids) {
    const r = new Reader(io, pids);
    const limit = r.num('pids.max');
    s.pids = omit({ current: r.num('pids.current'), limit: limit === MAX_U64 ? 0n : limit });
  } else if (v2) {
    s.pids = omit({ current: BigInt(new Reader(io, v2).text('cgroup.procs')?.split('\n').filter(Boolean).length ?? 0) });
  }
  const blk = p.v1('blkio') ?? p.controller('io');
  if (blk) blkio(io, blk, s);
  const huge = p.controller('hugetlb');
  if (huge) hugetlb(io, huge, s, opts.hugePageSizes ?? hugePageSizes());
  return s;
}

// The OOM kills the kernel counted in the container's memory cgroup:
// "oom_kill N" in memory.oom_control (v1) or memory.events (v2).
export function oomKillCount(record: CgroupDirs, opts: { io?: CgroupIo; layout?: Layout } = {}): bigint | undefined {
  const io = opts.io ?? realIo;
  const t = new Placement(record, opts.layout ?? detectLayout()).controller('memory');
  if (!t) return undefined;
  return new Reader(io, t).map(t.version === 1 ? 'memory.oom_control' : 'memory.events')?.oom_kill;
}

// JSON with BigInts written as plain numbers.
export function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000bigint${marks.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000bigint(\d+)\\u0000"/g, (_m, i) => marks[Number(i)]);
}

// Every process in the container's cgroup and the cgroups below it.
export function allPids(record: CgroupDirs, opts: { layout?: Layout } = {}): number[] {
  const p = new Placement(record, opts.layout ?? detectLayout());
  const candidates = [p.v1('pids'), p.v1('freezer'), p.v2()].filter((t): t is Target => !!t).map((t) => t.dir);
  for (const dir of [...candidates, ...record.dirs]) {
    const out: number[] = [];
    const walk = (d: string): boolean => {
      let procs: string;
      try {
        procs = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8');
      } catch {
        return false;
      }
      for (const line of procs.split('\n')) if (line) out.push(Number(line));
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      return true;
    };
    if (walk(dir)) return [...new Set(out)];
  }
  return [];
}
