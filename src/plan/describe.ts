// The plan as a person reads it (--dry-run) and as a tool reads it
// (--dry-run --format json): each instruction's fields by name, and flags,
// capability sets, namespaces and rlimits by their names instead of numbers.
// Only the dry-run path loads this module; the encoding the init reads
// (instructions.ts) is not touched by it.
import type { Arg, Instruction } from './instructions';
import { MOUNT_ATTR, MS } from './mountflags';
import { CAPABILITIES, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES, NAMESPACES, RLIMITS } from '../spec/tables';

type Kind = 'text' | 'int' | 'mode' | 'ms' | 'attr' | 'rlimit' | 'ns' | 'nslist' | 'caps' | 'bytes' | 'ioprio' | 'policy' | 'schedflags' | 'personality' | 'seccompflags' | 'mempolicy' | 'bool';
type Field = [name: string, kind: Kind];

// Each op's fields, in the order docs/init-protocol.md gives them. `exec`
// and `hook` have lists of variable length and are read apart (listOp).
const FIELDS: Record<string, Field[]> = {
  setns: [['path', 'text'], ['type', 'ns']],
  unshare: [['types', 'nslist']],
  write: [['path', 'text'], ['content', 'text']],
  sync: [['name', 'text']],
  notify: [['name', 'text']],
  keyring: [['name', 'text'], ['search', 'int']],
  'mount-host': [['source', 'text'], ['target', 'text'], ['fstype', 'text'], ['flags', 'ms'], ['data', 'text']],
  mount: [['source', 'text'], ['target', 'text'], ['fstype', 'text'], ['flags', 'ms'], ['data', 'text']],
  'mount-copyup': [['source', 'text'], ['target', 'text'], ['fstype', 'text'], ['flags', 'ms'], ['data', 'text']],
  remount: [['target', 'text'], ['flags', 'ms']],
  propagate: [['target', 'text'], ['flags', 'ms']],
  setattr: [['target', 'text'], ['set', 'attr'], ['clear', 'attr'], ['propagation', 'ms'], ['recursive', 'bool']],
  root: [['path', 'text']],
  mkdirs: [['path', 'text'], ['mode', 'mode']],
  mkfile: [['path', 'text'], ['mode', 'mode']],
  mknod: [['path', 'text'], ['type', 'text'], ['major', 'int'], ['minor', 'int'], ['mode', 'mode'], ['uid', 'int'], ['gid', 'int']],
  'bind-dev': [['source', 'text'], ['path', 'text']],
  symlink: [['target', 'text'], ['link', 'text']],
  mask: [['path', 'text'], ['tmpfsData', 'text']],
  readonly: [['path', 'text']],
  chdir: [['path', 'text']],
  'chdir-early': [['path', 'text']],
  hostname: [['name', 'text']],
  domainname: [['name', 'text']],
  sysctl: [['key', 'text'], ['value', 'text']],
  rlimit: [['resource', 'rlimit'], ['soft', 'text'], ['hard', 'text']],
  umask: [['mode', 'mode']],
  user: [['uid', 'int'], ['gid', 'int'], ['additionalGids', 'text']],
  caps: [['bounding', 'caps'], ['effective', 'caps'], ['permitted', 'caps'], ['inheritable', 'caps'], ['ambient', 'caps']],
  seccomp: [['flags', 'seccompflags'], ['program', 'bytes']],
  personality: [['domain', 'personality']],
  'open-barrier': [['path', 'text']],
  lookup: [['program', 'text'], ['path', 'text']],
  'console-connect': [['socket', 'text']],
  console: [['rows', 'int'], ['cols', 'int'], ['uid', 'int'], ['gid', 'int'], ['bindConsole', 'bool']],
  ioprio: [['class', 'ioprio'], ['level', 'int']],
  scheduler: [['policy', 'policy'], ['nice', 'int'], ['priority', 'int'], ['flags', 'schedflags'], ['runtime', 'int'], ['deadline', 'int'], ['period', 'int']],
  'cpu-affinity': [['cpus', 'text']],
  mempolicy: [['mode', 'mempolicy'], ['nodes', 'text']],
  'seccomp-listener-connect': [['socket', 'text']],
  'idmap-userns': [['uidMap', 'text'], ['gidMap', 'text']],
  'apparmor-exec': [['profile', 'text']],
  'selinux-label': [['attr', 'text'], ['label', 'text']],
  'file-label': [['path', 'text'], ['label', 'text']],
  'idmap-mount': [['target', 'text']],
  'host-source': [['source', 'text'], ['idmapped', 'bool'], ['recursive', 'bool'], ['userns', 'int']],
};

// Names of the bits of a mask, lowest bit first; bits without a name as hex.
function bitNames(n: number, table: Record<string, number>, prefix: string): string[] {
  const out: string[] = [];
  let left = n;
  for (const [name, bit] of Object.entries(table)) {
    if (bit !== 0 && (bit & (bit - 1)) === 0 && (n & bit) !== 0) {
      out.push(prefix + name);
      left &= ~bit;
    }
  }
  if (left) out.push('0x' + (left >>> 0).toString(16));
  return out;
}

const msTable: Record<string, number> = { ...MS };
// MOUNT_ATTR's one-bit names (ATIME is a mask of three, RELATIME is 0).
const attrTable: Record<string, number> = Object.fromEntries(Object.entries(MOUNT_ATTR).filter(([k]) => k !== 'ATIME' && k !== 'RELATIME'));
const RLIMIT_NAMES = Object.fromEntries(Object.entries(RLIMITS).map(([k, v]) => [v, k]));
const CLONE_NAMES: Record<string, string> = Object.fromEntries(Object.values(NAMESPACES).map((n) => [n.op, 'CLONE_NEW' + (n.op === 'mnt' ? 'NS' : n.op.toUpperCase())]));
const IOPRIO = ['IOPRIO_CLASS_NONE', 'IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'];
const POLICIES = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'];
const SCHED_FLAGS: Record<string, number> = { RESET_ON_FORK: 0x01, RECLAIM: 0x02, DL_OVERRUN: 0x04, KEEP_POLICY: 0x08, KEEP_PARAMS: 0x10, UTIL_CLAMP_MIN: 0x20, UTIL_CLAMP_MAX: 0x40 };
const SECCOMP_FLAGS: Record<string, number> = { TSYNC: 1, LOG: 2, SPEC_ALLOW: 4, NEW_LISTENER: 8, TSYNC_ESRCH: 16, WAIT_KILLABLE_RECV: 32 };
const PERSONALITIES: Record<string, string> = { '0': 'LINUX', '8': 'LINUX32' };
const MPOL_NAMES = Object.fromEntries(Object.entries(MEMORY_POLICY_MODES).map(([k, v]) => [v, k]));
const MPOL_FLAG_BITS = Object.values(MEMORY_POLICY_FLAGS).reduce((a, b) => a | b, 0);

export function capNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

// A field's value with names: a string, a list of names, a number or a bool.
type Value = string | number | boolean | string[] | { bytes: number };

function decode(kind: Kind, a: Arg): Value {
  if (typeof a !== 'string') return { bytes: a.length };
  const n = Number(a);
  switch (kind) {
    case 'int': return Number.isSafeInteger(n) ? n : a;
    case 'mode': return '0' + n.toString(8).padStart(3, '0');
    case 'bool': return a === '1';
    case 'ms': return bitNames(n, msTable, 'MS_');
    case 'attr': return bitNames(n, attrTable, 'MOUNT_ATTR_');
    case 'seccompflags': return bitNames(n, SECCOMP_FLAGS, 'SECCOMP_FILTER_FLAG_');
    case 'schedflags': return bitNames(n, SCHED_FLAGS, 'SCHED_FLAG_');
    case 'rlimit': return RLIMIT_NAMES[n] ?? a;
    case 'ns': return CLONE_NAMES[a] ?? a;
    case 'nslist': return a.split(',').map((t) => CLONE_NAMES[t] ?? t);
    case 'caps': return capNames(BigInt(a));
    case 'ioprio': return IOPRIO[n] ?? a;
    case 'policy': return POLICIES[n] ?? a;
    case 'personality': return PERSONALITIES[a] ?? a;
    case 'mempolicy': return [MPOL_NAMES[n & ~MPOL_FLAG_BITS] ?? String(n & ~MPOL_FLAG_BITS), ...bitNames(n & MPOL_FLAG_BITS, MEMORY_POLICY_FLAGS, '')];
    default: return a;
  }
}

// exec: preserved fds, path, argc, args..., envc, env...; hook: timeout, path, argc, ...
function listOp(i: Instruction, first: string): Record<string, Value> {
  const [head, path, argc, ...rest] = i.args.map((a) => (typeof a === 'string' ? a : a.toString()));
  const args = rest.slice(0, Number(argc));
  const env = rest.slice(Number(argc) + 1);
  return { [first]: Number(head), path, args, env };
}

export interface DescribedStep {
  step: number;
  op: string;
  label: string;
  fields: Record<string, Value>;
}

export function describeStep(i: Instruction, n: number): DescribedStep {
  let fields: Record<string, Value> = {};
  if (i.op === 'exec') fields = listOp(i, 'preserveFds');
  else if (i.op === 'hook') fields = listOp(i, 'timeout');
  else {
    const spec = FIELDS[i.op] ?? [];
    i.args.forEach((a, k) => {
      const [name, kind] = spec[k] ?? [`arg${k + 1}`, 'text'];
      fields[name] = decode(kind, a);
    });
  }
  return { step: n + 1, op: i.op, label: i.label, fields };
}

function showText(s: string): string {
  return s !== '' && /^[A-Za-z0-9_./:,=+@%-]+$/.test(s) ? s : JSON.stringify(s);
}

function showValue(v: Value): string {
  if (typeof v === 'string') return showText(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? v.join('|') : '0';
  return `<${v.bytes} bytes>`;
}

// One step per line: the op, its fields by name (empty ones left out), and
// what the step is for. Capability sets are spaced lists, on one line each.
export function describePlan(plan: Instruction[]): string {
  const lines: string[] = [];
  plan.forEach((ins, n) => {
    const d = describeStep(ins, n);
    const num = String(d.step).padStart(3);
    if (d.op === 'caps') {
      lines.push(`${num}  caps  # ${d.label}`);
      for (const [set, names] of Object.entries(d.fields)) lines.push(`       ${set.padEnd(11)} ${(names as string[]).join(' ') || '(none)'}`);
      return;
    }
    const parts = Object.entries(d.fields)
      .filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0 && d.op !== 'unshare'))
      .map(([k, v]) => {
        if (Array.isArray(v) && (k === 'args' || k === 'env')) return `${k}=[${v.map(showText).join(' ')}]`;
        if (Array.isArray(v) && k === 'types') return v.join(' ');
        return `${k}=${showValue(v)}`;
      });
    lines.push(`${num}  ${d.op}${parts.length ? ' ' + parts.join(' ') : ''}  # ${d.label}`);
  });
  return lines.join('\n') + '\n';
}

// For tools: the steps as JSON, each with its raw args as well (text, or a
// binary field as its length and base64).
export function planJson(plan: Instruction[], extra: Record<string, unknown> = {}): string {
  const steps = plan.map((ins, n) => ({
    ...describeStep(ins, n),
    args: ins.args.map((a) => (typeof a === 'string' ? a : { bytes: a.length, base64: a.toString('base64') })),
  }));
  return JSON.stringify({ ...extra, steps }, null, 2) + '\n';
}
