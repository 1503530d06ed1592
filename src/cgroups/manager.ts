// The cgroup manager of a container: one interface, two implementations,
// as runc's libcontainer/cgroups (fs, systemd) and crun's cgroup-cgroupfs.c
// and cgroup-systemd.c are split.
//  - cgroupfs (no flag): runts makes the directories itself (the init does,
//    while Node compiles the plan: dirs.ts) and writes the limits
//    (apply.ts).
//  - systemd (--systemd-cgroup): systemd makes a transient unit over D-Bus
//    with the container's stage 0 in it, and the limits it has properties
//    for; the rest is written through cgroupfs into the delegated unit, as
//    runc does (systemd.ts).
// Chosen once, at create: the record in state.json says which
// (CgroupRecord.systemd), so update, delete and a failed create's cleanup
// use the same manager without deciding again. Reading the cgroup (pause,
// resume, ps, events, stats, exec's join, checkpoint) is the same for both:
// files of the record's directories.
import { applyResources, ApplyOptions } from './apply';
import { removeCgroup, CgroupRecord } from './dirs';
import type { LinuxResources } from './resources';

export interface CgroupManager {
  readonly name: 'cgroupfs' | 'systemd';
  // New limits on an existing cgroup (create's second half, and update).
  set(record: CgroupRecord, resources: LinuxResources, opts: ApplyOptions): Promise<void>;
  // Removes the cgroup (its processes are dead or killed already); what
  // could not be removed, one line each.
  destroy(record: CgroupRecord): Promise<string[]>;
}

export const cgroupfs: CgroupManager = {
  name: 'cgroupfs',
  set: async (record, resources, opts) => applyResources(record, resources, opts),
  destroy: async (record) => removeCgroup(record),
};

// The manager a record was made by. The systemd one is required only here,
// so that no command without it loads dbus-next.
export function managerOf(record: CgroupRecord): CgroupManager {
  if (!record.systemd) return cgroupfs;
  const { systemdManager } = require('./systemd') as typeof import('./systemd');
  return systemdManager(record.systemd.user);
}
