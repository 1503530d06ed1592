// delete: only a stopped container, unless --force kills it first. Removes
// its cgroup and state, then runs the poststop hooks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { warn } from '../log';
import { cgroupPids, madeEverywhere, CgroupRecord } from '../cgroups/dirs';
import { managerOf } from '../cgroups/manager';
import { detectLayout } from '../cgroups/layout';
import { isAlive } from '../sys/proc';
import { runHooksWarning } from './hooks';
import { containerDir, creatingFile, detachHostMounts, lockContainer, readSaved, removeStateDir, Saved, stateFile, statusOf, toState } from './state';
import { sleepSync } from '../sys/sleep';

function killAndWait(saved: Saved): void {
  const targets = new Set<number>([saved.pid]);
  // Without its own pid namespace, killing the first process does not end the others.
  if (saved.cgroup && madeEverywhere(saved.cgroup)) {
    for (const p of cgroupPids(saved.cgroup)) targets.add(p);
  }
  // A frozen cgroup must thaw for SIGKILL to be acted on.
  thaw(saved);
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  // A killed process is gone within a millisecond or so: poll finely, for up to 10 s.
  const deadline = Date.now() + 10_000;
  while (isAlive(saved.pid, saved.startTime) && Date.now() < deadline) sleepSync(0.5);
}

function thaw(saved: Saved): void {
  for (const dir of saved.cgroup?.dirs ?? []) {
    try {
      if (dir.includes('/freezer/')) fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED');
      else if (fs.existsSync(path.join(dir, 'cgroup.freeze'))) fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
    } catch {
      /* no freezer */
    }
  }
}

function killCgroupProcesses(cgroup: CgroupRecord): void {
  if (!madeEverywhere(cgroup)) return;
  for (const p of cgroupPids(cgroup)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// create's note of the directories it made (state.ts, creatingFile), if it
// got that far and the note is whole.
function interruptedCgroup(dir: string): CgroupRecord | undefined {
  let note: unknown;
  try {
    note = JSON.parse(fs.readFileSync(creatingFile(dir), 'utf8'));
  } catch {
    return undefined;
  }
  // Directories inside this host's cgroup hierarchies, nothing else.
  const roots = detectLayout().hierarchies.map((h) => `${h.mountpoint}/`);
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && !x.includes('/../') && roots.some((r) => x.startsWith(r)));
  const r = note as Partial<CgroupRecord> | null;
  if (!r || typeof r.path !== 'string' || !strings(r.dirs) || !strings(r.created)) return undefined;
  // A unit systemd made for it (or was asked to make): a plain unit name.
  const sd = r.systemd;
  if (sd !== undefined && !(typeof sd === 'object' && sd && typeof sd.unit === 'string' && /^[\w:.@\\-]+\.(scope|slice)$/.test(sd.unit) && typeof sd.user === 'boolean')) return undefined;
  return { path: r.path, dirs: r.dirs, created: r.created, ...(sd ? { systemd: { unit: sd.unit, user: sd.user } } : {}) };
}

// Through the manager that made it (manager.ts): systemd stops its unit.
async function destroyCgroup(cgroup: CgroupRecord): Promise<void> {
  for (const f of await managerOf(cgroup).destroy(cgroup)) warn(`delete: cannot remove cgroup ${f}`);
}

// heldLock: the container's lock, taken already (run's waiter); closed here.
export async function deleteContainer(root: string, id: string, force: boolean, heldLock?: number): Promise<void> {
  const dir = containerDir(root, id);
  if (!fs.existsSync(dir)) {
    if (heldLock !== undefined) fs.closeSync(heldLock);
    // As runc: --force on a container that is already gone is not an error
    // (engines clean up with it unconditionally).
    if (force) return;
    throw new RuntsError(`container "${id}" does not exist`);
  }
  const lock = heldLock ?? lockContainer(dir);
  try {
    if (!fs.existsSync(stateFile(dir))) {
      // A create that died before writing state: its cgroup directories, if
      // it made them, and what runs in them go with the directory.
      if (!force) throw new RuntsError(`container "${id}" has no state (a create was interrupted); use --force to remove it`);
      const cgroup = interruptedCgroup(dir);
      if (cgroup) {
        killCgroupProcesses(cgroup);
        await destroyCgroup(cgroup);
      }
      removeStateDir(dir);
      return;
    }
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status !== 'stopped') {
      if (!force) throw new RuntsError(`cannot delete container "${id}": it is ${status}, not stopped (use --force to kill it first)`);
      killAndWait(saved);
    }
    if (saved.cgroup) {
      // Processes that outlived PID 1 (no pid namespace) go too.
      killCgroupProcesses(saved.cgroup);
      await destroyCgroup(saved.cgroup);
    }
    if (saved.hostMounts) detachHostMounts(saved.hostMounts);
    removeStateDir(dir);
    runHooksWarning('poststop', saved.hooks?.poststop, toState(saved, 'stopped'));
  } finally {
    fs.closeSync(lock);
  }
}
