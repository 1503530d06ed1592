// The criu command lines of checkpoint and restore, as a pure function of
// the options, the container's config and what was found on the host (unit
// tested without criu or root). docs/checkpoint.md maps every flag.
import { RuntsError } from '../errors';

// The options runc 1.1.5's checkpoint and restore share.
export interface CommonCriuOptions {
  imagePath: string;
  workPath?: string;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: string;
  emptyNs?: string[];
  autoDedup?: boolean;
  lazyPages?: boolean;
}

export interface DumpOptions extends CommonCriuOptions {
  tcpSkipInFlight?: boolean; // runc 1.5
  linkRemap?: boolean; // runc 1.5
  parentPath?: string;
  leaveRunning?: boolean;
  preDump?: boolean;
  statusFd?: number;
  pageServer?: string;
}

export interface RestoreOptions extends CommonCriuOptions {
  lsmProfile?: string;
  lsmMountContext?: string;
}

export const MANAGE_CGROUPS_MODES = ['soft', 'full', 'strict', 'ignore'];

// The key criu gives an external network namespace (the same as runc's, so
// that the images of either restore with the other).
export const NETNS_KEY = 'extRootNetNS';

// A mount whose source is on the host: criu cannot dump where it comes from,
// so it is named external at dump (key: the mount point) and bound again from
// its source at restore (compile.ts's hostSourcedMounts lists them).
export interface HostBind {
  destination: string;
  source: string;
}

// What a stdio fd of the container's process was at checkpoint
// (descriptors.json in the image directory, as runc writes it): the link
// text of /proc/PID/fd/N. At restore, the fds of runts's caller take their
// place: criu's --inherit-fd needs the key criu gave each.
export interface StdioFile {
  fd: number;
  link: string;
  // For a file on a mount the container cannot see (the host's /dev/null, a
  // log file): criu's key for it, file[MNT_ID:INODE] in hex.
  externalKey?: string;
}

// The key criu dumps a stdio file under; undefined for files of the
// container's own mounts (criu reopens those by path).
export function inheritKey(f: StdioFile): string | undefined {
  if (/^(pipe|socket):\[\d+\]$/.test(f.link)) return f.link;
  return f.externalKey;
}

export function externalFileKey(mountId: number, inode: bigint | number): string {
  return `file[${mountId.toString(16)}:${inode.toString(16)}]`;
}

function manageCgroups(mode: string | undefined): string {
  const m = mode ?? 'soft';
  if (!MANAGE_CGROUPS_MODES.includes(m)) throw new RuntsError(`--manage-cgroups-mode: must be one of ${MANAGE_CGROUPS_MODES.join(', ')}; got "${m}"`);
  return `--manage-cgroups=${m}`;
}

// runc's --empty-ns takes namespace names as the spec spells them; criu
// supports only the network namespace there.
function emptyNs(list: string[] | undefined): string[] {
  const out: string[] = [];
  for (const ns of list ?? []) {
    if (ns !== 'network') throw new RuntsError(`--empty-ns: only "network" can be left empty by criu; got "${ns}"`);
    out.push('--empty-ns', 'net');
  }
  return out;
}

function common(o: CommonCriuOptions, logName: string): string[] {
  const args = ['--images-dir', o.imagePath, '--work-dir', o.workPath ?? o.imagePath, '--log-file', logName, '-v4'];
  if (o.tcpEstablished) args.push('--tcp-established');
  if (o.extUnixSk) args.push('--ext-unix-sk');
  if (o.shellJob) args.push('--shell-job');
  if (o.fileLocks) args.push('--file-locks');
  if (o.autoDedup) args.push('--auto-dedup');
  if (o.lazyPages) args.push('--lazy-pages');
  args.push(manageCgroups(o.manageCgroupsMode), ...emptyNs(o.emptyNs));
  return args;
}

export interface DumpInput {
  opts: DumpOptions;
  pid: number;
  rootfs: string;
  binds: HostBind[];
  stdio: StdioFile[];
  netnsInode?: number; // the container's network namespace, joined by path
  freezeCgroup?: string; // a paused container: its freezer
}

export function dumpArgs(d: DumpInput): string[] {
  const o = d.opts;
  const args = [o.preDump ? 'pre-dump' : 'dump', '--tree', String(d.pid), '--root', d.rootfs, ...common(o, o.preDump ? 'pre-dump.log' : 'dump.log')];
  // The dumped memory of a parent (pre-dump) is tracked, and only changes are dumped after it.
  if (o.parentPath) args.push('--prev-images-dir', o.parentPath, '--track-mem');
  else if (o.preDump) args.push('--track-mem');
  if (o.leaveRunning && !o.preDump) args.push('--leave-running');
  // runc 1.5's; criu's command line spells the first --skip-in-flight.
  if (o.tcpSkipInFlight) args.push('--skip-in-flight');
  if (o.linkRemap) args.push('--link-remap');
  if (o.statusFd !== undefined && o.statusFd >= 0) {
    if (!o.lazyPages) throw new RuntsError('--status-fd: only with --lazy-pages');
    args.push('--status-fd', String(o.statusFd));
  }
  if (o.pageServer) {
    const m = /^(.*):(\d+)$/.exec(o.pageServer);
    if (!m || !m[1]) throw new RuntsError(`--page-server: must be ADDRESS:PORT; got "${o.pageServer}"`);
    args.push('--page-server', '--address', m[1], '--port', m[2]);
  }
  if (d.freezeCgroup) args.push('--freeze-cgroup', d.freezeCgroup);
  for (const b of d.binds) args.push('--external', `mnt[${b.destination}]:${b.destination}`);
  if (d.netnsInode !== undefined) args.push('--external', `net[${d.netnsInode}]:${NETNS_KEY}`);
  for (const f of d.stdio) if (f.externalKey) args.push('--external', f.externalKey);
  return args;
}

export interface RestoreInput {
  opts: RestoreOptions;
  rootfs: string;
  binds: HostBind[];
  stdio: StdioFile[];
  pidFile: string;
  cgroupPath: string; // the container's cgroup, relative to each hierarchy's root
  netnsFd?: number; // criu's fd of the network namespace to restore into
}

export function restoreArgs(r: RestoreInput): string[] {
  const o = r.opts;
  // Detached: criu exits once the tree runs again; the tree's root is then
  // the container's process, a child of whoever reaps criu's orphans.
  const args = ['restore', '--restore-detached', '--pidfile', r.pidFile, '--root', r.rootfs, ...common(o, 'restore.log'), '--cgroup-root', r.cgroupPath];
  if (o.lsmProfile) {
    const m = /^(apparmor|selinux):(.+)$/.exec(o.lsmProfile);
    if (!m) throw new RuntsError(`--lsm-profile: must be TYPE:NAME with TYPE apparmor or selinux; got "${o.lsmProfile}"`);
    args.push('--lsm-profile', o.lsmProfile);
  }
  if (o.lsmMountContext) args.push('--lsm-mount-context', o.lsmMountContext);
  for (const b of r.binds) args.push('--external', `mnt[${b.destination}]:${b.source}`);
  if (r.netnsFd !== undefined) args.push('--inherit-fd', `fd[${r.netnsFd}]:${NETNS_KEY}`);
  const inherited = new Set<string>();
  for (const f of r.stdio) {
    const key = inheritKey(f);
    if (!key || inherited.has(key)) continue;
    inherited.add(key);
    args.push('--inherit-fd', `fd[${f.fd}]:${key}`);
  }
  return args;
}
