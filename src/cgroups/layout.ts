// Which cgroup hierarchies this host has, read from the mount table, never
// guessed: v1 (one hierarchy per controller set), v2 (one unified tree) or
// hybrid (both, as on this project's development hosts).
import * as fs from 'node:fs';

export interface Hierarchy {
  mountpoint: string;
  version: 1 | 2;
  controllers: string[]; // v1: from the mount options (cpu, name=systemd, ...); v2: cgroup.controllers
  // v2 mounted with nsdelegate: a process in a cgroup namespace may not move
  // to (or be cloned into) a cgroup outside it, nor from one.
  nsdelegate?: boolean;
}

export interface Layout {
  kind: 'v1' | 'v2' | 'hybrid' | 'none';
  hierarchies: Hierarchy[];
}

let cached: Layout | undefined;

export function detectLayout(mountinfo = '/proc/self/mountinfo'): Layout {
  if (cached && mountinfo === '/proc/self/mountinfo') return cached;
  const hierarchies: Hierarchy[] = [];
  for (const line of fs.readFileSync(mountinfo, 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountpoint = line.slice(0, sep).split(' ')[4];
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup') {
      // Not controllers: the mount's own options, and SELinux's (seclabel,
      // the *context= ones), which a host with SELinux adds to every cgroup
      // mount, as /proc/PID/cgroup never names them.
      const controllers = superOpts
        .split(',')
        .filter((o) => !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children', 'xattr', 'noprefix', 'cpuset_v2_mode', 'favordynmods', 'seclabel'].includes(o) && !/^(release_agent|context|fscontext|defcontext|rootcontext)=/.test(o));
      hierarchies.push({ mountpoint, version: 1, controllers });
    } else if (fstype === 'cgroup2') {
      let controllers: string[] = [];
      try {
        controllers = fs.readFileSync(`${mountpoint}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
      } catch {
        /* an unreadable cgroup2 root still counts as a hierarchy */
      }
      hierarchies.push({ mountpoint, version: 2, controllers, nsdelegate: superOpts.split(',').includes('nsdelegate') });
    }
  }
  // The same hierarchy may be mounted twice (bind mounts): keep the first.
  const seen = new Set<string>();
  const unique = hierarchies.filter((h) => {
    const key = h.version + ':' + h.controllers.join(',');
    if (h.version === 2) return !seen.has('2') && seen.add('2') !== undefined;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const v1 = unique.some((h) => h.version === 1);
  const v2 = unique.some((h) => h.version === 2);
  const layout: Layout = { kind: v1 && v2 ? 'hybrid' : v1 ? 'v1' : v2 ? 'v2' : 'none', hierarchies: unique };
  if (mountinfo === '/proc/self/mountinfo') cached = layout;
  return layout;
}
