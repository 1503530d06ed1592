// Mount options as config.json writes them, turned into what mount(2) and
// mount_setattr(2) take. Anything not a flag is filesystem data.

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64,
  DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192,
  REC: 16384, SILENT: 32768, POSIXACL: 1 << 16, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19,
  SHARED: 1 << 20, RELATIME: 1 << 21, I_VERSION: 1 << 23, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME: 0x70, RELATIME: 0, NOATIME: 0x10,
  STRICTATIME: 0x20, NODIRATIME: 0x80, IDMAP: 0x100000, NOSYMFOLLOW: 0x200000,
} as const;

// option -> [set, clear]
const FLAGS: Record<string, [number, number]> = {
  ro: [MS.RDONLY, 0], rw: [0, MS.RDONLY],
  nosuid: [MS.NOSUID, 0], suid: [0, MS.NOSUID],
  nodev: [MS.NODEV, 0], dev: [0, MS.NODEV],
  noexec: [MS.NOEXEC, 0], exec: [0, MS.NOEXEC],
  sync: [MS.SYNCHRONOUS, 0], async: [0, MS.SYNCHRONOUS],
  dirsync: [MS.DIRSYNC, 0],
  remount: [MS.REMOUNT, 0],
  mand: [MS.MANDLOCK, 0], nomand: [0, MS.MANDLOCK],
  noatime: [MS.NOATIME, 0], atime: [0, MS.NOATIME],
  nodiratime: [MS.NODIRATIME, 0], diratime: [0, MS.NODIRATIME],
  relatime: [MS.RELATIME, 0], norelatime: [0, MS.RELATIME],
  strictatime: [MS.STRICTATIME, 0], nostrictatime: [0, MS.STRICTATIME],
  lazytime: [MS.LAZYTIME, 0], nolazytime: [0, MS.LAZYTIME],
  nosymfollow: [MS.NOSYMFOLLOW, 0], symfollow: [0, MS.NOSYMFOLLOW],
  silent: [MS.SILENT, 0], loud: [0, MS.SILENT],
  acl: [MS.POSIXACL, 0], noacl: [0, MS.POSIXACL],
  iversion: [MS.I_VERSION, 0], noiversion: [0, MS.I_VERSION],
  defaults: [0, 0],
  bind: [MS.BIND, 0], rbind: [MS.BIND | MS.REC, 0],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Recursive attributes, applied with mount_setattr(AT_RECURSIVE): option -> [set, clear]
const RECURSIVE: Record<string, [number, number]> = {
  rro: [MOUNT_ATTR.RDONLY, 0], rrw: [0, MOUNT_ATTR.RDONLY],
  rnosuid: [MOUNT_ATTR.NOSUID, 0], rsuid: [0, MOUNT_ATTR.NOSUID],
  rnodev: [MOUNT_ATTR.NODEV, 0], rdev: [0, MOUNT_ATTR.NODEV],
  rnoexec: [MOUNT_ATTR.NOEXEC, 0], rexec: [0, MOUNT_ATTR.NOEXEC],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, 0], rdiratime: [0, MOUNT_ATTR.NODIRATIME],
  rrelatime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME], rnorelatime: [0, 0],
  rnoatime: [MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME], ratime: [0, MOUNT_ATTR.NOATIME],
  rstrictatime: [MOUNT_ATTR.STRICTATIME, MOUNT_ATTR.ATIME], rnostrictatime: [0, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, 0], rsymfollow: [0, MOUNT_ATTR.NOSYMFOLLOW],
};

export interface MountOptions {
  flags: number; // MS_* to pass to mount(2), bind and rec included
  cleared: number; // MS_* turned off explicitly (rw, suid, dev, exec...)
  propagation: number[]; // applied one by one after the mount
  attrSet: number; // mount_setattr, recursive
  attrClr: number;
  idmap: 'none' | 'idmap' | 'ridmap';
  copyUp: boolean; // tmpcopyup (podman): the new tmpfs starts with a copy of what it covers
  data: string[]; // everything else, handed to the filesystem
}

export function parseMountOptions(options: string[] = []): MountOptions {
  const out: MountOptions = { flags: 0, cleared: 0, propagation: [], attrSet: 0, attrClr: 0, idmap: 'none', copyUp: false, data: [] };
  for (const opt of options) {
    if (opt in FLAGS) {
      const [set, clr] = FLAGS[opt];
      out.flags = (out.flags & ~clr) | set;
      out.cleared = (out.cleared & ~set) | clr;
    } else if (opt in PROPAGATION) {
      out.propagation.push(PROPAGATION[opt]);
    } else if (opt in RECURSIVE) {
      const [set, clr] = RECURSIVE[opt];
      out.attrSet = (out.attrSet & ~clr) | set;
      out.attrClr |= clr;
    } else if (opt === 'tmpcopyup') {
      out.copyUp = true;
    } else if (opt === 'idmap' || opt === 'ridmap') {
      out.idmap = opt;
    } else {
      out.data.push(opt);
    }
  }
  return out;
}

export function propagationFlag(name: string): number | undefined {
  return PROPAGATION[name];
}
