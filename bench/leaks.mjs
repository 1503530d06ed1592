// What a runtime may leave behind: state directories, cgroup directories,
// mounts. The concurrent row counts them; cleanup removes ours.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TMP } from './runtimes.mjs';

// Cgroup directories anywhere under /sys/fs/cgroup (every v1 hierarchy, or the
// v2 tree) whose name matches, children before their parents.
export function cgroupDirsWhere(match) {
  const found = [];
  const walk = (dir, depth) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (depth < 8) walk(p, depth + 1);
      if (match(e.name)) found.push(p);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

export function mountsMentioning(s) {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(s));
  } catch {
    return [];
  }
}

export function leaksOf(rt, ids) {
  const idSet = new Set(ids);
  let stateDirs = [];
  try {
    stateDirs = fs.readdirSync(rt.root).filter((e) => idSet.has(e));
  } catch {
    /* no root: nothing left */
  }
  return { stateDirs, cgroupDirs: cgroupDirsWhere((name) => idSet.has(name)), mounts: mountsMentioning(TMP) };
}
