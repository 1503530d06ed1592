// Before the rows: the copy of runts under test, the bundles, and which
// runtimes can run a container on this host.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPTS } from './options.mjs';
import { firstLine } from './util.mjs';
import { BenchError, BUNDLE_SECCOMP, BUNDLE_SLEEP, BUNDLE_TRUE, byName, deleteForce, LOGS, newId, REPO, ROOTFS, rtSync, TMP } from './runtimes.mjs';

// The runts under test: a private copy of bin/ and build/ (see --in-place).
export function copyRunts() {
  const git = (...a) => spawnSync('git', ['-C', REPO, ...a], { encoding: 'utf8' }).stdout?.trim() || undefined;
  const info = { source: REPO, commit: git('rev-parse', '--short', 'HEAD'), dirty: !!git('status', '--porcelain', '--', 'src', 'native', 'schemas', 'scripts') };
  const runts = byName('runts');
  if (!fs.existsSync(runts.bin)) throw new BenchError(`${runts.bin} is missing: run make build first`);
  if (OPTS.inPlace) return { ...info, copy: null };
  const snap = path.join(TMP, 'runts');
  for (const d of ['bin', 'build']) fs.cpSync(path.join(REPO, d), path.join(snap, d), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(snap, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(snap, 'node_modules'));
  runts.bin = path.join(snap, 'bin', 'runts');
  const v = spawnSync(runts.bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new BenchError(`the copy of runts does not run: ${firstLine(v.stderr)}`);
  return { ...info, copy: snap };
}

export function buildBundle() {
  fs.mkdirSync(LOGS, { recursive: true });
  const mk = spawnSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [ROOTFS], { encoding: 'utf8' });
  if (mk.status !== 0) throw new BenchError(`make-rootfs.sh: ${firstLine(mk.stderr) || `exit ${mk.status}`}`);
  // runc's default config when runc is here: its ociVersion (1.0.2-dev) is one
  // every runtime in the comparison parses (crun 1.8 rejects runts's 1.3.0).
  const runc = byName('runc');
  const specBy = runc.bin ? runc : byName('runts');
  const sp = spawnSync(specBy.bin, ['spec'], { cwd: BUNDLE_TRUE, encoding: 'utf8' });
  if (sp.status !== 0) throw new BenchError(`${specBy.name} spec: ${firstLine(sp.stderr)}`);
  const base = JSON.parse(fs.readFileSync(path.join(BUNDLE_TRUE, 'config.json'), 'utf8'));
  const write = (dir, args) => {
    const c = structuredClone(base);
    c.process.terminal = false;
    c.process.args = args;
    c.root = { path: ROOTFS, readonly: true };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, '\t') + '\n');
  };
  write(BUNDLE_TRUE, ['/bin/true']);
  write(BUNDLE_SLEEP, ['sleep', '1000000']);
  const seccomp = engineSeccomp();
  if (seccomp) {
    write(BUNDLE_SECCOMP, ['sleep', '1000000']);
    const file = path.join(BUNDLE_SECCOMP, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    c.linux.seccomp = seccomp;
    fs.writeFileSync(file, JSON.stringify(c, null, '\t') + '\n');
  }
  return { specFrom: `${specBy.name} spec`, ociVersion: base.ociVersion, seccomp: seccomp ? ENGINE_PROFILE : undefined };
}

// Every engine sends a seccomp profile, and compiling one is a large part
// of an engine's create (docs/performance.md, item 36). podman's and
// CRI-O's default, from containers-common, in the OCI form an engine
// writes for x86-64: its unconditional rules and those for this
// architecture (the ones that depend on capabilities or a kernel version
// left out, as an engine would for most containers). undefined where the
// file is missing (the row then says so).
export const ENGINE_PROFILE = '/usr/share/containers/seccomp.json';
function engineSeccomp() {
  let p;
  try {
    p = JSON.parse(fs.readFileSync(ENGINE_PROFILE, 'utf8'));
  } catch {
    return undefined;
  }
  const native = (p.archMap ?? []).find((m) => m.architecture === 'SCMP_ARCH_X86_64');
  const out = { defaultAction: p.defaultAction, architectures: native ? [native.architecture, ...(native.subArchitectures ?? [])] : [], syscalls: [] };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  for (const s of p.syscalls ?? []) {
    const inc = s.includes ?? {};
    if (inc.caps?.length || inc.minKernel || Object.keys(s.excludes ?? {}).length) continue;
    if (inc.arches?.length && !inc.arches.some((a) => ['amd64', 'x86_64', 'x32', '386'].includes(a))) continue;
    const rule = { names: s.names, action: s.action };
    if (s.args?.length) rule.args = s.args;
    if (s.errnoRet !== undefined) rule.errnoRet = s.errnoRet;
    out.syscalls.push(rule);
  }
  return out;
}

export function versionOf(rt) {
  if (!rt.bin) return undefined;
  const r = spawnSync(rt.bin, ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').trim().split('\n').slice(0, 2).join('; ') || undefined;
}

// A runtime takes part once it has run /bin/true here; crun refuses hybrid
// cgroup hosts, and that refusal is the result we report for it.
export function probe(rt) {
  if (!rt.bin) return;
  const id = newId('probe');
  rt.ids.add(id);
  const r = rtSync(rt, ['run', '--bundle', BUNDLE_TRUE, id], { capture: 'file' });
  if (fs.existsSync(path.join(rt.root, id))) deleteForce(rt, id);
  else rt.ids.delete(id);
  if (r.ok) {
    rt.active = true;
    rt.status = 'ok';
  } else {
    rt.status = `refused (${firstLine(r.err) || r.why})`;
  }
}
