// libseccomp.so.2 (and the few libc calls seccomp compilation needs) through
// bin/runts-addon.node, or through koffi where the addon lacks them (an
// older build) or cannot find libseccomp. Loaded on first use only: a
// container without linux.seccomp never pays for it, nor needs libseccomp
// installed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Koffi from 'koffi';
import { RuntsError } from '../errors';
import { runtsAddon, RuntsAddon } from '../sys/addon';

// An opaque scmp_filter_ctx as koffi hands it back, or the addon's handle.
export type Ctx = object | number;

// struct scmp_arg_cmp, with BigInt data.
export interface ArgCmp {
  arg: number;
  op: number;
  datum_a: bigint;
  datum_b: bigint;
}

export interface Libseccomp {
  init: (defAction: number) => Ctx | null;
  release: (ctx: Ctx) => void;
  archAdd: (ctx: Ctx, token: number) => number;
  archNative: () => number;
  archResolve: (name: string) => number;
  resolveName: (name: string) => number;
  resolveNameArch: (token: number, name: string) => number;
  ruleAdd: (ctx: Ctx, action: number, syscall: number, count: number, args: ArgCmp[] | null) => number;
  attrSet: (ctx: Ctx, attr: number, value: number) => number;
  exportBpf: (ctx: Ctx, fd: number) => number;
  version: () => { major: number; minor: number; micro: number };
  memfdCreate: (name: string, flags: number) => number;
  // Raw seccomp(2): only used to probe which filter flags the kernel knows.
  seccompProbe: (flags: number) => number;
  errno: () => number;
}

// enum scmp_filter_attr
export const SCMP_FLTATR_CTL_NNP = 3;
export const SCMP_FLTATR_CTL_TSYNC = 4;
export const SCMP_FLTATR_CTL_OPTIMIZE = 8;

// libseccomp returns __NR_SCMP_ERROR for a name it does not know at all.
// Other negative numbers are its pseudo syscalls (a name that exists on
// another architecture only, e.g. socketcall on x86_64): valid in rules.
export const NR_SCMP_ERROR = -1;

let lib: Libseccomp | undefined;

// Through bin/runts-addon.node where it has libseccomp's calls (native/addon.c):
// loading koffi and binding through it was about a third of the CPU of a
// create with an engine's seccomp profile (docs/performance.md, item 36).
// Otherwise through koffi, which also says why libseccomp cannot be loaded.
export function getLibseccomp(): Libseccomp {
  if (lib) return lib;
  const addon = runtsAddon();
  if (addon?.scmpOpen?.()) return (lib = throughAddon(addon));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const koffi = require('koffi') as typeof Koffi;
  let so: Koffi.LibraryHandle;
  try {
    so = koffi.load('libseccomp.so.2');
  } catch (err) {
    throw new RuntsError(`seccomp: cannot load libseccomp.so.2 (is libseccomp2 installed?): ${(err as Error).message}`);
  }
  const libc = koffi.load('libc.so.6');
  const ctxType = koffi.pointer('runts_scmp_filter_ctx', koffi.opaque());
  const argCmp = koffi.struct('runts_scmp_arg_cmp', {
    arg: 'unsigned int',
    op: 'int',
    datum_a: 'uint64_t',
    datum_b: 'uint64_t',
  });
  const verType = koffi.struct('runts_scmp_version', { major: 'unsigned int', minor: 'unsigned int', micro: 'unsigned int' });
  const ruleAdd = so.func('seccomp_rule_add_array', 'int', [ctxType, 'uint32_t', 'int', 'unsigned int', koffi.pointer(argCmp)]);
  const version = so.func('seccomp_version', koffi.pointer(verType), []);
  const resolveName = so.func('int seccomp_syscall_resolve_name(const char *)');
  const syscall = libc.func('long syscall(long, ...)');
  let sysSeccomp: number | undefined;

  lib = {
    init: so.func('seccomp_init', ctxType, ['uint32_t']),
    release: so.func('seccomp_release', 'void', [ctxType]),
    archAdd: so.func('seccomp_arch_add', 'int', [ctxType, 'uint32_t']),
    archNative: so.func('uint32_t seccomp_arch_native(void)'),
    archResolve: so.func('uint32_t seccomp_arch_resolve_name(const char *)'),
    resolveName,
    resolveNameArch: so.func('int seccomp_syscall_resolve_name_arch(uint32_t, const char *)'),
    ruleAdd: (ctx, action, nr, count, args) => ruleAdd(ctx, action >>> 0, nr, count, count > 0 ? args : null),
    attrSet: so.func('seccomp_attr_set', 'int', [ctxType, 'int', 'uint32_t']),
    exportBpf: so.func('seccomp_export_bpf', 'int', [ctxType, 'int']),
    version: () => koffi.decode(version(), verType) as { major: number; minor: number; micro: number },
    memfdCreate: libc.func('int memfd_create(const char *, unsigned int)'),
    seccompProbe: (flags) => {
      const nr = (sysSeccomp ??= resolveName('seccomp'));
      if (nr < 0) return -1;
      // SECCOMP_SET_MODE_FILTER with a NULL program: the kernel checks the
      // flags first (EINVAL if unknown), then fails to read the program
      // (EFAULT). Nothing is ever installed. libseccomp probes the same way.
      return Number(syscall(nr, 'unsigned int', 1, 'unsigned int', flags, 'void *', null));
    },
    errno: () => koffi.errno(),
  };
  return lib;
}

// The addon's handles start at 1; -1 is a failed seccomp_init.
function throughAddon(a: RuntsAddon): Libseccomp {
  const h = (ctx: Ctx) => ctx as number;
  return {
    init: (action) => {
      const handle = a.scmpInit(action >>> 0);
      return handle > 0 ? handle : null;
    },
    release: (ctx) => a.scmpRelease(h(ctx)),
    archAdd: (ctx, token) => a.scmpArchAdd(h(ctx), token >>> 0),
    archNative: () => a.scmpArchNative(),
    archResolve: (name) => a.scmpArchResolve(name),
    resolveName: (name) => a.scmpResolveName(name),
    resolveNameArch: (token, name) => a.scmpResolveNameArch(token >>> 0, name),
    ruleAdd: (ctx, action, nr, count, args) => a.scmpRuleAdd(h(ctx), action >>> 0, nr >>> 0, count, count > 0 && args ? argCmps(args) : undefined),
    attrSet: (ctx, attr, value) => a.scmpAttrSet(h(ctx), attr, value >>> 0),
    exportBpf: (ctx, fd) => a.scmpExportBpf(h(ctx), fd),
    version: () => {
      const [major, minor, micro] = (a.libseccompVersion?.() ?? '0.0.0').split('.').map(Number);
      return { major, minor, micro };
    },
    memfdCreate: (name, flags) => a.memfdCreate(name, flags),
    seccompProbe: (flags) => a.seccompProbe(flags >>> 0),
    errno: () => a.lastErrno(),
  };
}

// struct scmp_arg_cmp[] as libseccomp (seccomp.h) lays it out: unsigned int
// arg, enum scmp_compare op (4 bytes each), then uint64_t datum_a and datum_b
// (8 each, at offsets 8 and 16: no padding), 24 bytes. Typed arrays are in
// the host's byte order, as the C struct is in memory: one writer serves
// every host, as koffi's struct of the same fields does on its path.
function argCmps(args: ArgCmp[]): Buffer {
  const mem = new ArrayBuffer(24 * args.length);
  const u32 = new Uint32Array(mem);
  const i32 = new Int32Array(mem);
  const u64 = new BigUint64Array(mem);
  args.forEach((c, i) => {
    u32[6 * i] = c.arg;
    i32[6 * i + 1] = c.op;
    u64[3 * i + 1] = c.datum_a;
    u64[3 * i + 2] = c.datum_b;
  });
  return Buffer.from(mem);
}

const MFD_CLOEXEC = 1;

// seccomp_export_bpf writes to an fd; read the program back from an
// in-memory file (a pipe could fill up and block on a large filter).
export function exportBpf(l: Libseccomp, ctx: Ctx): Buffer {
  let fd = l.memfdCreate('runts-seccomp', MFD_CLOEXEC);
  let tmp: string | undefined;
  if (fd < 0) {
    // No memfd (very old kernel or a sandbox): an unlinked temporary file.
    tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runts-seccomp-')), 'bpf');
    fd = fs.openSync(tmp, 'w+', 0o600);
  }
  try {
    const rc = l.exportBpf(ctx, fd);
    if (rc < 0) throw new RuntsError(`seccomp: exporting the filter failed: ${errnoText(-rc)}`);
    const size = fs.fstatSync(fd).size;
    const out = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, out, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } finally {
    fs.closeSync(fd);
    if (tmp) fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  }
}

// "EINVAL" for 22, as the rest of runts names errnos.
export function errnoText(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}
