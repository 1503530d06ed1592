// linux.resources as runtime-spec defines it, and the pure conversions the
// drivers need: v1-style values to their cgroup v2 form (as runc converts
// them), device rules to the strings the v1 devices controller takes, and
// numbers to the text the kernel parses. No file access here.
import { RuntsError } from '../errors';

export interface DeviceRule {
  allow: boolean;
  type?: string; // a (default), c or b
  major?: number; // absent or -1: any
  minor?: number;
  access?: string; // some of r, w, m; absent: rwm
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface WeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface ThrottleDevice {
  major: number;
  minor: number;
  rate?: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface LinuxResources {
  devices?: DeviceRule[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: { limit?: number };
  blockIO?: LinuxBlockIO;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

// An integer as the kernel reads it: never in exponent form, even past 2^53.
export function intText(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (!Number.isFinite(n)) throw new RuntsError(`invalid number ${n}`);
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

// cgroup v2 "max" for -1, nothing for 0 (unset), the number otherwise.
export function v2Limit(n: number): string {
  if (n === 0) return '';
  if (n < 0) return 'max';
  return intText(n);
}

// cpu.shares [2, 262144] to cpu.weight [1, 10000], the linear mapping of
// runc 1.0-1.2 (and crun before 1.9).
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

// blkio.weight [10, 1000] to io.weight [1, 10000].
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

// memory.swap in the spec is memory+swap; cgroup v2 limits swap alone.
// Returns -1 (max), 0 (leave as is) or the swap-only limit. As runc does.
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) throw new Error('a swap limit needs a memory limit on cgroup v2');
  if (limit < 0) throw new Error(`invalid memory limit ${limit}`);
  if (swap < limit) throw new Error(`memory+swap limit ${swap} is below the memory limit ${limit}`);
  return swap - limit;
}

// pids.max: a positive limit as is, 0 as 1 (as runc and systemd do), a
// negative one as "max".
export function pidsMax(limit: number): string {
  if (limit > 0) return intText(limit);
  if (limit === 0) return '1';
  return 'max';
}

// The v1 devices controller's rule syntax: "c 1:3 rwm", "a".
export function deviceRuleText(rule: DeviceRule): string {
  const type = rule.type || 'a';
  if (type === 'a') return 'a';
  const num = (n: number | undefined) => (n === undefined || n < 0 ? '*' : String(n));
  return `${type} ${num(rule.major)}:${num(rule.minor)} ${rule.access ? deviceAccess(rule.access) : 'rwm'}`;
}

// The r, w and m of an access string, in that order; other letters are
// left out, as runc reads them ("rwa" is "rw"). checkDeviceRule warns.
export function deviceAccess(access: string): string {
  return ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
}

export function checkDeviceRule(rule: DeviceRule, pointer: string): void {
  const type = rule.type || 'a';
  if (!['a', 'c', 'b'].includes(type)) throw new RuntsError(`${pointer}/type: must be a, c or b; got ${JSON.stringify(rule.type)}`);
  if (rule.access !== undefined && !/^[rwm]+$/.test(rule.access)) {
    if (!deviceAccess(rule.access)) throw new RuntsError(`${pointer}/access: must be some of r, w and m; got ${JSON.stringify(rule.access)}`);
    // runc takes such a rule and ignores the other letters; runts too, saying so.
    const other = [...new Set(rule.access.replace(/[rwm]/g, ''))].join('');
    (require('../log') as typeof import('../log')).warn(`${pointer}/access: ignoring ${JSON.stringify(other)} (not r, w or m), as runc does; the rule is ${JSON.stringify(deviceAccess(rule.access))}`);
  }
}

// The devices every runc container may use whatever its rules say, appended
// after the config's rules (runc's specconv.AllowedDevices). A default whose
// path is also in linux.devices is left out, as runc does.
export const DEFAULT_ALLOWED_DEVICES: (DeviceRule & { path?: string })[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm', path: '/dev/null' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm', path: '/dev/random' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm', path: '/dev/full' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm', path: '/dev/tty' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm', path: '/dev/zero' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm', path: '/dev/urandom' },
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];

export function deviceRulesFor(rules: DeviceRule[], linuxDevices: { path: string }[] = []): DeviceRule[] {
  const paths = new Set(linuxDevices.map((d) => d.path));
  const defaults = DEFAULT_ALLOWED_DEVICES.filter((d) => !d.path || !paths.has(d.path)).map(({ path: _p, ...r }) => r);
  return [...rules, ...defaults];
}

// "2MB" -> bytes; the page sizes the kernel names hugetlb.<size>.* files by.
export function pageSizeBytes(size: string): number | undefined {
  const m = /^([1-9][0-9]*)([KMG])B$/.exec(size);
  if (!m) return undefined;
  return Number(m[1]) * { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as 'K' | 'M' | 'G'];
}

// The kernel's names of a size in kB: 2048 -> "2MB", 1048576 -> "1GB".
export function pageSizeName(kb: number): string {
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (kb >= 1024 && kb % 1024 === 0 && i < units.length - 1) {
    kb /= 1024;
    i++;
  }
  return `${kb}${units[i]}`;
}

// runc's (docker/go-units RAMInBytes) reading of --memory values: 1024-based
// suffixes k, m, g, t, p, with an optional "b" or "ib"; -1 for unlimited.
export function parseRAM(text: string): number {
  if (text.trim() === '-1') return -1;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtTpP])?(?:[iI]?[bB])?\s*$/.exec(text);
  if (!m) throw new RuntsError(`invalid size ${JSON.stringify(text)}`);
  const mult = m[2] ? 1024 ** ('kmgtp'.indexOf(m[2].toLowerCase()) + 1) : 1;
  return Math.trunc(Number(m[1]) * mult);
}

// Go's time.ParseDuration for what events --interval takes: "5s", "100ms",
// "1m30s", "1.5s". Returns milliseconds.
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (text === '0') return 0;
  if (!text) throw new RuntsError('invalid duration ""');
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new RuntsError(`invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return total;
}
