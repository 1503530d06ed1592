// Where each controller of a container lives. On a hybrid host a controller
// is where the host bound it: a v1 hierarchy that has it, else the v2 tree if
// its root lists it in cgroup.controllers (hugetlb on this project's hosts).
import * as path from 'node:path';
import type { Layout, Hierarchy } from './layout';
import type { CgroupIo } from './fsio';

export interface CgroupDirs {
  path: string; // the cgroup path inside each hierarchy, e.g. /runts/abc
  dirs: string[];
}

export interface Target {
  version: 1 | 2;
  dir: string; // the container's directory in that hierarchy
  mountpoint: string;
}

export class Placement {
  constructor(
    readonly record: CgroupDirs,
    readonly layout: Layout,
  ) {}

  private dirOf(h: Hierarchy): string | undefined {
    const dir = path.join(h.mountpoint, this.record.path);
    return this.record.dirs.includes(dir) ? dir : undefined;
  }

  // The v1 hierarchy bound to a controller (cpu, memory, name=systemd, ...).
  v1(controller: string): Target | undefined {
    for (const h of this.layout.hierarchies) {
      if (h.version !== 1 || !h.controllers.includes(controller)) continue;
      const dir = this.dirOf(h);
      if (dir) return { version: 1, dir, mountpoint: h.mountpoint };
    }
    return undefined;
  }

  // The container's directory in the v2 tree, whatever controllers it has.
  v2(): Target | undefined {
    for (const h of this.layout.hierarchies) {
      if (h.version !== 2) continue;
      const dir = this.dirOf(h);
      if (dir) return { version: 2, dir, mountpoint: h.mountpoint };
    }
    return undefined;
  }

  v2Controllers(): string[] {
    return this.layout.hierarchies.find((h) => h.version === 2)?.controllers ?? [];
  }

  // v1 if a v1 hierarchy has the controller, else v2 if the v2 root offers it.
  controller(name: string): Target | undefined {
    const v1 = this.v1(name);
    if (v1) return v1;
    if (this.v2Controllers().includes(name)) return this.v2();
    return undefined;
  }

  // The freezer: the v1 freezer hierarchy, else cgroup.freeze of the v2 tree.
  freezer(): Target | undefined {
    return this.v1('freezer') ?? this.v2();
  }
}

// A v2 controller works in a cgroup only when every ancestor enables it in
// cgroup.subtree_control. Enable it from the root down to the container's
// parent (never in the container's own directory: it holds processes).
export function enableV2Controller(io: CgroupIo, target: Target, controller: string): void {
  const rel = path.relative(target.mountpoint, path.dirname(target.dir));
  const parts = rel && rel !== '.' ? rel.split('/') : [];
  let dir = target.mountpoint;
  for (let i = 0; ; i++) {
    const enabled = io.read(dir, 'cgroup.subtree_control').trim().split(/\s+/);
    if (!enabled.includes(controller)) io.write(dir, 'cgroup.subtree_control', `+${controller}`);
    if (i >= parts.length) break;
    dir = path.join(dir, parts[i]);
  }
}
