// The systemd cgroup manager (--systemd-cgroup): systemd makes the
// container's cgroup, a transient scope (or slice) started over D-Bus with
// the container's stage 0 in it, Delegate=yes, and the limits it has
// properties for (systemd-units.ts); the rest is written through cgroupfs
// into the delegated unit (apply.ts), as runc does. Only this file and
// systemd-bus.ts load dbus-next; manager.ts requires this one when a record
// or the flag says systemd.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { debug } from '../log';
import { applyResources } from './apply';
import { createCgroup, removeCgroup, CgroupRecord } from './dirs';
import { detectLayout, Layout } from './layout';
import type { CgroupManager } from './manager';
import type { LinuxResources } from './resources';
import { SystemdBus } from './systemd-bus';
import { annotationPointer, annotationProperties, PROPERTY_PREFIX } from './systemd-props';
import { baseProperties, resourceProperties, resourcePropertiesV1, unitName, UnitName } from './systemd-units';

export interface ScopeRequest {
  id: string;
  cgroupsPath?: string;
  user: boolean; // rootless: the user's own systemd
  pid: number; // the process that goes in first (the init's stage 0)
  resources: LinuxResources;
  linuxDevices?: { path: string }[];
  // The config's annotations: org.systemd.property.* are unit properties
  // (systemd-props.ts), checked already by create and restore.
  annotations?: Record<string, string>;
  // Called before systemd is asked, with what delete --force needs to undo
  // it if runts dies mid-create (creating.json).
  note: (record: CgroupRecord) => void;
}

export interface Scope {
  record: CgroupRecord;
  // The resources to write through cgroupfs now (cpu quota rounded as the
  // unit's property is).
  resources: LinuxResources;
}

// The unit, with the pid in it, or an error and nothing left behind.
export async function createScope(req: ScopeRequest, layout: Layout = detectLayout()): Promise<Scope> {
  const name = unitName(req.cgroupsPath, req.id, req.user);
  const systemd = { unit: name.unit, user: req.user };
  req.note({ path: `${name.sliceDir}/${name.unit}`, dirs: [], created: [], systemd });
  const bus = new SystemdBus({ user: req.user });
  try {
    // On v1 and hybrid hosts systemd's resource properties are the v1 ones
    // (MemoryLimit, CPUShares, ...).
    const { props, resources } = (layout.kind === 'v2' ? resourceProperties : resourcePropertiesV1)(req.resources, { linuxDevices: req.linuxDevices });
    // The annotations' properties after runts's own, which they may
    // override (as runc's), and before the resources', so that the limits
    // systemd applies are the config's, as the files written after them
    // (runc sets the resources after the unit has started).
    const extra = annotationProperties(req.annotations);
    await start(bus, name, [...baseProperties(name, req.pid, `runts container ${req.id}`), ...extra, ...props], req.annotations);
    let record: CgroupRecord;
    try {
      record = placed(req.pid, name, layout, systemd);
    } catch (err) {
      await stop(bus, name.unit);
      throw err;
    }
    debug(`systemd: ${name.unit} started, cgroup ${record.path}`);
    return { record, resources };
  } finally {
    bus.close();
  }
}

async function start(bus: SystemdBus, name: UnitName, props: ReturnType<typeof baseProperties>, annotations?: Record<string, string>): Promise<void> {
  let result: string;
  try {
    result = await bus.startTransientUnit(name.unit, props);
  } catch (err) {
    if (SystemdBus.errorName(err) !== 'org.freedesktop.systemd1.UnitExists') throw refusedAnnotation(err as Error, annotations);
    // A failed unit of that name, left over, goes once; a live one is another container's.
    await bus.resetFailedUnit(name.unit).catch(() => undefined);
    try {
      result = await bus.startTransientUnit(name.unit, props);
    } catch (again) {
      if (SystemdBus.errorName(again) !== 'org.freedesktop.systemd1.UnitExists') throw again;
      throw new RuntsError(`systemd: unit ${name.unit} already exists (another container's /linux/cgroupsPath names the same unit)`);
    }
  }
  if (result !== 'done') {
    await stop(bus, name.unit);
    throw new RuntsError(`systemd: could not start ${name.unit} in ${name.slice}: job ${result}${result === 'timeout' ? ` (no answer in ${30} s)` : ''}`);
  }
}

// systemd refused the unit: when annotations gave it properties, the error
// names the one systemd names ("Cannot set property X, or unknown
// property."), or else all of them (a value of the wrong type gets only an
// errno from systemd, e.g. ENXIO).
export function refusedAnnotation(err: Error, annotations: Record<string, string> | undefined): Error {
  const keys = Object.keys(annotations ?? {}).filter((k) => k.startsWith(PROPERTY_PREFIX));
  if (!keys.length) return err;
  // TimeoutStopSec goes to systemd as TimeoutStopUSec (systemd-props.ts).
  const names = (k: string) => [k.slice(PROPERTY_PREFIX.length), k.slice(PROPERTY_PREFIX.length).replace(/([a-z])Sec$/, '$1USec')];
  const named = keys.find((k) => names(k).some((n) => new RegExp(`\\b${n}\\b`).test(err.message)));
  if (named) return new RuntsError(`config.json: ${annotationPointer(named)}: ${err.message}`, { file: 'config.json', pointer: annotationPointer(named) });
  return new RuntsError(`${err.message} (the unit's properties include ${keys.map(annotationPointer).join(', ')}: check their names and types, e.g. "uint64 123" for a property of type t)`);
}

// Kills what is in the unit, stops it and lets systemd forget it. A unit
// systemd has not loaded is gone already, with nothing to stop or reset:
// the usual case at delete, as systemd stops a scope whose processes have
// all exited (and a transient unit that stopped well is dropped). KillUnit
// answers NoSuchUnit only then (a failed unit is still loaded), and so
// spares delete the stop job's three calls and the reset, which under
// containerd's CRI count against the 10 s it gives an exit's cleanup.
export async function stop(bus: Pick<SystemdBus, 'killUnit' | 'stopUnit' | 'resetFailedUnit'>, unit: string): Promise<string[]> {
  const gone = (err: unknown) => ['org.freedesktop.systemd1.NoSuchUnit', 'org.freedesktop.systemd1.LoadFailed'].includes(SystemdBus.errorName(err));
  const failed: string[] = [];
  try {
    await bus.killUnit(unit, 9);
  } catch (err) {
    if (SystemdBus.errorName(err) === 'org.freedesktop.systemd1.NoSuchUnit') return failed;
    if (!gone(err)) debug(`systemd: kill ${unit}: ${(err as Error).message}`);
  }
  try {
    const result = await bus.stopUnit(unit);
    if (result !== 'done') failed.push(`${unit}: stop job ${result}`);
  } catch (err) {
    if (!gone(err)) failed.push(`${unit}: ${(err as Error).message}`);
  }
  await bus.resetFailedUnit(unit).catch(() => undefined);
  return failed;
}

// Where systemd put the pid: its cgroup in each hierarchy, from
// /proc/PID/cgroup. On v1 and hybrid hosts systemd places it in the
// name=systemd hierarchy (and the controllers it manages); the other v1
// hierarchies get the same path made and joined through cgroupfs, as
// runc's v1 systemd manager does.
function placed(pid: number, name: UnitName, layout: Layout, systemd: CgroupRecord['systemd']): CgroupRecord {
  let lines: string[];
  try {
    lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  } catch (err) {
    throw new RuntsError(`systemd: ${name.unit}: the container's process is gone (${(err as NodeJS.ErrnoException).code})`);
  }
  const byControllers = new Map(lines.map((l) => {
    const [, ctl, p] = /^\d+:([^:]*):(.*)$/.exec(l) ?? [];
    return [ctl, p] as [string, string];
  }));
  const sdPath = layout.kind === 'v2' ? byControllers.get('') : byControllers.get('name=systemd') ?? byControllers.get('');
  if (!sdPath || path.posix.basename(sdPath) !== name.unit) {
    throw new RuntsError(`systemd: ${name.unit} started, but the container's process is in ${sdPath ?? 'no systemd cgroup'}`);
  }
  const dirs: string[] = [];
  const missing: Layout['hierarchies'] = [];
  for (const h of layout.hierarchies) {
    const p = byControllers.get(h.version === 2 ? '' : h.controllers.join(','));
    if (p === sdPath) dirs.push(path.join(h.mountpoint, p));
    else missing.push(h);
  }
  if (missing.length) {
    const made = createCgroup(sdPath, { kind: layout.kind, hierarchies: missing });
    for (const dir of made.dirs) {
      try {
        fs.writeFileSync(path.join(dir, fs.existsSync(path.join(dir, 'cgroup.procs')) ? 'cgroup.procs' : 'tasks'), String(pid));
      } catch (err) {
        removeCgroup(made);
        throw new RuntsError(`systemd: join ${dir}: ${(err as NodeJS.ErrnoException).code}`);
      }
      dirs.push(dir);
    }
  }
  // All of them the container's own: delete may kill what is in them.
  return { path: sdPath, dirs, created: [...dirs], systemd };
}

export function systemdManager(user: boolean): CgroupManager {
  const withBus = async <T>(fn: (bus: SystemdBus) => Promise<T>): Promise<T> => {
    const bus = new SystemdBus({ user });
    try {
      return await fn(bus);
    } finally {
      bus.close();
    }
  };
  return {
    name: 'systemd',
    // The unit's properties first (so that systemd does not put back what
    // the files say on its next reload), then the files.
    set: (record, resources, opts) =>
      withBus(async (bus) => {
        const v2 = (opts.layout ?? detectLayout()).kind === 'v2';
        const { props, resources: files } = (v2 ? resourceProperties : resourcePropertiesV1)(resources, { skipDevices: opts.skipDevices, linuxDevices: opts.linuxDevices });
        if (props.length) await bus.setUnitProperties(record.systemd!.unit, props);
        applyResources(record, files, opts);
      }),
    destroy: (record) =>
      withBus(async (bus) => {
        const failed = await stop(bus, record.systemd!.unit);
        return [...failed, ...removeCgroup(record)];
      }).catch((err: Error) => [`${record.systemd!.unit}: ${err.message}`, ...removeCgroup(record)]),
  };
}
