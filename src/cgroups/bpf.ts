// cgroup v2 has no devices files: access is decided by an eBPF program of
// type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This builds that
// program from the device rules (pure, unit-tested) and loads and attaches
// it with bpf(2) through koffi.
//
// Semantics, as on v1: a rule of type "a" resets everything (allow or deny
// all); later rules override earlier ones. The program tries the rules from
// the last to the first: an allow rule decides when it grants every access
// asked for, a deny rule when it denies any of them; no match: the default.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import type { DeviceRule } from './resources';

// struct bpf_cgroup_dev_ctx { u32 access_type (type | access << 16); u32 major; u32 minor; }
const BPF_DEVCG_DEV_BLOCK = 1;
const BPF_DEVCG_DEV_CHAR = 2;
const ACC = { m: 1, r: 2, w: 4 } as const; // BPF_DEVCG_ACC_MKNOD, _READ, _WRITE
const ACC_ALL = 7;

// Opcodes (linux/bpf.h, linux/bpf_common.h).
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54;
const ALU32_RSH_K = 0x74;
const ALU32_MOV_K = 0xb4;
const ALU32_MOV_X = 0xbc;
const JMP_JNE_K = 0x55;
const JMP_JNE_X = 0x5d;
const JMP_JEQ_K = 0x15;
const JMP_EXIT = 0x95;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number | 'next'; // 'next': to the start of the next rule's block
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: Insn['off'], imm: number): Insn => ({ code, dst, src, off, imm });

function accessBits(access: string | undefined): number {
  let bits = 0;
  for (const c of access || 'rwm') bits |= ACC[c as keyof typeof ACC] ?? 0;
  return bits;
}

// The effective rule list: what is left after the last "a" rule, and the default.
export function effectiveRules(rules: DeviceRule[]): { defaultAllow: boolean; rules: DeviceRule[] } {
  let defaultAllow = false; // as runc's emulator: no "a" rule means deny by default
  let list: DeviceRule[] = [];
  for (const r of rules) {
    if ((r.type || 'a') === 'a') {
      defaultAllow = r.allow;
      list = [];
    } else {
      list.push(r);
    }
  }
  return { defaultAllow, rules: list };
}

export function deviceFilterProgram(rules: DeviceRule[]): Buffer {
  const eff = effectiveRules(rules);
  const insns: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(ALU32_AND_K, 2, 0, 0, 0xffff), // w2 &= 0xffff: the device type
    insn(LDX_MEM_W, 3, 1, 0, 0), // r3 = ctx->access_type
    insn(ALU32_RSH_K, 3, 0, 0, 16), // w3 >>= 16: the access asked for
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = ctx->major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = ctx->minor
  ];
  for (const r of [...eff.rules].reverse()) {
    const block: Insn[] = [];
    block.push(insn(JMP_JNE_K, 2, 0, 'next', r.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    if (r.major !== undefined && r.major >= 0) block.push(insn(JMP_JNE_K, 4, 0, 'next', r.major | 0));
    if (r.minor !== undefined && r.minor >= 0) block.push(insn(JMP_JNE_K, 5, 0, 'next', r.minor | 0));
    const acc = accessBits(r.access);
    if (acc !== ACC_ALL) {
      block.push(insn(ALU32_MOV_X, 1, 3, 0, 0)); // w1 = w3
      block.push(insn(ALU32_AND_K, 1, 0, 0, acc)); // w1 &= acc
      // allow: every access asked for is granted (w1 == w3); deny: any is denied (w1 != 0)
      block.push(r.allow ? insn(JMP_JNE_X, 1, 3, 'next', 0) : insn(JMP_JEQ_K, 1, 0, 'next', 0));
    }
    block.push(insn(ALU32_MOV_K, 0, 0, 0, r.allow ? 1 : 0));
    block.push(insn(JMP_EXIT, 0, 0, 0, 0));
    // Jumps are relative to the instruction after the jump.
    block.forEach((b, i) => {
      if (b.off === 'next') b.off = block.length - i - 1;
    });
    insns.push(...block);
  }
  insns.push(insn(ALU32_MOV_K, 0, 0, 0, eff.defaultAllow ? 1 : 0));
  insns.push(insn(JMP_EXIT, 0, 0, 0, 0));
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((x, i) => {
    buf.writeUInt8(x.code, i * 8);
    buf.writeUInt8((x.src << 4) | x.dst, i * 8 + 1);
    buf.writeInt16LE(x.off as number, i * 8 + 2);
    buf.writeInt32LE(x.imm | 0, i * 8 + 4);
  });
  return buf;
}

// A tiny interpreter of the programs built above (tests check decisions, not bytes).
export function runDeviceFilter(program: Buffer, type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  const regs = new Array<number>(11).fill(0);
  const ctx = [(type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR) | (accessBits(access) << 16), major, minor];
  for (let pc = 0; pc < program.length / 8; pc++) {
    const code = program.readUInt8(pc * 8);
    const dst = program.readUInt8(pc * 8 + 1) & 0xf;
    const src = program.readUInt8(pc * 8 + 1) >> 4;
    const off = program.readInt16LE(pc * 8 + 2);
    const imm = program.readInt32LE(pc * 8 + 4);
    switch (code) {
      case LDX_MEM_W: regs[dst] = ctx[off / 4] >>> 0; break;
      case ALU32_AND_K: regs[dst] = (regs[dst] & imm) >>> 0; break;
      case ALU32_RSH_K: regs[dst] = regs[dst] >>> imm; break;
      case ALU32_MOV_K: regs[dst] = imm >>> 0; break;
      case ALU32_MOV_X: regs[dst] = regs[src] >>> 0; break;
      case JMP_JNE_K: if (regs[dst] !== imm >>> 0) pc += off; break;
      case JMP_JNE_X: if (regs[dst] !== regs[src]) pc += off; break;
      case JMP_JEQ_K: if (regs[dst] === imm >>> 0) pc += off; break;
      case JMP_EXIT: return regs[0] === 1;
      default: throw new Error(`unknown opcode ${code}`);
    }
  }
  throw new Error('the program ran off its end');
}

// bpf(2) commands and attributes.
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const SYS_BPF: Record<string, number> = { x64: 321, arm64: 280, ia32: 357, arm: 386, ppc64: 361, s390x: 351, riscv64: 280, loong64: 280 };

interface Bpf {
  call: (cmd: number, attr: Buffer, size: number) => number;
  errno: () => number;
  address: (buf: Buffer) => bigint;
}

let bpfSys: Bpf | undefined;

function getBpf(): Bpf {
  if (bpfSys) return bpfSys;
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new RuntsError(`cgroup v2 devices: bpf(2) number unknown on ${process.arch}`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { getLibc } = require('../sys/libc') as typeof import('../sys/libc');
  const koffi = getLibc().koffi;
  const lib = koffi.load('libc.so.6');
  const syscall = lib.func('long syscall(long, int, void *, unsigned int)');
  bpfSys = {
    call: (cmd, attr, size) => Number(syscall(nr, cmd, attr, size)),
    errno: () => koffi.errno(),
    address: (buf) => BigInt(koffi.address(buf)),
  };
  return bpfSys;
}

const ERRNO: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 9: 'EBADF', 13: 'EACCES', 22: 'EINVAL', 28: 'ENOSPC', 38: 'ENOSYS', 95: 'EOPNOTSUPP' };
const errName = (n: number) => ERRNO[n] ?? `errno ${n}`;

// The kernel reads these buffers through addresses in an attribute block:
// keep them referenced until the call returned.
const kept: Buffer[] = [];
function keepAlive(...bufs: Buffer[]): void {
  kept.push(...bufs);
  kept.length = 0;
}

function progLoad(b: Bpf, program: Buffer): number {
  const license = Buffer.alloc(8);
  license.write('Apache');
  const log = Buffer.alloc(64 * 1024);
  const attr = Buffer.alloc(128);
  attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0); // prog_type
  attr.writeUInt32LE(program.length / 8, 4); // insn_cnt
  attr.writeBigUInt64LE(b.address(program), 8); // insns
  attr.writeBigUInt64LE(b.address(license), 16); // license
  attr.writeUInt32LE(1, 24); // log_level
  attr.writeUInt32LE(log.length, 28); // log_size
  attr.writeBigUInt64LE(b.address(log), 32); // log_buf
  const fd = b.call(BPF_PROG_LOAD, attr, attr.length);
  keepAlive(program, license, log);
  if (fd < 0) {
    const e = b.errno();
    const text = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim().split('\n').pop();
    throw new RuntsError(`cgroup v2 devices: BPF_PROG_LOAD: ${errName(e)}${text ? ` (${text})` : ''}`);
  }
  return fd;
}

// Programs attached to the cgroup now (their fds), to detach after ours is on.
function attached(b: Bpf, cgroupFd: number): number[] {
  const ids = Buffer.alloc(64 * 4);
  const attr = Buffer.alloc(64);
  attr.writeUInt32LE(cgroupFd, 0); // target_fd
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 4); // attach_type
  attr.writeBigUInt64LE(b.address(ids), 16); // prog_ids
  attr.writeUInt32LE(64, 24); // prog_cnt
  const rc = b.call(BPF_PROG_QUERY, attr, attr.length);
  keepAlive(ids);
  if (rc < 0) throw new RuntsError(`cgroup v2 devices: BPF_PROG_QUERY: ${errName(b.errno())}`);
  const count = attr.readUInt32LE(24);
  const fds: number[] = [];
  for (let i = 0; i < Math.min(count, 64); i++) {
    const a = Buffer.alloc(16);
    a.writeUInt32LE(ids.readUInt32LE(i * 4), 0);
    const fd = b.call(BPF_PROG_GET_FD_BY_ID, a, a.length);
    if (fd >= 0) fds.push(fd);
  }
  return fds;
}

export function attachDeviceProgram(dir: string, program: Buffer): void {
  const b = getBpf();
  const cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  const old: number[] = [];
  let progFd = -1;
  try {
    old.push(...attached(b, cgroupFd));
    progFd = progLoad(b, program);
    const attr = Buffer.alloc(32);
    attr.writeUInt32LE(cgroupFd, 0); // target_fd
    attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8); // attach_type
    attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12); // attach_flags
    if (b.call(BPF_PROG_ATTACH, attr, attr.length) < 0) throw new RuntsError(`cgroup v2 devices: BPF_PROG_ATTACH to ${dir}: ${errName(b.errno())}`);
    // Only the new program may decide: the old ones would still deny.
    for (const fd of old) {
      const d = Buffer.alloc(32);
      d.writeUInt32LE(cgroupFd, 0);
      d.writeUInt32LE(fd, 4);
      d.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
      if (b.call(BPF_PROG_DETACH, d, d.length) < 0) throw new RuntsError(`cgroup v2 devices: BPF_PROG_DETACH from ${dir}: ${errName(b.errno())}`);
    }
  } finally {
    for (const fd of [...old, progFd, cgroupFd]) if (fd >= 0) fs.closeSync(fd);
  }
}

// How many device programs are attached to a cgroup v2 directory (tests).
export function deviceProgramsAttached(dir: string): number {
  const b = getBpf();
  const cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const fds = attached(b, cgroupFd);
    for (const fd of fds) fs.closeSync(fd);
    return fds.length;
  } finally {
    fs.closeSync(cgroupFd);
  }
}
