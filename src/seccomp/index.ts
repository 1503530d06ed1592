// linux.seccomp compiled to a cBPF program, as runc does it: libseccomp
// builds the filter (seccomp_init, seccomp_arch_add, seccomp_rule_add_array),
// seccomp_export_bpf hands back the raw struct sock_filter array, and runc's
// -ENOSYS stub goes in front of it. The init only loads the bytes
// (seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)); libseccomp itself is never
// loaded in the container. libseccomp and koffi are loaded on first call.
import * as os from 'node:os';
import type { Seccomp, SeccompArg } from '../spec/types';
import { RuntsError } from '../errors';
import {
  ArgCmp,
  Libseccomp,
  NR_SCMP_ERROR,
  SCMP_FLTATR_CTL_NNP,
  SCMP_FLTATR_CTL_OPTIMIZE,
  SCMP_FLTATR_CTL_TSYNC,
  errnoText,
  exportBpf,
  getLibseccomp,
} from './libseccomp';
import { LastSyscalls, auditArch, encode, enosysStub } from './enosys';

export interface CompiledSeccomp {
  bpf: Buffer; // struct sock_filter[], host byte order; length a non-zero multiple of 8
  flags: number; // SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...)
  notify: boolean; // some rule is SCMP_ACT_NOTIFY: flags has NEW_LISTENER, loading returns a listener fd
}

// A type, not an interface: assignable to Record<string, unknown>.
export type SeccompFeatures = {
  enabled: boolean;
  actions: string[];
  operators: string[];
  archs: string[];
  knownFlags: string[];
  supportedFlags: string[];
};

// ---------------------------------------------------------------------------
// Tables

export const SCMP_ACT_KILL_THREAD = 0x00000000;
export const SCMP_ACT_KILL_PROCESS = 0x80000000;
export const SCMP_ACT_TRAP = 0x00030000;
export const SCMP_ACT_ERRNO = (errno: number): number => (0x00050000 | (errno & 0xffff)) >>> 0;
export const SCMP_ACT_TRACE = (msg: number): number => (0x7ff00000 | (msg & 0xffff)) >>> 0;
export const SCMP_ACT_LOG = 0x7ffc0000;
export const SCMP_ACT_ALLOW = 0x7fff0000;
export const SCMP_ACT_NOTIFY = 0x7fc00000;

const EPERM = 1;

// The action of each name; ERRNO and TRACE take errnoRet (EPERM when unset,
// as runc does for both).
const ACTIONS: Record<string, (errnoRet: number) => number> = {
  SCMP_ACT_KILL: () => SCMP_ACT_KILL_THREAD,
  SCMP_ACT_KILL_THREAD: () => SCMP_ACT_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: () => SCMP_ACT_KILL_PROCESS,
  SCMP_ACT_TRAP: () => SCMP_ACT_TRAP,
  SCMP_ACT_ERRNO: (e) => SCMP_ACT_ERRNO(e),
  SCMP_ACT_TRACE: (e) => SCMP_ACT_TRACE(e),
  SCMP_ACT_ALLOW: () => SCMP_ACT_ALLOW,
  SCMP_ACT_LOG: () => SCMP_ACT_LOG,
  SCMP_ACT_NOTIFY: () => SCMP_ACT_NOTIFY,
};
const TAKES_ERRNO = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);
// runc adds no -ENOSYS stub when the default action lets syscalls through
// (a tracer is expected to handle unknown syscalls itself).
const PERMISSIVE = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);

// enum scmp_compare
const OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

// The architectures of the runtime-spec; libseccomp's name is the lowercased
// rest (x86_64, aarch64, mipsel64n32, ...). Whether this libseccomp knows it
// is asked at compile time (2.5.4 has no loongarch64, m68k, sh).
const ARCHS = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
];

export const SECCOMP_FILTER_FLAG_TSYNC = 1;
export const SECCOMP_FILTER_FLAG_LOG = 2;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 32;

// The flags a config may name, in runc's order (`runc features`).
const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

// The kernel refuses a longer program (BPF_MAXINSNS).
const MAX_INSNS = 4096;
// Syscall arguments are a0..a5.
const MAX_ARGS = 6;
// runc turns on libseccomp's binary-tree optimisation above this many
// syscalls (libseccomp <= 2.5.4 misbehaves with it on an empty filter).
const OPTIMIZE_ABOVE = 32;
const U64_MAX = (1n << 64n) - 1n;

const EEXIST = 17;

// ---------------------------------------------------------------------------
// Compilation

function bad(pointer: string, what: string): RuntsError {
  return new RuntsError(`config.json: ${pointer}: ${what}`);
}

function actionOf(name: string, errnoRet: number | undefined, pointer: string, errnoPointer: string, warn: (msg: string) => void): number {
  const make = ACTIONS[name];
  if (!make) throw bad(pointer, `unknown action ${JSON.stringify(name)}`);
  if (errnoRet !== undefined) {
    if (!Number.isInteger(errnoRet) || errnoRet < 0) throw bad(errnoPointer, `must be an unsigned integer; got ${JSON.stringify(errnoRet)}`);
    // runc ignores it for the other actions (the runtime-spec would fail).
    if (!TAKES_ERRNO.has(name)) warn(`seccomp: ${errnoPointer} is ignored: ${name} takes no errno`);
  }
  return make(errnoRet ?? EPERM) >>> 0;
}

function u64(v: unknown, pointer: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) throw bad(pointer, `must be an unsigned 64-bit integer; got ${v}`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(pointer, `must be an unsigned 64-bit integer; got ${JSON.stringify(v)}`);
  // A JSON number above 2^53 has already lost precision; 18446744073709551615
  // arrives as 2^64: keep it at the largest u64.
  const b = BigInt(v);
  return b > U64_MAX ? U64_MAX : b;
}

function condition(a: SeccompArg, pointer: string): ArgCmp {
  const op = OPERATORS[a.op];
  if (op === undefined) throw bad(`${pointer}/op`, `unknown operator ${JSON.stringify(a.op)}`);
  if (!Number.isInteger(a.index) || a.index < 0 || a.index >= MAX_ARGS) {
    throw bad(`${pointer}/index`, `must be 0 to ${MAX_ARGS - 1} (syscalls have ${MAX_ARGS} arguments); got ${JSON.stringify(a.index)}`);
  }
  // For SCMP_CMP_MASKED_EQ, libseccomp's datum_a is the mask and datum_b the
  // value: exactly the spec's value and valueTwo.
  return { arg: a.index, op, datum_a: u64(a.value, `${pointer}/value`), datum_b: u64(a.valueTwo ?? 0, `${pointer}/valueTwo`) };
}

interface Rule {
  pointer: string; // /linux/seccomp/syscalls/<i>
  names: string[];
  action: number;
  conds: ArgCmp[];
}

// Compiles linux.seccomp. Errors are RuntsErrors naming the JSON pointer
// ("config.json: /linux/seccomp/syscalls/3/action: unknown action ...");
// syscall names libseccomp does not know are skipped with one warning.
export function compileSeccomp(s: Seccomp, warn: (msg: string) => void): CompiledSeccomp {
  // Everything that can be checked without libseccomp first.
  const base = '/linux/seccomp';
  const defaultAction = actionOf(s.defaultAction, s.defaultErrnoRet, `${base}/defaultAction`, `${base}/defaultErrnoRet`, warn);
  if (defaultAction === SCMP_ACT_NOTIFY) {
    // Every later syscall of the init, its messages included, would wait
    // for an agent that only gets the listener fd through those messages.
    throw bad(`${base}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action');
  }

  const rules: Rule[] = (s.syscalls ?? []).map((r, i) => {
    const pointer = `${base}/syscalls/${i}`;
    const action = actionOf(r.action, r.errnoRet, `${pointer}/action`, `${pointer}/errnoRet`, warn);
    const conds = (r.args ?? []).map((a, j) => condition(a, `${pointer}/args/${j}`));
    (r.names ?? []).forEach((n, j) => {
      if (typeof n !== 'string' || n === '') throw bad(`${pointer}/names/${j}`, 'must be a syscall name');
      if (action === SCMP_ACT_NOTIFY && n === 'write') {
        // As runc: the init must still write to the runtime after loading.
        throw bad(`${pointer}/names/${j}`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall');
      }
    });
    return { pointer, names: r.names ?? [], action, conds };
  });
  const notify = rules.some((r) => r.action === SCMP_ACT_NOTIFY && r.names.length > 0);
  if (notify && !s.listenerPath) throw bad(`${base}/listenerPath`, 'is required when a rule uses SCMP_ACT_NOTIFY');

  const archNames = (s.architectures ?? []).map((a, i) => {
    if (typeof a !== 'string' || !a.startsWith('SCMP_ARCH_')) throw bad(`${base}/architectures/${i}`, `unknown architecture ${JSON.stringify(a)}`);
    return { pointer: `${base}/architectures/${i}`, oci: a, name: a.slice('SCMP_ARCH_'.length).toLowerCase() };
  });

  let flags = 0;
  const flagPointers = new Map<number, string>();
  (s.flags ?? []).forEach((f, i) => {
    const v = FLAGS[f];
    if (v === undefined) throw bad(`${base}/flags/${i}`, `unknown flag ${JSON.stringify(f)}`);
    if (v === SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
      throw bad(`${base}/flags/${i}`, 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule (the kernel refuses it without a listener)');
    }
    flags |= v;
    flagPointers.set(v, `${base}/flags/${i}`);
  });

  const lib = getLibseccomp();

  // Flags: those asked for must be known to the kernel; none asked for at
  // all (no `flags` key, not an empty list) means SPEC_ALLOW when the kernel
  // has it, as runc does.
  for (const [v, pointer] of flagPointers) {
    if (!kernelHasFlag(lib, v)) throw bad(pointer, `${flagName(v)} is not supported by this kernel`);
  }
  if (s.flags === undefined && kernelHasFlag(lib, SECCOMP_FILTER_FLAG_SPEC_ALLOW)) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with NEW_LISTENER (without TSYNC_ESRCH); the
    // init is single-threaded, so TSYNC changes nothing anyway.
    flags &= ~SECCOMP_FILTER_FLAG_TSYNC;
  }

  const ctx = lib.init(defaultAction);
  if (!ctx) throw bad(`${base}/defaultAction`, `libseccomp refused ${s.defaultAction} (not supported by this kernel?)`);
  const unknown: string[] = [];
  let program: Buffer;
  const archTokens: number[] = [];
  try {
    // The init sets no_new_privs itself (process.noNewPrivileges), and
    // loads the program on its only thread: libseccomp's load-time
    // attributes are off (they only matter to seccomp_load anyway).
    check(lib.attrSet(ctx, SCMP_FLTATR_CTL_NNP, 0), 'setting SCMP_FLTATR_CTL_NNP');
    check(lib.attrSet(ctx, SCMP_FLTATR_CTL_TSYNC, 0), 'setting SCMP_FLTATR_CTL_TSYNC');

    for (const a of archNames) {
      const token = lib.archResolve(a.name);
      if (!token) {
        throw bad(a.pointer, ARCHS.includes(a.oci) ? `${a.oci} is not supported by libseccomp ${versionText(lib)}` : `unknown architecture ${JSON.stringify(a.oci)}`);
      }
      const rc = lib.archAdd(ctx, token);
      // The native architecture is in the filter from the start.
      if (rc < 0 && rc !== -EEXIST) throw bad(a.pointer, `libseccomp refused ${a.oci}: ${errnoText(-rc)}`);
      archTokens.push(token);
    }

    const total = rules.reduce((n, r) => n + r.names.length, 0);
    // Not fatal: an older libseccomp without the attribute.
    if (total > OPTIMIZE_ABOVE) lib.attrSet(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

    for (const r of rules) {
      // A rule with the default action is redundant (and libseccomp refuses
      // it): runc skips it silently, before even resolving the names.
      if (r.action === defaultAction) continue;
      // Conditions on distinct arguments are ANDed in one rule; two on the
      // same argument cannot be (libseccomp refuses), and then, as in runc,
      // each condition becomes a rule of its own: they are ORed.
      const perArg = new Array<number>(MAX_ARGS).fill(0);
      for (const c of r.conds) perArg[c.arg]++;
      const groups = perArg.some((n) => n > 1) ? r.conds.map((c) => [c]) : [r.conds];
      for (const name of r.names) {
        const nr = lib.resolveName(name);
        if (nr === NR_SCMP_ERROR) {
          if (!unknown.includes(name)) unknown.push(name);
          continue;
        }
        for (const g of groups) {
          const rc = lib.ruleAdd(ctx, r.action, nr, g.length, g.length ? g : null);
          if (rc < 0) throw bad(r.pointer, `libseccomp refused the rule for ${name}${g.length ? ' with these arguments' : ''}: ${errnoText(-rc)}`);
        }
      }
    }

    program = exportBpf(lib, ctx);
  } finally {
    lib.release(ctx);
  }
  if (unknown.length > 0) {
    warn(`seccomp: syscalls unknown to libseccomp ${versionText(lib)} are ignored: ${unknown.join(', ')}`);
  }
  if (program.length === 0 || program.length % 8 !== 0) {
    throw new RuntsError(`seccomp: libseccomp exported a malformed program (${program.length} bytes)`);
  }

  // runc's -ENOSYS stub, unless the default action is permissive or already
  // ENOSYS.
  const enosysDefault = defaultAction === SCMP_ACT_ERRNO(os.constants.errno.ENOSYS);
  if (!PERMISSIVE.has(s.defaultAction) && !enosysDefault) {
    const stub = enosysStub(lastSyscalls(lib, archTokens, rules, warn));
    program = Buffer.concat([encode(stub), program]);
  }
  if (program.length / 8 > MAX_INSNS) {
    throw bad(base, `the filter is ${program.length / 8} instructions long; the kernel takes at most ${MAX_INSNS}`);
  }
  return { bpf: program, flags, notify };
}

// findLastSyscalls of runc's patchbpf: per audit arch (native one
// included), the largest number of any syscall the profile names.
function lastSyscalls(lib: Libseccomp, tokens: number[], rules: Rule[], warn: (msg: string) => void): LastSyscalls {
  const archs = new Set([lib.archNative(), ...tokens]);
  const names = new Set(rules.flatMap((r) => r.names));
  const out: LastSyscalls = new Map();
  for (const token of archs) {
    let largest = -1;
    for (const n of names) {
      const nr = lib.resolveNameArch(token, n);
      if (nr > largest) largest = nr;
    }
    const a = auditArch(token);
    if (!out.has(a)) out.set(a, new Map());
    // As in runc, 0 (only syscall 0 named) means no stub for the arch.
    if (largest > 0) out.get(a)!.set(token, largest);
    else if (largest < 0 && names.size > 0) warn(`seccomp: no syscall of the profile is known on ${archLabel(lib, token)}`);
  }
  return out;
}

function archLabel(lib: Libseccomp, token: number): string {
  return ARCHS.find((a) => lib.archResolve(a.slice('SCMP_ARCH_'.length).toLowerCase()) === token) ?? `architecture 0x${token.toString(16)}`;
}

function check(rc: number, what: string): void {
  if (rc < 0) throw new RuntsError(`seccomp: ${what}: ${errnoText(-rc)}`);
}

// The version of the libseccomp.so.2 that loads (runts --version), or
// undefined when none does: through the addon, which costs nothing, else
// through koffi.
export function libseccompVersion(): string | undefined {
  const { runtsAddon } = require('../sys/addon') as typeof import('../sys/addon');
  const addon = runtsAddon();
  if (addon?.libseccompVersion) return addon.libseccompVersion();
  try {
    return versionText(getLibseccomp());
  } catch {
    return undefined;
  }
}

function versionText(lib: Libseccomp): string {
  const v = lib.version();
  return `${v.major}.${v.minor}.${v.micro}`;
}

function flagName(v: number): string {
  return Object.keys(FLAGS).find((k) => FLAGS[k] === v) ?? String(v);
}

// ---------------------------------------------------------------------------
// Kernel support of filter flags

const flagCache = new Map<number, boolean>();

// seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) fails with EFAULT when the
// flag is known (EINVAL when not). WAIT_KILLABLE_RECV is only valid with
// NEW_LISTENER, so it is probed with it.
function kernelHasFlag(lib: Libseccomp, flag: number): boolean {
  let ok = flagCache.get(flag);
  if (ok === undefined) {
    const probe = flag === SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ? flag | SECCOMP_FILTER_FLAG_NEW_LISTENER : flag;
    const EFAULT = 14;
    ok = lib.seccompProbe(probe) < 0 && lib.errno() === EFAULT;
    flagCache.set(flag, ok);
  }
  return ok;
}

// For `runts features`: what this runts, libseccomp and kernel can do, in
// the shape (and order) of runc's output. Without libseccomp: disabled.
export function seccompFeatures(): SeccompFeatures {
  const knownFlags = Object.keys(FLAGS);
  let lib: Libseccomp;
  try {
    lib = getLibseccomp();
  } catch {
    return { enabled: false, actions: [], operators: [], archs: [], knownFlags, supportedFlags: [] };
  }
  return {
    enabled: true,
    actions: Object.keys(ACTIONS).sort(),
    operators: Object.keys(OPERATORS).sort(),
    archs: ARCHS.filter((a) => lib.archResolve(a.slice('SCMP_ARCH_'.length).toLowerCase()) !== 0).sort(),
    knownFlags,
    supportedFlags: knownFlags.filter((f) => kernelHasFlag(lib, FLAGS[f])),
  };
}
