// The container's cgroup directories: one per hierarchy, created before the
// container's process runs, removed by delete. Only directories runts made
// are ever removed. (Apart from the rest of src/cgroups/, which index.ts
// gathers: delete needs only this, and the light commands' bundle stays
// small without the resource, stats and BPF code: docs/performance.md,
// item 24.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { detectLayout, Layout } from './layout';
import { sleepSync } from '../sys/sleep';

export interface CgroupRecord {
  path: string; // the cgroup path inside each hierarchy, e.g. /runts/abc
  dirs: string[]; // the container's directory in each hierarchy
  created: string[]; // directories runts created, parents first
  // The manager, chosen at create (manager.ts): absent, cgroupfs; with
  // --systemd-cgroup, the unit systemd made (its directories, in created
  // too, are the container's own) and whose manager: the user's (rootless,
  // session bus) or the system's.
  systemd?: { unit: string; user: boolean };
}

// The spec leaves relative paths to the runtime: runts puts them, and the
// default (no cgroupsPath), under /runts.
// With --systemd-cgroup, cgroupsPath is "slice:prefix:name" (runc's form)
// and names a unit that systemd makes (systemd.ts): this is the directory it
// gets below the manager's root (see systemdCgroupPath).
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string, systemd = false, rootless = false): string {
  if (systemd) return systemdCgroupPath(cgroupsPath, id, rootless);
  if (!cgroupsPath) return `/runts/${id}`;
  const p = cgroupsPath.startsWith('/') ? cgroupsPath : `/runts/${cgroupsPath}`;
  const norm = path.posix.normalize(p);
  if (norm === '/' ) throw new RuntsError('/linux/cgroupsPath: must name a cgroup below the root; got "/"');
  return norm;
}

// "system.slice:docker:1234" -> /system.slice/docker-1234.scope, and a
// slice's dashes are its parents ("a-b.slice" lives in /a.slice/a-b.slice),
// as systemd lays units out (systemd-units.ts). No cgroupsPath:
// /system.slice/runts-<id>.scope; an empty slice is system.slice
// (user.slice rootless, below the user's manager); a name ending in .slice is
// that slice.
export function systemdCgroupPath(cgroupsPath: string | undefined, id: string, rootless = false): string {
  // Required here: the light commands' bundle has no use for it.
  const { unitName } = require('./systemd-units') as typeof import('./systemd-units');
  const { unit, sliceDir } = unitName(cgroupsPath, id, rootless);
  return `${sliceDir}/${unit}`;
}

// mkdir first: the parent (/runts) is there nearly always, so this is one
// system call per hierarchy; a missing parent (ENOENT) is made, then the
// directory again. ENOENT once more (a concurrent delete took the parent)
// goes to createCgroup, which tries again.
function mkdirTracked(dir: string, created: string[], hierarchyRoot: string): void {
  for (let madeParent = false; ; madeParent = true) {
    try {
      fs.mkdirSync(dir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return; // there already, or made by a concurrent create: not ours
      const parent = path.dirname(dir);
      if (code !== 'ENOENT' || madeParent || parent.length <= hierarchyRoot.length) throw err;
      mkdirTracked(parent, created, hierarchyRoot);
    }
  }
  created.push(dir);
}

// A v1 cpuset cgroup with empty cpus or mems takes no task (ENOSPC). As
// runc does, every directory from the hierarchy's root down to dir that is
// empty gets its parent's, parents first: the ones just made and the ones
// there already (a parent made by hand or by an engine, left empty). A set
// already there is never changed. The init's fill_cpuset_chain is the same.
function fillCpusetChain(dir: string, hierarchyRoot: string): void {
  if (dir.length <= hierarchyRoot.length) return;
  const parent = path.dirname(dir);
  if (parent.length > hierarchyRoot.length) fillCpusetChain(parent, hierarchyRoot);
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    if (fs.readFileSync(path.join(dir, f), 'utf8').trim()) continue;
    fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(parent, f), 'utf8').trim());
  }
}

// Runts made the container's directory in every hierarchy: then everything
// in them is the container's (delete may kill it), and nobody else's cgroup
// is touched.
export function madeEverywhere(record: CgroupRecord): boolean {
  return record.dirs.every((d) => record.created.includes(d));
}

// The container's directory in each hierarchy, as createCgroup makes it
// (and the early init, told with `mkcgroup`: docs/init-protocol.md).
export interface PlannedDir {
  root: string; // the hierarchy's mountpoint
  dir: string;
  cpuset: boolean; // a v1 cpuset directory, to fill with its parent's cpus and mems
}

export function plannedDirs(cgPath: string, layout: Layout = detectLayout()): PlannedDir[] {
  return layout.hierarchies.map((h) => ({ root: h.mountpoint, dir: path.join(h.mountpoint, cgPath), cpuset: h.version === 1 && h.controllers.includes('cpuset') }));
}

// The record of a cgroup not made yet, for create's note (state.ts,
// writeCreatingNote): every planned directory, and as made, those missing
// now with their missing parents (parents first), which is what
// createCgroup or the init will make. delete --force of a create killed
// before it knew more removes those of them that exist.
export function plannedRecord(cgPath: string, planned: PlannedDir[]): CgroupRecord {
  const created: string[] = [];
  for (const { root, dir } of planned) {
    const missing: string[] = [];
    for (let d = dir; d.length > root.length && !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) if (!created.includes(d)) created.push(d);
  }
  return { path: cgPath, dirs: planned.map((p) => p.dir), created };
}

export function createCgroup(cgPath: string, layout: Layout = detectLayout()): CgroupRecord {
  const record: CgroupRecord = { path: cgPath, dirs: [], created: [] };
  try {
    for (const { root, dir, cpuset } of plannedDirs(cgPath, layout)) {
      // A concurrent delete may remove an empty parent (such as /runts)
      // between our check and our mkdir: then make it again.
      for (let attempt = 0; ; attempt++) {
        try {
          mkdirTracked(dir, record.created, root);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
        }
      }
      record.dirs.push(dir);
      if (cpuset) fillCpusetChain(dir, root);
    }
  } catch (err) {
    removeCgroup(record);
    throw new RuntsError(`create cgroup ${cgPath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return record;
}

// A cgroup that exists before create must be one a container may start in,
// as runc 1.5 requires: without processes (another container's would share
// its limits and be killed by its delete) and not frozen (the container's
// init would stop on joining it, and create would never return).
// `missing`: directories known not to exist a moment ago (create's note
// has just looked), not read again: a failed read costs Node an exception.
export function checkExistingCgroup(dirs: string[], missing: readonly string[] = []): void {
  for (const dir of dirs) {
    if (missing.includes(dir)) continue;
    let procs: string;
    try {
      procs = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
    } catch {
      continue; // not there yet: create makes it
    }
    const n = procs.split('\n').filter(Boolean).length;
    if (n > 0) throw new RuntsError(`container's cgroup is not empty: ${n} process(es) found in ${dir}`);
    if (isFrozen(dir)) throw new RuntsError(`container's cgroup unexpectedly frozen: ${dir}`);
  }
}

function isFrozen(dir: string): boolean {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const v1 = read('freezer.state');
  if (v1 !== undefined) return v1 !== 'THAWED';
  return read('cgroup.freeze') === '1' || /^frozen 1$/m.test(read('cgroup.events') ?? '');
}

export function cgroupPids(record: CgroupRecord): number[] {
  for (const dir of record.dirs) {
    try {
      return fs
        .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      /* try the next hierarchy */
    }
  }
  return [];
}

// rmdir the container's own directories, the ones runts created. A cgroup
// whose last process is still exiting reports EBUSY for a moment: retry
// briefly. Then, best effort, the parents this container created and the
// default parent /runts, when they are empty: another container using them
// keeps them (EBUSY), and a create racing with their removal makes them again.
export function removeCgroup(record: CgroupRecord): string[] {
  const failed: string[] = [];
  const deadline = Date.now() + 2000;
  for (const dir of record.dirs.filter((d) => record.created.includes(d))) {
    giveBackRtBudget(dir);
    for (;;) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && Date.now() < deadline) {
          sleepSync(0.5);
          continue;
        }
        failed.push(`${dir}: ${code}`);
        break;
      }
    }
  }
  for (const dir of cgroupParents(record)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      /* in use by another container, or gone */
    }
  }
  return failed;
}

// A v1 cpu cgroup's real-time budget outlives its rmdir by a second or so
// (src/cgroups/apply.ts, writeRtBudget): given back first, a new container
// can have it at once. Elsewhere there is no such file.
function giveBackRtBudget(dir: string): void {
  try {
    if (fs.readFileSync(path.join(dir, 'cpu.rt_runtime_us'), 'utf8').trim() !== '0') fs.writeFileSync(path.join(dir, 'cpu.rt_runtime_us'), '0');
  } catch {
    /* not a cpu hierarchy, or no real-time group scheduling */
  }
}

// The parents removeCgroup tries after the container's own directories,
// deepest first: those this container created, and the default /runts.
export function cgroupParents(record: CgroupRecord): string[] {
  const parents = new Set(record.created.filter((d) => !record.dirs.includes(d)));
  if (record.path.startsWith('/runts/')) {
    for (const dir of record.dirs) parents.add(dir.slice(0, dir.length - record.path.length) + '/runts');
  }
  return [...parents].sort((a, b) => b.length - a.length);
}

