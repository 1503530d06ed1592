// The facts of this host that the compiler needs, gathered for real.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupRecord } from '../cgroups';
import type { CgroupMountSource, HostFacts } from './compile';
import { inInitialUserNs } from '../rootless';
import type { LsmFacts } from './lsm';
import { onlineNodes } from './mempolicy';

// The container's cgroup directories as its cgroup mount binds them (compile.ts's
// compileCgroupMount; hostSourcedMounts for criu).
export function cgroupMountSources(record: CgroupRecord | undefined): CgroupMountSource[] {
  if (!record) return [];
  return record.dirs.map((dir) => {
    const mountpoint = dir.slice(0, dir.length - record.path.length);
    // A single v2 hierarchy at /sys/fs/cgroup is mounted as is; others by their directory name.
    const single = record.dirs.length === 1 && !mountpoint.endsWith('/unified');
    return { name: single ? '' : path.basename(mountpoint), hostDir: dir };
  });
}

// Reads <rootfs>/etc/passwd without following a link out of the rootfs.
function homeFrom(rootfs: string, uid: number): string | undefined {
  try {
    const file = fs.realpathSync(path.join(rootfs, 'etc/passwd'));
    const root = fs.realpathSync(rootfs);
    if (!file.startsWith(root + '/')) return undefined;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') return f[5] || undefined;
    }
  } catch {
    /* no passwd file: HOME=/ */
  }
  return undefined;
}

export function hostFacts(rootfs: string, cgroup: CgroupRecord | undefined): HostFacts {
  return {
    hasKcore: fs.existsSync('/proc/kcore'),
    cgroupMounts: cgroupMountSources(cgroup),
    sourceKind: (p) => {
      try {
        return fs.statSync(p).isDirectory() ? 'dir' : 'file';
      } catch {
        return 'missing';
      }
    },
    homeOf: (uid) => homeFrom(rootfs, uid),
    inUserNs: !inInitialUserNs(),
    rootEuid: process.geteuid?.() === 0,
    lsm: lsmFacts(),
    // Read only by a config with a memory policy.
    get numaNodes() {
      return onlineNodes();
    },
  };
}

const SELINUX_MAGIC = 0xf97cff8c;
const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

// AppArmor and SELinux as runc finds them (docs/lsm.md). Getters, so that
// a config without labels reads no file.
export function lsmFacts(): LsmFacts {
  let profiles: Set<string> | undefined | null = null;
  return {
    get apparmor() {
      return fs.existsSync('/sys/kernel/security/apparmor') && read('/sys/module/apparmor/parameters/enabled')?.[0] === 'Y';
    },
    get selinux() {
      try {
        if (fs.statfsSync('/sys/fs/selinux').type !== SELINUX_MAGIC || !fs.existsSync('/sys/fs/selinux/enforce')) return false;
      } catch {
        return false;
      }
      return read('/proc/self/attr/current')?.replace(/[\0\n]+$/, '') !== 'kernel';
    },
    // Lines "name (mode)"; only root (CAP_MAC_ADMIN) may read the list.
    apparmorProfiles: () => {
      if (profiles === null) {
        const text = read('/sys/kernel/security/apparmor/profiles');
        profiles = text === undefined ? undefined : new Set(text.split('\n').filter(Boolean).map((l) => l.replace(/ \([^()]*\)$/, '')));
      }
      return profiles;
    },
  };
}
