// linux.seccomp to cBPF (src/seccomp): the programs are checked twice, by a
// small cBPF interpreter here (any architecture, every action and argument
// condition) and by the kernel itself, in a child Node that loads them.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  compileSeccomp,
  seccompFeatures,
  SCMP_ACT_ALLOW,
  SCMP_ACT_ERRNO,
  SCMP_ACT_KILL_PROCESS,
  SCMP_ACT_KILL_THREAD,
  SCMP_ACT_LOG,
  SCMP_ACT_TRACE,
  SCMP_ACT_TRAP,
} from '../../src/seccomp';
import { getLibseccomp } from '../../src/seccomp/libseccomp';
import { decode } from '../../src/seccomp/enosys';
import type { Seccomp } from '../../src/spec/types';
import * as koffi from 'koffi';

const lib = getLibseccomp();
const NATIVE = lib.archNative();
const X86_64 = 0xc000003e;
const X86 = 0x40000003;
const X32 = 0x4000003e; // libseccomp's token; the kernel sees AUDIT_ARCH_X86_64
const AARCH64 = 0xc00000b7;
const ENOSYS = os.constants.errno.ENOSYS;
const EPERM = os.constants.errno.EPERM;
const ENETDOWN = os.constants.errno.ENETDOWN;
const onX86_64 = NATIVE === X86_64;

function nr(name: string, arch = NATIVE): number {
  const n = lib.resolveNameArch(arch, name);
  if (n < 0) throw new Error(`no ${name} on arch 0x${arch.toString(16)}`);
  return n;
}

// A cBPF interpreter over struct seccomp_data, enough for what libseccomp
// and the -ENOSYS stub emit.
function run(bpf: Buffer, call: { nr: number; arch?: number; args?: bigint[] }): number {
  const arch = call.arch ?? NATIVE;
  const data = Buffer.alloc(64);
  const le = os.endianness() === 'LE';
  data[le ? 'writeInt32LE' : 'writeInt32BE'](call.nr, 0);
  data[le ? 'writeUInt32LE' : 'writeUInt32BE'](arch >>> 0, 4);
  (call.args ?? []).forEach((a, i) => data[le ? 'writeBigUInt64LE' : 'writeBigUInt64BE'](a, 16 + 8 * i));
  const insns = decode(bpf);
  let A = 0;
  let X = 0;
  const M = new Array<number>(16).fill(0);
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc];
    const jump = (c: boolean) => (pc += c ? jt : jf);
    switch (code) {
      case 0x20: A = data[le ? 'readUInt32LE' : 'readUInt32BE'](k); break; // ld [k]
      case 0x00: A = k; break; // ld #k
      case 0x01: X = k; break; // ldx #k
      case 0x60: A = M[k]; break; // ld M[k]
      case 0x61: X = M[k]; break; // ldx M[k]
      case 0x02: M[k] = A; break; // st
      case 0x03: M[k] = X; break; // stx
      case 0x07: X = A; break; // tax
      case 0x87: A = X; break; // txa
      case 0x54: A = (A & k) >>> 0; break; // and #k
      case 0x5c: A = (A & X) >>> 0; break; // and x
      case 0x05: pc += k; break; // ja
      case 0x15: jump(A === k); break;
      case 0x25: jump(A > k); break;
      case 0x35: jump(A >= k); break;
      case 0x45: jump((A & k) !== 0); break;
      case 0x1d: jump(A === X); break;
      case 0x2d: jump(A > X); break;
      case 0x3d: jump(A >= X); break;
      case 0x4d: jump((A & X) !== 0); break;
      case 0x06: return k >>> 0; // ret #k
      case 0x16: return A >>> 0; // ret a
      default: throw new Error(`opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('fell off the end of the program');
}

function compile(s: Seccomp, warnings: string[] = []) {
  return compileSeccomp(s, (m) => warnings.push(m));
}

function wellFormed(t: Test, bpf: Buffer) {
  t.ok(bpf.length > 0, 'non-empty');
  t.equal(bpf.length % 8, 0, 'a whole number of sock_filter');
  t.ok(bpf.length / 8 <= 4096, 'within BPF_MAXINSNS');
}

// Every syscall name libseccomp knows on the native arch.
// (Through koffi: runts itself goes through the addon, which has no call for it.)
function allNames(): string[] {
  const so = koffi.load('libseccomp.so.2');
  const resolveNum = so.func('const char *seccomp_syscall_resolve_num_arch(uint32_t, int)');
  const names: string[] = [];
  for (let n = 0; n < 1024; n++) {
    const s = resolveNum(NATIVE, n) as string | null; // leaks a few bytes: a test
    if (s) names.push(s);
  }
  return names;
}

const specAllow = seccompFeatures().supportedFlags.includes('SECCOMP_FILTER_FLAG_SPEC_ALLOW') ? 4 : 0;

t.test('default ALLOW, mkdir ERRNO(EPERM)', async (t) => {
  const w: string[] = [];
  const r = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, w);
  wellFormed(t, r.bpf);
  t.same(w, []);
  t.equal(r.notify, false);
  t.equal(r.flags, specAllow, 'no flags key: SPEC_ALLOW when the kernel has it, as runc');
  t.equal(run(r.bpf, { nr: nr('mkdirat') }), SCMP_ACT_ERRNO(EPERM));
  t.equal(run(r.bpf, { nr: nr('getpid') }), SCMP_ACT_ALLOW);
  // A permissive default: no -ENOSYS stub, libseccomp's program as is.
  t.equal(run(r.bpf, { nr: 1000 }), SCMP_ACT_ALLOW);
  // Another architecture than the native one: libseccomp's bad-arch kill.
  t.equal(run(r.bpf, { nr: 0, arch: NATIVE === AARCH64 ? X86_64 : AARCH64 }), SCMP_ACT_KILL_THREAD);
});

t.test('default ERRNO with defaultErrnoRet 38', async (t) => {
  const r = compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['getpid', 'read'], action: 'SCMP_ACT_ALLOW' }] });
  wellFormed(t, r.bpf);
  t.equal(run(r.bpf, { nr: nr('getpid') }), SCMP_ACT_ALLOW);
  t.equal(run(r.bpf, { nr: nr('mkdirat') }), SCMP_ACT_ERRNO(38));
  t.equal(run(r.bpf, { nr: 1000 }), SCMP_ACT_ERRNO(38));
  t.equal(decode(r.bpf)[0].code, 0x20, 'starts with libseccomp\'s own arch load');
});

t.test('default ERRNO without errno: EPERM, and the -ENOSYS stub above the last named syscall', async (t) => {
  const r = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['getpid', 'read'], action: 'SCMP_ACT_ALLOW' }] });
  wellFormed(t, r.bpf);
  const last = Math.max(nr('getpid'), nr('read'));
  t.equal(run(r.bpf, { nr: nr('getpid') }), SCMP_ACT_ALLOW);
  t.equal(run(r.bpf, { nr: last - 1 }), SCMP_ACT_ERRNO(EPERM), 'below the last: the default');
  t.equal(run(r.bpf, { nr: last + 1 }), SCMP_ACT_ERRNO(ENOSYS), 'above the last: ENOSYS');
  t.equal(run(r.bpf, { nr: 1000 }), SCMP_ACT_ERRNO(ENOSYS));
});

t.test('-ENOSYS stub with x86_64, x86 and x32 in one filter', { skip: !onX86_64 && 'x86_64 only' }, async (t) => {
  const r = compile({
    defaultAction: 'SCMP_ACT_KILL_PROCESS',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['read', 'write', 'getpid', 'socketcall'], action: 'SCMP_ACT_ALLOW' }],
  });
  wellFormed(t, r.bpf);
  for (const arch of [X86_64, X86, X32]) {
    const kernelArch = arch === X32 ? X86_64 : arch;
    const last = Math.max(...['read', 'write', 'getpid', 'socketcall'].map((n) => lib.resolveNameArch(arch, n)));
    t.equal(run(r.bpf, { nr: nr('getpid', arch), arch: kernelArch }), SCMP_ACT_ALLOW, `getpid on 0x${arch.toString(16)}`);
    t.equal(run(r.bpf, { nr: last + 1, arch: kernelArch }), SCMP_ACT_ERRNO(ENOSYS), `after the last on 0x${arch.toString(16)}`);
    t.equal(run(r.bpf, { nr: nr('open', arch), arch: kernelArch }), SCMP_ACT_KILL_PROCESS, `open (below getpid) on 0x${arch.toString(16)}`);
  }
  t.equal(run(r.bpf, { nr: nr('socketcall', X86), arch: X86 }), SCMP_ACT_ALLOW, 'socketcall on x86 (a pseudo syscall on x86_64)');
});

t.test('x86_64 without x32: x32 numbers get the filter, not the stub', { skip: !onX86_64 && 'x86_64 only' }, async (t) => {
  const r = compile({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] });
  t.equal(run(r.bpf, { nr: 5, arch: X86_64 }), SCMP_ACT_ERRNO(EPERM));
  t.equal(run(r.bpf, { nr: 40, arch: X86_64 }), SCMP_ACT_ERRNO(ENOSYS));
  t.equal(run(r.bpf, { nr: 0x40000000 | 40, arch: X86_64 }), SCMP_ACT_KILL_THREAD, 'x32 not in the filter: bad arch');
});

t.test('actions and their errno', async (t) => {
  const m = nr('mkdirat');
  const cases: [{ action: string; errnoRet?: number }, number][] = [
    [{ action: 'SCMP_ACT_ERRNO', errnoRet: 100 }, SCMP_ACT_ERRNO(100)],
    [{ action: 'SCMP_ACT_KILL' }, SCMP_ACT_KILL_THREAD],
    [{ action: 'SCMP_ACT_KILL_THREAD' }, SCMP_ACT_KILL_THREAD],
    [{ action: 'SCMP_ACT_KILL_PROCESS' }, SCMP_ACT_KILL_PROCESS],
    [{ action: 'SCMP_ACT_TRAP' }, SCMP_ACT_TRAP],
    [{ action: 'SCMP_ACT_TRACE' }, SCMP_ACT_TRACE(EPERM)],
    [{ action: 'SCMP_ACT_TRACE', errnoRet: 7 }, SCMP_ACT_TRACE(7)],
    [{ action: 'SCMP_ACT_LOG' }, SCMP_ACT_LOG],
  ];
  for (const [rule, want] of cases) {
    const r = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat'], action: rule.action, errnoRet: rule.errnoRet }] });
    t.equal(run(r.bpf, { nr: m }), want >>> 0, `${rule.action} ${rule.errnoRet ?? ''}`);
  }
  const w: string[] = [];
  compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] }, w);
  t.match(w.join('\n'), /\/linux\/seccomp\/syscalls\/0\/errnoRet is ignored/, 'errnoRet on an action without one: warned, as runc ignores it');
});

t.test('a rule with the default action is skipped silently', async (t) => {
  const w: string[] = [];
  const base = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  const r = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdirat', 'nosuchcall'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    ],
  }, w);
  t.same(w, [], 'no warning, not even for the unknown name in it');
  t.equal(run(r.bpf, { nr: nr('mkdirat') }), SCMP_ACT_ERRNO(EPERM));
  t.equal(run(r.bpf, { nr: nr('read') }), SCMP_ACT_ALLOW);
  // The stub counts every name of the profile, as runc's does.
  t.not(r.bpf.length, 0);
  t.ok(base.bpf.length <= r.bpf.length);
});

t.test('argument conditions', async (t) => {
  const p = nr('personality');
  const eq = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }] });
  wellFormed(t, eq.bpf);
  t.equal(run(eq.bpf, { nr: p, args: [8n] }), SCMP_ACT_ERRNO(EPERM), 'EQ matches');
  t.equal(run(eq.bpf, { nr: p, args: [0n] }), SCMP_ACT_ALLOW, 'EQ does not match');
  t.equal(run(eq.bpf, { nr: p, args: [8n | (1n << 32n)] }), SCMP_ACT_ALLOW, 'all 64 bits compared');

  // Docker's clone rule: MASKED_EQ, value is the mask, valueTwo the value.
  const CLONE_NEWUSER = 0x10000000n;
  const masked = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: Number(CLONE_NEWUSER), valueTwo: Number(CLONE_NEWUSER), op: 'SCMP_CMP_MASKED_EQ' }] }],
  });
  const c = nr('clone');
  t.equal(run(masked.bpf, { nr: c, args: [CLONE_NEWUSER | 0x11n] }), SCMP_ACT_ERRNO(EPERM), 'MASKED_EQ matches');
  t.equal(run(masked.bpf, { nr: c, args: [0x11n] }), SCMP_ACT_ALLOW, 'MASKED_EQ does not match');

  // Distinct arguments: one rule, conditions ANDed.
  const and = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_EQ' }] }],
  });
  const s = nr('socket');
  t.equal(run(and.bpf, { nr: s, args: [1n, 2n] }), SCMP_ACT_ERRNO(EPERM), 'both hold');
  t.equal(run(and.bpf, { nr: s, args: [1n, 3n] }), SCMP_ACT_ALLOW, 'only one holds');

  // The same argument twice: a rule per condition, ORed (runc's fallback).
  const or = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }],
  });
  t.equal(run(or.bpf, { nr: s, args: [1n] }), SCMP_ACT_ERRNO(EPERM), 'first condition');
  t.equal(run(or.bpf, { nr: s, args: [2n] }), SCMP_ACT_ERRNO(EPERM), 'second condition');
  t.equal(run(or.bpf, { nr: s, args: [3n] }), SCMP_ACT_ALLOW, 'neither');

  const ops = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['setns'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_GT' }] },
      { names: ['unshare'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 10, op: 'SCMP_CMP_LE' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_NE' }] },
    ],
  });
  t.equal(run(ops.bpf, { nr: nr('setns'), args: [0n, 11n] }), SCMP_ACT_ERRNO(EPERM), 'GT');
  t.equal(run(ops.bpf, { nr: nr('setns'), args: [0n, 10n] }), SCMP_ACT_ALLOW, 'not GT');
  t.equal(run(ops.bpf, { nr: nr('unshare'), args: [10n] }), SCMP_ACT_ERRNO(EPERM), 'LE');
  t.equal(run(ops.bpf, { nr: nr('unshare'), args: [11n] }), SCMP_ACT_ALLOW, 'not LE');
  t.equal(run(ops.bpf, { nr: p, args: [0xffffffffn] }), SCMP_ACT_ALLOW, 'not NE');
  t.equal(run(ops.bpf, { nr: p, args: [0n] }), SCMP_ACT_ERRNO(EPERM), 'NE');

  // Several conditions with 64-bit data whose halves differ: each datum
  // reaches libseccomp whole, in its place (struct scmp_arg_cmp).
  const MASK = 0x000f00000000ffffn; // both halves non-zero, exact as a JSON number (< 2^53)
  const WANT = 0x0001000000000004n;
  const wide = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: Number(MASK), valueTwo: Number(WANT), op: 'SCMP_CMP_MASKED_EQ' }, { index: 3, value: 2 ** 63, op: 'SCMP_CMP_GE' }, { index: 5, value: 0x100000001, op: 'SCMP_CMP_NE' }] }],
  });
  const m = nr('mmap');
  const call = (prot: bigint, flags: bigint, off: bigint) => run(wide.bpf, { nr: m, args: [0n, 4096n, prot, flags, 0n, off] });
  t.equal(call(WANT | 0xfff0000000000000n, 1n << 63n, 0n), SCMP_ACT_ERRNO(EPERM), 'all three hold (bits outside the mask ignored)');
  t.equal(call(WANT ^ (1n << 48n), 1n << 63n, 0n), SCMP_ACT_ALLOW, 'MASKED_EQ: the high half differs');
  t.equal(call(WANT ^ 4n, 1n << 63n, 0n), SCMP_ACT_ALLOW, 'MASKED_EQ: the low half differs');
  t.equal(call(WANT, (1n << 63n) - 1n, 0n), SCMP_ACT_ALLOW, 'GE 2^63 does not hold');
  t.equal(call(WANT, 1n << 63n, 0x100000001n), SCMP_ACT_ALLOW, 'NE does not hold');
  t.equal(call(WANT, 1n << 63n, 1n), SCMP_ACT_ERRNO(EPERM), 'NE: only the low half equal');

  const big = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 18446744073709551615, op: 'SCMP_CMP_EQ' }] }] });
  t.equal(run(big.bpf, { nr: p, args: [(1n << 64n) - 1n] }), SCMP_ACT_ERRNO(EPERM), '2^64-1 (a JSON number rounded to 2^64) stays the largest u64');
});

t.test('unknown syscall names are warned about, not errors', async (t) => {
  const w: string[] = [];
  const r = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['nosuchcall', 'mkdirat', 'nosuchcall', 'another_one'], action: 'SCMP_ACT_ERRNO' }] }, w);
  wellFormed(t, r.bpf);
  t.equal(w.length, 1, 'one warning for the lot');
  t.match(w[0], /nosuchcall, another_one$/);
  t.equal(run(r.bpf, { nr: nr('mkdirat') }), SCMP_ACT_ERRNO(EPERM), 'the known names still are');
});

t.test('errors name the JSON pointer', async (t) => {
  const ok = { names: ['read'], action: 'SCMP_ACT_ALLOW' };
  const bad: [Seccomp, RegExp][] = [
    [{ defaultAction: 'SCMP_ACT_FOO' }, /^config\.json: \/linux\/seccomp\/defaultAction: unknown action "SCMP_ACT_FOO"$/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [ok, ok, ok, { names: ['x'], action: 'SCMP_ACT_FOO' }] }, /\/linux\/seccomp\/syscalls\/3\/action: unknown action "SCMP_ACT_FOO"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [ok, { names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 1, op: 'SCMP_CMP_FOO' }] }] }, /\/linux\/seccomp\/syscalls\/1\/args\/1\/op: unknown operator "SCMP_CMP_FOO"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: must be 0 to 5/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, /\/linux\/seccomp\/syscalls\/0\/args\/0\/value: must be an unsigned 64-bit integer/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', ''], action: 'SCMP_ACT_ERRNO' }] }, /\/linux\/seccomp\/syscalls\/0\/names\/1: must be a syscall name/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'X'] }, /^config\.json: \/linux\/seccomp\/flags\/1: unknown flag "X"$/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] }, /\/linux\/seccomp\/architectures\/1: unknown architecture "SCMP_ARCH_VAX"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['amd64'] }, /\/linux\/seccomp\/architectures\/0: unknown architecture "amd64"/],
    [{ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/agent.sock' }, /\/linux\/seccomp\/defaultAction: SCMP_ACT_NOTIFY cannot be the default action/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] }, /\/linux\/seccomp\/syscalls\/0\/names\/1: SCMP_ACT_NOTIFY cannot be used for the write syscall/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }, /\/linux\/seccomp\/listenerPath: is required/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }, /\/linux\/seccomp\/flags\/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule/],
  ];
  for (const [s, re] of bad) {
    t.throws(() => compile(s), { name: 'RuntsError', message: re }, re.source);
  }
});

t.test('flags', async (t) => {
  const f = (s: Partial<Seccomp>) => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_ERRNO' }], ...s });
  t.equal(f({ flags: [] }).flags, 0, 'an empty list: none, not even the SPEC_ALLOW default');
  t.equal(f({ flags: ['SECCOMP_FILTER_FLAG_LOG'] }).flags, 2);
  t.equal(f({ flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }).flags, 4);
  t.equal(f({ flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'] }).flags, 3);
  const n = f({ listenerPath: '/run/agent.sock', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_NOTIFY' }] });
  t.equal(n.notify, true);
  t.equal(n.flags, 8 | 32, 'NEW_LISTENER set; TSYNC dropped (the kernel refuses it with NEW_LISTENER)');
  t.equal(run(n.bpf, { nr: nr('mkdirat') }), 0x7fc00000);
});

t.test('a large profile: every syscall libseccomp knows (binary-tree optimised)', async (t) => {
  const names = allNames();
  t.ok(names.length > 300, `${names.length} names`);
  const allowed = names.filter((n) => n !== 'getuid');
  const r = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: allowed, action: 'SCMP_ACT_ALLOW' }, { names: ['getuid'], action: 'SCMP_ACT_ERRNO', errnoRet: ENETDOWN }] });
  wellFormed(t, r.bpf);
  const last = Math.max(...names.map((n) => nr(n)));
  for (const n of allowed) if (run(r.bpf, { nr: nr(n) }) !== SCMP_ACT_ALLOW) t.fail(`${n} not allowed`);
  t.equal(run(r.bpf, { nr: nr('getuid') }), SCMP_ACT_ERRNO(ENETDOWN));
  t.equal(run(r.bpf, { nr: last + 1 }), SCMP_ACT_ERRNO(ENOSYS));
});

t.test('features', async (t) => {
  const f = seccompFeatures();
  t.equal(f.enabled, true);
  t.same(f.actions, ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP']);
  t.same(f.operators, ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE']);
  t.ok(f.archs.includes('SCMP_ARCH_X86_64') && f.archs.includes('SCMP_ARCH_AARCH64'));
  t.same(f.knownFlags, ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
  t.ok(f.supportedFlags.every((x) => f.knownFlags.includes(x)));
  t.ok(f.supportedFlags.includes('SECCOMP_FILTER_FLAG_TSYNC'), 'every kernel since 3.17');
});

// ---------------------------------------------------------------------------
// The kernel's view: a child Node sets no_new_privs, loads the program on
// its main thread (no TSYNC: the other threads stay unfiltered) and makes
// syscalls from that thread. fs.*Sync and koffi calls run on it.

const CHILD = `
const koffi = require(process.env.KOFFI);
const fs = require('fs');
const [bpfPath, flags, sysSeccomp, probe] = process.argv.slice(1);
const libc = koffi.load('libc.so.6');
const prctl = libc.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
const syscall = libc.func('long syscall(long, ...)');
const Fprog = koffi.struct('sock_fprog', { len: 'uint16_t', filter: 'void *' });
const bpf = fs.readFileSync(bpfPath);
if (prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) !== 0) { console.log('nnp failed'); process.exit(2); }
const rc = syscall(Number(sysSeccomp), 'unsigned int', 1 /* SECCOMP_SET_MODE_FILTER */, 'unsigned int', Number(flags), 'sock_fprog *', { len: bpf.length / 8, filter: bpf });
if (rc < 0) { console.log('seccomp failed: errno ' + koffi.errno()); process.exit(2); }
const out = { loaded: rc };
if (!process.env.NO_MKDIR) try { fs.mkdirSync(bpfPath + '.dir'); out.mkdir = 'ok'; } catch (e) { out.mkdir = e.code; }
for (const [name, n] of JSON.parse(probe)) {
  koffi.errno(0);
  const r = syscall(n);
  out[name] = r < 0 ? -koffi.errno() : 'ok';
}
console.log(JSON.stringify(out));
`;

function inChild(t: Test, s: Seccomp, probe: [string, number][] = [], noMkdir = false) {
  const r = compile(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-seccomp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bpf');
  fs.writeFileSync(file, r.bpf);
  // Through env -u: tap puts its NODE_OPTIONS back into any child's
  // environment, and its exit hooks would run (and mkdir) under the filter.
  const res = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, '-e', CHILD, file, String(r.flags), String(nr('seccomp')), JSON.stringify(probe)], {
    env: { PATH: process.env.PATH, KOFFI: require.resolve('koffi'), ...(noMkdir ? { NO_MKDIR: '1' } : {}) },
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL', // a syscall waiting on a notify listener restarts after a handled signal
  });
  let out: Record<string, string | number> | undefined;
  try {
    out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '');
  } catch {
    out = undefined;
  }
  return { signal: res.signal, status: res.status, out, stderr: res.stderr, stdout: res.stdout };
}

t.test('the kernel runs the programs', async (t) => {
  let c = inChild(t, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(c.status, 0, c.stderr + c.stdout);
  t.equal(c.out?.mkdir, 'EPERM', 'ERRNO: mkdir fails with EPERM');

  c = inChild(t, { defaultAction: 'SCMP_ACT_ALLOW', flags: [], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: ENETDOWN }] });
  t.equal(c.out?.mkdir, 'ENETDOWN', 'errnoRet, loaded with no flags');

  c = inChild(t, { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(c.out?.mkdir, 'EPERM', 'loaded with TSYNC|LOG|SPEC_ALLOW');

  // NOTIFY: loaded with NEW_LISTENER|WAIT_KILLABLE_RECV, the kernel returns
  // the listener fd. Nobody answers: the notified syscall is one Node never
  // makes (acct), and mkdir is not tried.
  c = inChild(t, {
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/run/agent.sock',
    flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    syscalls: [{ names: ['acct'], action: 'SCMP_ACT_NOTIFY' }],
  }, [['getpid', nr('getpid')]], true);
  t.equal(c.status, 0, c.stderr + c.stdout);
  t.ok(Number(c.out?.loaded) > 2, 'a listener fd');
  t.equal(c.out?.getpid, 'ok');

  c = inChild(t, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] });
  t.equal(c.signal, 'SIGSYS', 'KILL_PROCESS: the child dies of SIGSYS');

  // Deny-by-default with everything but getuid allowed: getuid gets the
  // default EPERM, a number above the last one libseccomp knows gets
  // ENOSYS from the stub (the kernel would implement it: never reached).
  const names = allNames();
  const last = Math.max(...names.map((n) => nr(n)));
  c = inChild(t, { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: names.filter((n) => n !== 'getuid'), action: 'SCMP_ACT_ALLOW' }] }, [
    ['getuid', nr('getuid')],
    ['getpid', nr('getpid')],
    ['next', last + 1],
  ]);
  t.equal(c.status, 0, c.stderr + c.stdout);
  t.same(c.out, { loaded: 0, mkdir: 'ok', getuid: -EPERM, getpid: 'ok', next: -ENOSYS });
});

// runts compiles through the addon's libseccomp calls (native/addon.c) and,
// where the addon lacks them, through koffi: both must give the same
// program, byte for byte, and the same flags and warnings. The koffi side
// runs in a child that cannot load the addon.
t.test('the addon and koffi compile the same program', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-seccomp-parity-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const names = allNames();
  const profiles: Record<string, Seccomp> = {
    'every name, one denied with an errno': { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: names.filter((n) => n !== 'getuid'), action: 'SCMP_ACT_ALLOW' }, { names: ['getuid'], action: 'SCMP_ACT_ERRNO', errnoRet: ENETDOWN }] },
    'arguments, architectures, an unknown name': {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_NE' }] },
        { names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['mkdirat', 'no_such_syscall'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    },
    'several conditions in one rule, 64-bit data (struct scmp_arg_cmp)': {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mmap'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0x000f00000000ffff, valueTwo: 0x0001000000000004, op: 'SCMP_CMP_MASKED_EQ' }, { index: 3, value: 2 ** 63, op: 'SCMP_CMP_GE' }, { index: 5, value: 0x100000001, op: 'SCMP_CMP_NE' }] },
        { names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffff000000000000, valueTwo: 0x8000000000000000, op: 'SCMP_CMP_MASKED_EQ' }, { index: 1, value: 3, op: 'SCMP_CMP_LT' }] },
      ],
    },
  };
  const child = `
const [mode, file, build] = process.argv.slice(1);
if (mode === 'koffi') {
  const dlopen = process.dlopen;
  process.dlopen = function (m, f, ...rest) {
    if (String(f).endsWith('runts-addon.node')) throw new Error('hidden');
    return dlopen.call(this, m, f, ...rest);
  };
}
const warnings = [];
const r = require(build + '/seccomp/index.js').compileSeccomp(JSON.parse(require('fs').readFileSync(file, 'utf8')), (w) => warnings.push(w));
const koffi = Object.keys(require.cache).some((k) => k.includes('/koffi/'));
process.stdout.write(JSON.stringify({ bpf: r.bpf.toString('base64'), flags: r.flags, warnings, koffi }));
`;
  const build = path.join(__dirname, '..', '..', 'build');
  for (const [name, profile] of Object.entries(profiles)) {
    const file = path.join(dir, 'profile.json');
    fs.writeFileSync(file, JSON.stringify(profile));
    const [addon, viaKoffi] = ['addon', 'koffi'].map((mode) => {
      const r = spawnSync(process.execPath, ['-e', child, mode, file, build], { encoding: 'utf8' });
      t.equal(r.status, 0, `${name}, ${mode}: ${r.stderr}`);
      return JSON.parse(r.stdout || '{}');
    });
    t.equal(addon.koffi, false, `${name}: the addon's path loads no koffi`);
    t.equal(viaKoffi.koffi, true, `${name}: the other path is koffi's`);
    t.ok(addon.bpf.length > 0, `${name}: a program`);
    t.same({ ...addon, koffi: undefined }, { ...viaKoffi, koffi: undefined }, `${name}: the same program, flags and warnings`);
  }
});
