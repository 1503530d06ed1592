// The systemd cgroup driver's pure half: which unit a container gets, in
// which slice, and the unit properties its linux.resources become (what
// runc's libcontainer/cgroups/systemd computes). No D-Bus and no file access
// here (systemd-bus.ts talks to systemd; manager.ts puts the two together),
// so the mapping is unit-tested without root or systemd.
import { RuntsError } from '../errors';
import { blkioWeightToIoWeight, cpuSharesToWeight, DeviceRule, deviceRulesFor, LinuxResources, swapToV2 } from './resources';

export interface UnitName {
  unit: string; // runts-abc.scope, or a .slice when the name is one
  slice: string; // the parent slice's unit name, e.g. machine.slice ("-.slice": the root)
  sliceDir: string; // the slice's cgroup path below the manager's root, e.g. /machine.slice
}

// cgroupsPath "slice:prefix:name" (runc's form): the unit <prefix>-<name>.scope
// in that slice, or the slice <name> itself when it ends in .slice. Empty
// parts take runc's defaults: the slice system.slice (user.slice rootless);
// absent cgroupsPath is ":runts:<id>".
export function unitName(cgroupsPath: string | undefined, id: string, rootless = false): UnitName {
  const bad = (why: string) => new RuntsError(`config.json: /linux/cgroupsPath: ${why}; got ${JSON.stringify(cgroupsPath)}`);
  const parts = cgroupsPath ? cgroupsPath.split(':') : ['', 'runts', id];
  if (parts.length !== 3) throw bad('with --systemd-cgroup it must be of the form "slice:prefix:name", e.g. "system.slice:runts:1234"');
  const [sliceText, prefix, name] = parts;
  if (!name || name.includes('/') || prefix.includes('/')) throw bad('the unit name must be a plain name');
  const slice = sliceText || (rootless ? 'user.slice' : 'system.slice');
  const sliceDir = expandSlice(slice, bad);
  const unit = name.endsWith('.slice') ? name : `${prefix}-${name}.scope`;
  return { unit, slice, sliceDir };
}

// A slice's dashes name its parents, as systemd lays them out:
// "a-b.slice" is /a.slice/a-b.slice; "-.slice" is the root ("").
export function expandSlice(slice: string, bad: (why: string) => Error = (why) => new RuntsError(why)): string {
  if (!slice.endsWith('.slice') || slice === '.slice' || slice.includes('/')) throw bad(`invalid slice name ${JSON.stringify(slice)}`);
  const base = slice.slice(0, -'.slice'.length);
  if (base === '-') return '';
  let out = '';
  let pre = '';
  for (const c of base.split('-')) {
    if (!c) throw bad(`invalid slice name ${JSON.stringify(slice)}`);
    out += `/${pre}${c}.slice`;
    pre += `${c}-`;
  }
  return out;
}

// One property as D-Bus carries it: name, signature of the value, value.
export type Property = [name: string, signature: string, value: unknown];

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const u64 = (n: number | bigint): bigint => (n < 0 ? UINT64_MAX : BigInt(n));

// What a new unit of a container always has (runc's Apply): its place, the
// init's pid, delegation (a scope only), accounting on, no default
// dependencies (no ordering against shutdown.target: the engine stops it).
export function baseProperties(name: UnitName, pid: number, description: string): Property[] {
  const props: Property[] = [['Description', 's', description]];
  if (name.unit.endsWith('.slice')) props.push(['Wants', 'as', [name.slice]]);
  else props.push(['Slice', 's', name.slice], ['Delegate', 'b', true]);
  props.push(
    ['PIDs', 'au', [pid]],
    ['MemoryAccounting', 'b', true],
    ['CPUAccounting', 'b', true],
    ['IOAccounting', 'b', true],
    ['TasksAccounting', 'b', true],
    ['DefaultDependencies', 'b', false],
  );
  return props;
}

export interface ResourceProperties {
  props: Property[];
  // The resources to write through cgroupfs after the properties: cpu.quota
  // rounded as systemd rounds it, so that both say the same.
  resources: LinuxResources;
}

// linux.resources as cgroup v2 unit properties, where systemd has one (the
// table in docs/cgroups.md); everything is still written to the cgroup's
// files afterwards (systemd's properties only keep systemd from undoing
// them, and make `systemctl show` tell the truth).
export function resourceProperties(r: LinuxResources, opts: { skipDevices?: boolean; linuxDevices?: { path: string }[] } = {}): ResourceProperties {
  const props: Property[] = [];
  let resources = r;
  const m = r.memory;
  if (m?.limit) props.push(['MemoryMax', 't', u64(m.limit)]);
  if (m?.reservation) props.push(['MemoryLow', 't', u64(m.reservation)]);
  if (m && (m.swap !== undefined || m.limit === -1)) {
    let swap = 0;
    try {
      swap = swapToV2(m.swap ?? 0, m.limit ?? 0);
    } catch {
      /* applyResources refuses it, naming the field */
    }
    if (swap !== 0) props.push(['MemorySwapMax', 't', u64(swap)]);
  }
  const c = r.cpu;
  const idle = c?.idle === 1;
  if (idle) props.push(['CPUWeight', 't', 0n]); // systemd's way of saying cpu.idle 1
  else if (c?.shares) props.push(['CPUWeight', 't', BigInt(cpuSharesToWeight(c.shares))]);
  if (c && (c.quota || c.period)) {
    const { props: q, quota } = cpuQuota(c.quota ?? 0, c.period ?? 0);
    props.push(...q);
    if (quota !== (c.quota ?? 0)) resources = { ...r, cpu: { ...c, quota } };
  }
  if (r.pids?.limit !== undefined) props.push(['TasksMax', 't', r.pids.limit === 0 ? 1n : u64(r.pids.limit)]);
  if (c?.cpus) props.push(['AllowedCPUs', 'ay', rangeToBits(c.cpus, '/linux/resources/cpu/cpus')]);
  if (c?.mems) props.push(['AllowedMemoryNodes', 'ay', rangeToBits(c.mems, '/linux/resources/cpu/mems')]);
  if (r.blockIO?.weight) props.push(['IOWeight', 't', BigInt(blkioWeightToIoWeight(r.blockIO.weight))]);
  if (!opts.skipDevices && r.devices?.length) {
    props.push(...deviceProperties(deviceRulesFor(r.devices, opts.linuxDevices)));
  }
  props.push(...unifiedProperties(r.unified ?? {}));
  return { props, resources };
}

// linux.resources as the properties systemd has on v1 and hybrid hosts
// (runc's v1 manager): MemoryLimit, CPUShares, the CPU quota, TasksMax,
// BlockIOWeight and the device policy. systemd writes them to the v1 files
// when it starts the unit and again on every daemon-reload, so without them
// it would put its defaults (no memory limit, DefaultTasksMax) back over
// what runts writes. The cpuset (which systemd does not manage on v1), swap,
// kernel and the rest are the files' only (apply.ts).
export function resourcePropertiesV1(r: LinuxResources, opts: { skipDevices?: boolean; linuxDevices?: { path: string }[] } = {}): ResourceProperties {
  const props: Property[] = [];
  let resources = r;
  if (r.memory?.limit) props.push(['MemoryLimit', 't', u64(r.memory.limit)]);
  const c = r.cpu;
  if (c?.shares) props.push(['CPUShares', 't', BigInt(c.shares)]);
  if (c && (c.quota || c.period)) {
    const { props: q, quota } = cpuQuota(c.quota ?? 0, c.period ?? 0);
    props.push(...q);
    if (quota !== (c.quota ?? 0)) resources = { ...r, cpu: { ...c, quota } };
  }
  if (r.pids?.limit !== undefined) props.push(['TasksMax', 't', r.pids.limit === 0 ? 1n : u64(r.pids.limit)]);
  if (r.blockIO?.weight) props.push(['BlockIOWeight', 't', BigInt(r.blockIO.weight)]);
  if (!opts.skipDevices && r.devices?.length) props.push(...deviceProperties(deviceRulesFor(r.devices, opts.linuxDevices)));
  return { props, resources };
}

// CPUQuotaPerSecUSec is a whole percentage of a CPU (10 ms per second):
// a quota between two is rounded up, and the rounded quota is what goes in
// cpu.max too (as runc does). A period alone sets no quota ("infinity").
export function cpuQuota(quota: number, period: number): { props: Property[]; quota: number } {
  const props: Property[] = [];
  if (period) props.push(['CPUQuotaPeriodUSec', 't', BigInt(period)]);
  let perSec = UINT64_MAX;
  if (quota > 0) {
    const p = BigInt(period || 100000);
    perSec = (BigInt(quota) * 1_000_000n) / p;
    if (perSec % 10000n !== 0n) {
      perSec = (perSec / 10000n + 1n) * 10000n;
      quota = Number((perSec * p) / 1_000_000n);
    }
  }
  props.push(['CPUQuotaPerSecUSec', 't', perSec]);
  return { props, quota };
}

// "0-2,5" -> the bytes of a bit mask, lowest CPU in the first byte's
// lowest bit (systemd's AllowedCPUs over D-Bus).
export function rangeToBits(text: string, pointer: string): Buffer {
  const bits: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new RuntsError(`config.json: ${pointer}: invalid CPU or node list ${JSON.stringify(text)}`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) bits.push(i);
  }
  if (!bits.length) throw new RuntsError(`config.json: ${pointer}: invalid CPU or node list ${JSON.stringify(text)}`);
  const out = Buffer.alloc(Math.floor(Math.max(...bits) / 8) + 1);
  for (const b of bits) out[b >> 3] |= 1 << (b & 7);
  return out;
}

// The device rules (the config's, then runc's defaults) as systemd's
// allow list: DevicePolicy=strict and one DeviceAllow per device or major.
// systemd has no deny rules: rules it cannot say exactly (a deny after an
// allow-all, a "*:n" rule) give no device properties at all, and the
// cgroup's own BPF program (apply.ts), attached beside systemd's, is then
// the only filter: never narrower than the config, never wider.
export function deviceProperties(rules: DeviceRule[]): Property[] {
  let allowAll = false;
  const allowed = new Map<string, Set<string>>(); // "c 1:3" -> access
  for (const rule of rules) {
    const type = rule.type || 'a';
    const access = rule.access || 'rwm';
    if (type === 'a') {
      if (new Set(access).size < 3) return []; // an "a" rule for some accesses only
      allowAll = rule.allow;
      allowed.clear();
      continue;
    }
    const any = (n: number | undefined) => n === undefined || n < 0;
    if (any(rule.major) && !any(rule.minor)) return [];
    const key = `${type} ${any(rule.major) ? '*' : rule.major}:${any(rule.minor) ? '*' : rule.minor}`;
    if (allowAll) {
      if (rule.allow) continue;
      return []; // a deny list
    }
    const set = allowed.get(key) ?? new Set<string>();
    for (const a of access) (rule.allow ? set.add(a) : set.delete(a));
    if (set.size) allowed.set(key, set);
    else allowed.delete(key);
  }
  if (allowAll) return [['DevicePolicy', 's', 'auto'], ['DeviceAllow', 'a(ss)', []]];
  const entries: [string, string][] = [];
  for (const [key, set] of allowed) {
    const [type, nums] = key.split(' ');
    const [major, minor] = nums.split(':');
    const group = type === 'c' ? 'char' : 'block';
    const path = major === '*' ? `${group}-*` : minor === '*' ? `${group}-${major}` : `/dev/${group}/${major}:${minor}`;
    entries.push([path, ['r', 'w', 'm'].filter((a) => set.has(a)).join('')]);
  }
  // The empty DeviceAllow first clears what a running unit had.
  return [['DevicePolicy', 's', 'strict'], ['DeviceAllow', 'a(ss)', []], ['DeviceAllow', 'a(ss)', entries]];
}

// linux.resources.unified keys systemd has a property for (runc's list).
function unifiedProperties(u: Record<string, string>): Property[] {
  const props: Property[] = [];
  const num = (k: string, v: string): bigint => {
    if (v === 'max') return UINT64_MAX;
    if (!/^\d+$/.test(v)) throw new RuntsError(`config.json: /linux/resources/unified/${k}: must be a number or "max"; got ${JSON.stringify(v)}`);
    return BigInt(v);
  };
  const names: Record<string, string> = { 'memory.high': 'MemoryHigh', 'memory.low': 'MemoryLow', 'memory.min': 'MemoryMin', 'memory.max': 'MemoryMax', 'memory.swap.max': 'MemorySwapMax', 'pids.max': 'TasksMax', 'cpu.weight': 'CPUWeight' };
  for (const [k, raw] of Object.entries(u)) {
    const v = String(raw).trim();
    if (names[k]) {
      let n = num(k, v);
      if (k === 'pids.max' && n === 0n) n = 1n;
      props.push([names[k], 't', n]);
    } else if (k === 'cpu.max') {
      const [q, p] = v.split(/\s+/);
      const quota = q === 'max' ? 0 : Number(num(k, q));
      props.push(...cpuQuota(quota, p ? Number(num(k, p)) : 100000).props);
    } else if (k === 'cpuset.cpus') props.push(['AllowedCPUs', 'ay', rangeToBits(v, `/linux/resources/unified/${k}`)]);
    else if (k === 'cpuset.mems') props.push(['AllowedMemoryNodes', 'ay', rangeToBits(v, `/linux/resources/unified/${k}`)]);
  }
  return props;
}
