// exec --cgroup [<controller>[,<controller>...]:]<path>: the new process
// joins a sub-cgroup of the container's cgroup instead of the cgroup itself,
// as runc's exec does. One value without a controller applies to every
// hierarchy (the only form a pure cgroup v2 host has); with controllers,
// only the v1 hierarchies holding them move. The sub-cgroup must exist
// already: the init's join fails otherwise, naming the directory.
import * as path from 'node:path';
import { RuntsError } from '../errors';
import type { Hierarchy } from './layout';

export function subCgroupDirs(dirs: string[], values: string[], hierarchies: Hierarchy[]): string[] {
  if (!values.length) return dirs;
  const wanted = new Map<string, string>(); // controller ("" = every hierarchy) -> sub path
  for (const v of values) {
    const parts = v.split(':');
    if (parts.length > 2) throw new RuntsError(`exec: invalid --cgroup argument: ${v}`);
    if (parts.length === 1) {
      if (values.length !== 1) throw new RuntsError(`exec: invalid --cgroup argument: ${v} (missing <controller>: prefix)`);
      wanted.set('', v);
    } else {
      for (const c of parts[0].split(',')) wanted.set(c, parts[1]);
    }
  }
  const below = (dir: string, sub: string) => {
    const joined = path.join(dir, sub);
    if (joined !== dir && !joined.startsWith(dir + '/')) throw new RuntsError(`exec: --cgroup ${sub}: is not a sub cgroup path`);
    return joined;
  };
  const hierarchyOf = (dir: string) => hierarchies.find((h) => dir === h.mountpoint || dir.startsWith(h.mountpoint + '/'));
  const all = wanted.get('');
  if (all !== undefined) return dirs.map((d) => below(d, all));
  const out = [...dirs];
  for (const [controller, sub] of wanted) {
    const at = dirs.findIndex((d) => {
      const h = hierarchyOf(d);
      return h?.version === 1 && h.controllers.includes(controller);
    });
    if (at < 0) throw new RuntsError(`exec: --cgroup: unknown controller ${controller} (the container has no cgroup v1 hierarchy with it)`);
    out[at] = below(dirs[at], sub);
  }
  return out;
}
