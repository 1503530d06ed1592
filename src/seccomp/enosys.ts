// runc's -ENOSYS stub (libcontainer/seccomp/patchbpf), ported: a few cBPF
// instructions put in front of libseccomp's program so that a syscall newer
// than every syscall the profile names gets ENOSYS instead of the default
// action. Programs (glibc first) fall back from a syscall they get ENOSYS
// for (clone3, faccessat2, fchmodat2, ...), while EPERM from a profile's
// default ERRNO action makes them fail. Like runc, "newer" is "numbered above
// the largest syscall the profile names, on that architecture".
import * as os from 'node:os';

// struct sock_filter: u16 code, u8 jt, u8 jf, u32 k.
export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const BPF_LD_W_ABS = 0x20;
const BPF_JA = 0x05;
const BPF_JEQ_K = 0x15;
const BPF_JGT_K = 0x25;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

const ld = (off: number): Insn => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: off });
const ja = (skip: number): Insn => ({ code: BPF_JA, jt: 0, jf: 0, k: skip });
const ret = (v: number): Insn => ({ code: BPF_RET_K, jt: 0, jf: 0, k: v >>> 0 });
// Conditional jumps, as golang.org/x/net/bpf assembles them: the negated
// conditions swap the true and false offsets.
const jeq = (k: number, t: number, f = 0): Insn => ({ code: BPF_JEQ_K, jt: t, jf: f, k: k >>> 0 });
const jne = (k: number, t: number, f = 0): Insn => ({ code: BPF_JEQ_K, jt: f, jf: t, k: k >>> 0 });
const jgt = (k: number, t: number, f = 0): Insn => ({ code: BPF_JGT_K, jt: t, jf: f, k: k >>> 0 });
const jle = (k: number, t: number, f = 0): Insn => ({ code: BPF_JGT_K, jt: f, jf: t, k: k >>> 0 });
const jset = (k: number, t: number, f = 0): Insn => ({ code: BPF_JSET_K, jt: t, jf: f, k: k >>> 0 });
const jnset = (k: number, t: number, f = 0): Insn => ({ code: BPF_JSET_K, jt: f, jf: t, k: k >>> 0 });

// struct seccomp_data: int nr at 0, u32 arch at 4.
const OFF_NR = 0;
const OFF_ARCH = 4;

// libseccomp's arch tokens are the kernel's AUDIT_ARCH_* values, except x32
// (a token of its own; to the kernel an x32 syscall is an x86_64 one with
// bit 30 of the number set).
export const SCMP_ARCH_X86_64 = 0xc000003e;
export const SCMP_ARCH_X32 = 0x4000003e;
const SCMP_ARCH_S390 = 0x16;
const SCMP_ARCH_S390X = 0x80000016;
const X32_SYSCALL_BIT = 0x40000000;

export function auditArch(token: number): number {
  return token === SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token;
}

export const ACT_ERRNO_ENOSYS = (0x00050000 | (os.constants.errno.ENOSYS & 0xffff)) >>> 0;

// For each audit arch, the largest syscall number per libseccomp arch token
// (x86_64 and x32 share one audit arch, so that one may hold two).
export type LastSyscalls = Map<number, Map<number, number>>;

// generateEnosysStub of runc's patchbpf, instruction for instruction (the
// architectures in a fixed order rather than Go's map order).
export function enosysStub(last: LastSyscalls): Insn[] {
  const jumpTable = new Map<number, number>();
  let tail: Insn[] = [
    ja(1), // fall through into the filter
    ret(ACT_ERRNO_ENOSYS), // jumped to: ENOSYS
  ];

  for (const [arch, maxes] of last) {
    if (maxes.size === 0) continue;
    const baseJumpEnosys = tail.length - 1;
    const baseJumpFilter = baseJumpEnosys + 1;
    const section: Insn[] = [ld(OFF_NR)];

    if (maxes.size === 1) {
      const [[token, sysno]] = [...maxes];
      // s390: a syscall number unknown to the kernel is left as 0 (setup(2),
      // long gone, used to multiplex large numbers): ENOSYS for it too.
      if (token === SCMP_ARCH_S390 || token === SCMP_ARCH_S390X) section.push(jne(0, 1), ret(ACT_ERRNO_ENOSYS));
      let sectionTail: Insn[] =
        baseJumpEnosys + 1 <= 255
          ? [jgt(sysno, baseJumpEnosys + 1), ja(baseJumpFilter)]
          : [jle(sysno, 1), ret(ACT_ERRNO_ENOSYS), ja(baseJumpFilter)];
      if (arch === SCMP_ARCH_X86_64) {
        // Only one of the x86_64 and x32 ABIs is in the filter: the other
        // goes straight to the filter.
        sectionTail =
          token === SCMP_ARCH_X32
            ? [jnset(X32_SYSCALL_BIT, sectionTail.length - 1), ...sectionTail]
            : [jset(X32_SYSCALL_BIT, sectionTail.length - 1), ...sectionTail];
      }
      section.push(...sectionTail);
    } else if (maxes.size === 2 && arch === SCMP_ARCH_X86_64 && maxes.has(SCMP_ARCH_X86_64) && maxes.has(SCMP_ARCH_X32)) {
      const x86 = maxes.get(SCMP_ARCH_X86_64)!;
      const x32 = maxes.get(SCMP_ARCH_X32)!;
      if (baseJumpEnosys + 2 <= 255) {
        section.push(jset(X32_SYSCALL_BIT, 1), jgt(x86, baseJumpEnosys + 2, 1), jgt(x32, baseJumpEnosys + 1), ja(baseJumpFilter));
      } else {
        section.push(jset(X32_SYSCALL_BIT, 1), jgt(x86, 1, 2), jle(x32, 1), ret(ACT_ERRNO_ENOSYS), ja(baseJumpFilter));
      }
    } else {
      throw new Error(`seccomp: unexpected architecture overlap on audit arch 0x${arch.toString(16)}`);
    }

    tail = [...section, ...tail];
    jumpTable.set(arch, tail.length);
  }

  // Any other architecture goes to the filter (and its bad-arch action).
  tail = [ja(tail.length), ...tail];
  for (const arch of last.keys()) {
    const at = jumpTable.get(arch);
    if (at === undefined) continue;
    const jump = tail.length - at;
    tail = jump <= 255 ? [jeq(arch, jump), ...tail] : [jne(arch, 1), ja(jump), ...tail];
  }
  return [ld(OFF_ARCH), ...tail];
}

export function encode(insns: Insn[]): Buffer {
  const out = Buffer.alloc(insns.length * 8);
  const le = os.endianness() === 'LE';
  insns.forEach((i, n) => {
    const o = n * 8;
    if (le) out.writeUInt16LE(i.code, o);
    else out.writeUInt16BE(i.code, o);
    out.writeUInt8(i.jt, o + 2);
    out.writeUInt8(i.jf, o + 3);
    if (le) out.writeUInt32LE(i.k >>> 0, o + 4);
    else out.writeUInt32BE(i.k >>> 0, o + 4);
  });
  return out;
}

export function decode(bpf: Buffer): Insn[] {
  const le = os.endianness() === 'LE';
  const out: Insn[] = [];
  for (let o = 0; o + 8 <= bpf.length; o += 8) {
    out.push({
      code: le ? bpf.readUInt16LE(o) : bpf.readUInt16BE(o),
      jt: bpf.readUInt8(o + 2),
      jf: bpf.readUInt8(o + 3),
      k: le ? bpf.readUInt32LE(o + 4) : bpf.readUInt32BE(o + 4),
    });
  }
  return out;
}
