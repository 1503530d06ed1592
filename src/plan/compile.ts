// config.json + facts of the host -> the ordered instructions the native init
// carries out (docs/init-protocol.md). Pure: no I/O beyond the facts it is
// given, so it is unit-tested without root and printed by --dry-run.
import * as path from 'node:path';
import { RuntsError } from '../errors';
import type { Config, Hooks, Mount, Namespace, Process } from '../spec/types';
import { CAPABILITIES, NAMESPACES, RLIMITS } from '../spec/tables';
import { Instruction, ins } from './instructions';
import { MS, parseMountOptions, propagationFlag } from './mountflags';
import { checkLsm, CONFIG_NAMES, execLabelSteps, keycreateStep, LsmFacts, mqueueLabelStep, withContext } from './lsm';
import { memoryPolicyStep } from './mempolicy';
import { hookLabel } from '../container/hooks';

export interface CgroupMountSource {
  name: string; // directory under the cgroup mount in the container ("" on a pure v2 host)
  hostDir: string; // the container's cgroup directory on the host
}

export interface HostFacts {
  hasKcore: boolean;
  cgroupMounts: CgroupMountSource[];
  // What a bind source on the host is; decides whether the target is a file or a directory.
  sourceKind: (hostPath: string) => 'dir' | 'file' | 'missing';
  // HOME for a uid, from the container's own /etc/passwd.
  homeOf: (uid: number) => string | undefined;
  // runts itself runs in a user namespace that is not the initial one (as
  // under rootless podman): the kernel then refuses mknod and the other
  // mounts below as it does in a user namespace of the config's.
  inUserNs?: boolean;
  // runts runs with euid 0 (in the initial user namespace or one of an
  // engine's): it can open a bind source for the container's user
  // namespace's root (false: a rootless runts, whose container's root is
  // the same user, as runc's RootlessEUID; absent: as true).
  rootEuid?: boolean;
  // AppArmor and SELinux on this host (absent: neither).
  lsm?: LsmFacts;
  // The NUMA nodes online (linux.memoryPolicy's nodes are checked against them).
  numaNodes?: number[];
}

export const NO_LSM: LsmFacts = { apparmor: false, selinux: false, apparmorProfiles: () => undefined };

// The container's session keyring (runc's name), and the permission bits
// its init adds so that exec'd processes may search for it.
export const sessionKeyring = (id: string) => `_ses.${id}`;
const KEY_USR_SEARCH = 0x80000;
const KEY_OTH_SEARCH = 0x8;

export interface CompileInput {
  config: Config;
  bundle: string;
  barrier: string; // host path of the start fifo
  noPivot?: boolean;
  noNewKeyring?: boolean;
  id?: string; // names the session keyring
  preserveFds?: number;
  consoleSocket?: string; // with process.terminal: where the pty master goes
  socketActivation?: boolean; // runts was started with LISTEN_FDS: pass the preserved fds on as such
  facts: HostFacts;
  debug?: (msg: string) => void;
  seccomp?: SeccompProgram; // compiled by src/seccomp from linux.seccomp
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// The devices every container has (runtime-spec config-linux.md "Default Devices").
export const DEFAULT_DEVICES = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
];

const isBindMount = (m: Mount) => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
const bindsDev = (config: Config) => (config.mounts ?? []).some((m) => clean(m.destination) === '/dev' && isBindMount(m));
const hasDevpts = (config: Config) => (config.mounts ?? []).some((m) => clean(m.destination) === '/dev/pts' && m.type === 'devpts');

// What the kernel refuses to root of a user namespace (mknod, sysfs and
// mqueue without their own namespaces) it refuses whether the namespace is
// the config's or the one runts runs in (HostFacts.inUserNs).
export function isRestricted(config: Config, inUserNs = false): boolean {
  const { created, joined } = namespacesOf(config);
  return created.has('user') || joined.some((n) => n.type === 'user') || inUserNs;
}

// The host directory bound in place of a mount the kernel refuses there:
// sysfs without its own network namespace, mqueue without its own IPC one.
export function hostFallback(type: string, created: Set<string>, restricted: boolean): string | undefined {
  if (!restricted) return undefined;
  if (type === 'sysfs' && !created.has('network')) return '/sys';
  if (type === 'mqueue' && !created.has('ipc')) return '/dev/mqueue';
  return undefined;
}

// The device nodes of /dev (none when the config binds a /dev of its own):
// the spec's defaults, replaced by linux.devices of the same path. With a
// devpts of its own, /dev/ptmx is its ptmx (a symlink), as in runc, even
// when the host's ptmx node is listed (podman --privileged).
export function containerDevices(config: Config): Map<string, { type: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }> {
  const devices = new Map<string, { type: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }>();
  if (bindsDev(config)) return devices;
  for (const d of DEFAULT_DEVICES) devices.set(d.path, { ...d, fileMode: 0o666, uid: 0, gid: 0 });
  for (const d of config.linux?.devices ?? []) devices.set(clean(d.path), d);
  if (hasDevpts(config)) devices.delete('/dev/ptmx');
  return devices;
}

// Every mount whose source is on the host (criu names them external at
// checkpoint and binds them again at restore): the config's bind mounts,
// the fallbacks above, in a user namespace the devices, bound from the
// host, and without a cgroup namespace the binds a cgroup mount is made of
// (compileMount, compileCgroupMount and the device step below make exactly
// these). cgroupMounts: the container's cgroup directories (facts.ts's
// cgroupMountSources of its record, the one made at restore for restore).
// In a cgroup namespace the binds show the namespace's root, which criu
// takes for a cgroup file system of its own to mount afresh.
export function hostSourcedMounts(config: Config, bundle: string, inUserNs = false, cgroupMounts: CgroupMountSource[] = []): { destination: string; source: string }[] {
  const restricted = isRestricted(config, inUserNs);
  const { created, joined } = namespacesOf(config);
  const cgroupns = created.has('cgroup') || joined.some((n) => n.type === 'cgroup');
  const out: { destination: string; source: string }[] = [];
  for (const m of config.mounts ?? []) {
    const destination = clean(m.destination).replace(/(.)\/+$/, '$1'); // as the kernel shows a mount point
    const fallback = hostFallback(m.type ?? '', created, restricted);
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      if (!cgroupns) out.push(...cgroupBinds(destination, cgroupMounts));
    } else if (isBindMount(m)) out.push({ destination, source: path.resolve(bundle, m.source ?? '') });
    else if (fallback) out.push({ destination, source: fallback });
  }
  if (restricted) for (const [p, dev] of containerDevices(config)) if (dev.type !== 'p') out.push({ destination: p, source: p });
  return out;
}

function capMask(names: string[] | undefined): bigint {
  let mask = 0n;
  for (const n of names ?? []) {
    const bit = CAPABILITIES.indexOf(n);
    if (bit >= 0) mask |= 1n << BigInt(bit);
  }
  return mask;
}

function clean(p: string): string {
  return path.posix.normalize('/' + p);
}

export function namespacesOf(config: Config): { joined: Namespace[]; created: Set<Namespace['type']> } {
  const list = config.linux?.namespaces ?? [];
  return {
    joined: list.filter((n) => n.path),
    created: new Set(list.filter((n) => !n.path).map((n) => n.type)),
  };
}

export function compile(input: CompileInput): Instruction[] {
  const { config, facts } = input;
  const linux = config.linux ?? {};
  const proc = config.process;
  if (!proc || !proc.args?.length) throw new RuntsError('config.json: /process/args: must not be empty');
  if (!config.root) throw new RuntsError('config.json: /root: is required on Linux');
  const rootfs = path.resolve(input.bundle, config.root.path);
  const { joined, created } = namespacesOf(config);
  // Without a mount namespace of its own the container's mounts are made in
  // the runtime's: runts then leaves the host's / alone, always chroots, and
  // delete detaches the whole tree under the rootfs (see ownsMounts).
  const hasMountNs = created.has('mount') || joined.some((n) => n.type === 'mount');
  const userNs = created.has('user') || joined.some((n) => n.type === 'user');
  const restricted = isRestricted(config, facts.inUserNs);
  const lsm = { apparmorProfile: proc.apparmorProfile, selinuxLabel: proc.selinuxLabel, mountLabel: linux.mountLabel };
  checkLsm(lsm, facts.lsm ?? NO_LSM, CONFIG_NAMES);
  const plan: Instruction[] = [];
  const add = (i: Instruction) => plan.push(i);

  // Idmapped mounts need a user namespace with each mount's mappings, made
  // while the init is still in the runtime's user namespace.
  const idmaps = new Map<number, number>(); // mount index -> idmap namespace index
  (config.mounts ?? []).forEach((m, i) => {
    const opts = parseMountOptions(m.options);
    if (opts.idmap === 'none' && !m.uidMappings && !m.gidMappings) return;
    if (!m.uidMappings?.length || !m.gidMappings?.length) throw new RuntsError(`config.json: /mounts/${i}: an idmapped mount needs both uidMappings and gidMappings`);
    const fmt = (ms: { containerID: number; hostID: number; size: number }[]) => ms.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
    add(ins('idmap-userns', `make the id mapping of mount ${m.destination}`, fmt(m.uidMappings), fmt(m.gidMappings)));
    idmaps.set(i, idmaps.size);
  });
  // In a user namespace, a bind source the container's root cannot reach
  // (or an idmapped mount, which it may not make of a host file system) is
  // opened by a helper with runts's credentials, as runc's parent opens
  // it; made before any namespace, asked in mount order (mountsrc.c).
  const fromHost = userNs && facts.rootEuid !== false && (config.mounts ?? []).some(isBindMount);
  if (fromHost) add(ins('source-helper', 'start the helper that opens bind sources from the host\'s side'));

  // The engine's sockets are host paths, connected from the host's side as
  // runc's parent connects them: before any namespace is joined or made (a
  // user namespace's root may not reach a socket in a 0700 directory, a
  // joined mount namespace would resolve the path in its own mounts).
  if (proc.terminal) {
    if (!input.consoleSocket) throw new RuntsError('config.json: /process/terminal is true: create needs --console-socket to hand over the terminal (or set it to false)');
    add(ins('console-connect', `connect to the console socket ${input.consoleSocket}`, path.resolve(input.consoleSocket)));
  }
  if (input.seccomp?.listenerPath) add(listenerConnect(input.seccomp.listenerPath));

  // --- Stage 0: namespaces. The user namespace first (the others are then
  // owned by it), the mount namespace last among the joined ones (a path
  // opened after joining it would resolve in the container's mounts).
  const joinOrder = [...joined].sort((a, b) => rank(a.type) - rank(b.type));
  for (const ns of joinOrder.filter((n) => n.type === 'user')) {
    add(ins('setns', `join user namespace ${ns.path}`, ns.path!, 'user'));
  }
  if (created.has('user')) {
    add(ins('unshare', 'create user namespace', 'user'));
    add(ins('sync', 'write id mappings', 'usermap'));
  }
  if (userNs) add(ins('become-root', 'become root in the user namespace'));
  for (const ns of joinOrder.filter((n) => n.type !== 'user')) {
    add(ins('setns', `join ${ns.type} namespace ${ns.path}`, ns.path!, NAMESPACES[ns.type].op));
  }
  // The cgroup namespace waits for the fork: its root is the cgroup its
  // maker is in, and the process enters its cgroup2 directory only there.
  const others = [...created].filter((t) => t !== 'user' && t !== 'cgroup').sort((a, b) => rank(a) - rank(b));
  if (others.length) {
    add(ins('unshare', `create ${others.join(', ')} namespaces`, others.map((t) => NAMESPACES[t].op).join(',')));
  }
  if (linux.timeOffsets && created.has('time')) {
    const clockIds: Record<string, number> = { monotonic: 1, boottime: 7 };
    const lines = Object.entries(linux.timeOffsets).map(([clock, o]) => {
      if (!(clock in clockIds)) throw new RuntsError(`config.json: /linux/timeOffsets/${clock}: must be monotonic or boottime`);
      return `${clockIds[clock]} ${o.secs ?? 0} ${o.nanosecs ?? 0}`;
    });
    add(ins('write', 'set time namespace offsets', '/proc/self/timens_offsets', lines.join('\n') + '\n'));
  }
  add(ins('fork', 'start the container process'));
  if (created.has('cgroup')) add(ins('unshare', 'create cgroup namespace', NAMESPACES.cgroup.op));
  // A new network namespace starts with lo down: up, as runc and crun do.
  if (created.has('network')) add(ins('loopback-up', 'set the loopback interface up'));
  // The runtime moves linux.netDevices into the network namespace the
  // process is in now (src/container/netdevices.ts).
  if (Object.keys(linux.netDevices ?? {}).length) add(ins('sync', 'move network devices in', 'netdevices'));

  // --- Stage 1: the container's process.
  add(ins('setsid', 'new session'));
  // The keyring is created with the container's SELinux label (as runc),
  // and made searchable (by its user, or by others in a user namespace,
  // whose ids the keyring's owner need not share) so that exec'd processes
  // join it by name (plan/exec.ts).
  if (!input.noNewKeyring) keycreateStep(proc.selinuxLabel).forEach(add);
  if (!input.noNewKeyring) add(ins('keyring', 'create a session keyring', sessionKeyring(input.id ?? 'runts'), userNs ? KEY_OTH_SEARCH : KEY_USR_SEARCH));

  // The root filesystem: nothing propagates back to the host while we build it.
  const propName = linux.rootfsPropagation;
  const initialProp = propName === 'private' || propName === 'rprivate' ? MS.PRIVATE : MS.SLAVE;
  if (hasMountNs) add(ins('mount-host', 'make / ' + (initialProp === MS.PRIVATE ? 'rprivate' : 'rslave'), '', '/', '', MS.REC | initialProp, ''));
  add(ins('mount-host', `bind the rootfs ${rootfs} onto itself`, rootfs, rootfs, '', MS.BIND | MS.REC, ''));
  add(ins('root', `open the rootfs ${rootfs}`, rootfs));

  const devBound = bindsDev(config);
  const devptsMounted = hasDevpts(config);
  (config.mounts ?? []).forEach((m, i) => {
    compileMount(m, i, input, created, restricted, fromHost, idmaps.get(i)).forEach(add);
  });

  // Devices: the spec's defaults, then linux.devices. In a user namespace
  // mknod is refused, so they are bound from the host instead.
  if (!devBound) {
    const devices = containerDevices(config);
    for (const [p, dev] of devices) {
      const type = dev.type === 'u' ? 'c' : dev.type;
      if (restricted && type !== 'p') {
        add(ins('bind-dev', `bind device ${p}`, p, p));
      } else {
        add(ins('mknod', `create device ${p}`, p, type, dev.major ?? 0, dev.minor ?? 0, dev.fileMode ?? 0o666, dev.uid ?? 0, dev.gid ?? 0));
      }
    }
    const links: [string, string][] = [
      ['/proc/self/fd', '/dev/fd'],
      ['/proc/self/fd/0', '/dev/stdin'],
      ['/proc/self/fd/1', '/dev/stdout'],
      ['/proc/self/fd/2', '/dev/stderr'],
    ];
    if (facts.hasKcore) links.push(['/proc/kcore', '/dev/core']);
    if (devptsMounted) links.push(['pts/ptmx', '/dev/ptmx']);
    for (const [target, link] of links) if (!devices.has(link)) add(ins('symlink', `symlink ${link} -> ${target}`, target, link));
  }

  const cwd = clean(proc.cwd);
  add(ins('mkdirs', `create the working directory ${cwd}`, cwd, 0o755));

  const hooks = config.hooks ?? {};
  // The runtime runs prestart and createRuntime hooks here, and its reply
  // is the state that createContainer and startContainer hooks read: a
  // round trip (about 0.6 ms) that a config without those hooks skips.
  if (['prestart', 'createRuntime', 'createContainer', 'startContainer'].some((k) => hooks[k as keyof Hooks]?.length)) {
    add(ins('sync', 'run createRuntime hooks', 'createRuntime'));
  }
  // runc runs them from the rootfs (its path in the container's mount namespace).
  if (hooks.createContainer?.length) add(ins('chdir', `chdir to the rootfs ${rootfs} for the createContainer hooks`, rootfs));
  const hookPath = processEnv(proc.env ?? [], () => undefined, 0).filter((e) => e.startsWith('PATH='));
  (hooks.createContainer ?? []).forEach((h, i) => add(hookIns('createContainer', i, h, hookPath)));

  add(ins('open-barrier', 'open the start barrier', input.barrier));
  // The profile and label the program is exec'd into: written through the
  // host's /proc while it is still there (docs/lsm.md); everything after
  // this, the startContainer hooks too, is exec'd confined, as in runc.
  execLabelSteps(lsm).forEach(add);
  // --no-pivot: runc's MS_MOVE of the rootfs over / and chroot, after
  // which a user namespace can still be made; a plain chroot only without
  // a mount namespace (nothing may be moved in the host's).
  if (!hasMountNs) add(ins('chroot', 'chroot into the rootfs'));
  else if (input.noPivot) add(ins('move-root', 'move the rootfs over / and chroot into it (--no-pivot)'));
  else add(ins('pivot-root', 'pivot_root into the rootfs'));
  if (hasMountNs && propName && propName !== 'slave' && propName !== 'rslave') {
    add(ins('propagate', `make / ${propName}`, '/', propagationFlag(propName)!));
  }

  // sysctls before readonlyPaths: /proc/sys is usually one of them.
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) add(ins('sysctl', `set sysctl ${key}=${value}`, key, value));
  // A masked directory gets a tmpfs, with the mount label when there is one.
  const maskData = withContext('', 'tmpfs', linux.mountLabel);
  for (const p of linux.maskedPaths ?? []) add(ins('mask', `mask ${p}`, clean(p), ...(maskData ? [maskData] : [])));
  for (const p of linux.readonlyPaths ?? []) add(ins('readonly', `make ${p} read-only`, clean(p)));
  if (config.root.readonly) add(ins('remount', 'make the root read-only', '/', MS.BIND | MS.RDONLY | MS.REC));

  // In the container's UTS namespace, new or joined by path (validation
  // refuses a name without one), as runc sets it.
  const hasUts = created.has('uts') || joined.some((n) => n.type === 'uts');
  if (config.hostname && hasUts) add(ins('hostname', `set hostname ${config.hostname}`, config.hostname));
  if (config.domainname && hasUts) add(ins('domainname', `set domainname ${config.domainname}`, config.domainname));

  if (proc.terminal) {
    const size = proc.consoleSize ?? { height: 0, width: 0 };
    // The slave is the process's, its group devpts's (gid=5, tty), as runc leaves it.
    add(ins('console', 'set up the terminal', size.height, size.width, proc.user.uid, KEEP_GID, 1));
  }
  lateReadonly(config).forEach(add);
  if (proc.oomScoreAdj !== undefined) {
    add(ins('write', `set oom_score_adj ${proc.oomScoreAdj}`, '/proc/self/oom_score_adj', String(proc.oomScoreAdj)));
  }
  if (linux.personality) {
    const domains: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };
    if (!(linux.personality.domain in domains)) throw new RuntsError(`config.json: /linux/personality/domain: must be LINUX or LINUX32; got ${JSON.stringify(linux.personality.domain)}`);
    add(ins('personality', `set personality ${linux.personality.domain}`, domains[linux.personality.domain]));
  }
  if (linux.memoryPolicy) add(memoryPolicyStep(linux.memoryPolicy, facts.numaNodes));
  plan.push(...withSeccomp(processSteps(proc, cwd, input.debug), proc, input.seccomp));
  // Socket activation, as runc does it: the preserved fds are the listening
  // sockets, and the container's first process (PID 1) is their owner.
  const activated = input.socketActivation && (input.preserveFds ?? 0) > 0
    ? { ...proc, env: [...(proc.env ?? []).filter((e) => !/^LISTEN_(FDS|PID)=/.test(e)), `LISTEN_FDS=${input.preserveFds}`, 'LISTEN_PID=1'] }
    : proc;
  const { lookup, exec } = execSteps(activated, facts, input.preserveFds ?? 0);
  add(lookup);
  // With no_new_privs the filter is loaded after everything that needs
  // privileges, and before ready so that create still reports a failure; the
  // barrier, the startContainer hooks and exec then run under it (as in runc).
  if (proc.noNewPrivileges && input.seccomp) plan.push(...seccompStep(input.seccomp));
  // The init then waits at the barrier: it closes the socket.
  add(ins('notify', 'report ready', 'ready', 'close'));
  add(ins('wait-barrier', 'wait for start'));
  (hooks.startContainer ?? []).forEach((h, i) => add(hookIns('startContainer', i, h, hookPath)));
  plan.push(...exec);
  return plan;
}

// The process's limits and privileges, shared by create and exec, in runc's
// order: rlimits, no_new_privs, the user (keeping caps across setuid), the
// working directory as that user, then the capabilities.
export function processSteps(proc: Process, cwd: string, debug?: (msg: string) => void): Instruction[] {
  const out: Instruction[] = [];
  if (proc.execCPUAffinity?.initial) out.push(ins('cpu-affinity', `set initial CPU affinity ${proc.execCPUAffinity.initial}`, cpuList(proc.execCPUAffinity.initial, '/process/execCPUAffinity/initial')));
  if (proc.ioPriority) {
    const classes: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };
    const cls = classes[proc.ioPriority.class];
    if (!cls) throw new RuntsError(`config.json: /process/ioPriority/class: must be one of ${Object.keys(classes).join(', ')}; got ${JSON.stringify(proc.ioPriority.class)}`);
    out.push(ins('ioprio', `set I/O priority ${proc.ioPriority.class} ${proc.ioPriority.priority ?? 0}`, cls, proc.ioPriority.priority ?? 0));
  }
  if (proc.scheduler) out.push(schedulerStep(proc.scheduler));
  for (const r of proc.rlimits ?? []) {
    out.push(ins('rlimit', `set ${r.type} ${r.soft}:${r.hard}`, RLIMITS[r.type], limit(r.soft), limit(r.hard)));
  }
  if (proc.noNewPrivileges) out.push(ins('no-new-privs', 'set no_new_privs'));
  if (proc.user.umask !== undefined) out.push(ins('umask', `set umask ${proc.user.umask.toString(8)}`, proc.user.umask));
  // As runc: into cwd while still root (a cwd only root may enter works),
  // and again as the user when root was denied (root squashed on NFS).
  out.push(ins('chdir-early', `chdir to cwd (${JSON.stringify(cwd)}) set in config.json`, cwd));
  out.push(ins('user', `set user ${proc.user.uid}:${proc.user.gid}`, proc.user.uid, proc.user.gid, (proc.user.additionalGids ?? []).join(',')));
  out.push(ins('chdir', `chdir to cwd (${JSON.stringify(cwd)}) set in config.json`, cwd));
  const caps = proc.capabilities ?? {};
  const [bounding, effective, permitted, inheritable] = [caps.bounding, caps.effective, caps.permitted, caps.inheritable].map(capMask);
  // The kernel raises an ambient cap only if it is permitted and inheritable;
  // like runc, runts leaves the others out rather than failing.
  const wanted = capMask(caps.ambient);
  const ambient = wanted & permitted & inheritable;
  if (wanted !== ambient) {
    const dropped = CAPABILITIES.filter((_, bit) => (wanted & ~ambient) & (1n << BigInt(bit)));
    debug?.(`ambient capabilities not in both the permitted and inheritable sets are not raised: ${dropped.join(', ')}`);
  }
  out.push(ins('caps', 'set capabilities', ...[bounding, effective, permitted, inheritable, ambient].map(String)));
  return out;
}

// Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: then it is
// loaded after the user and the working directory are set (so a profile
// that denies getcwd or setuid cannot break them) but before the capability
// sets are cut down; it must allow the init's remaining steps. With
// no_new_privs it is loaded after everything privileged (compile, exec).
export function withSeccomp(steps: Instruction[], proc: Process, seccomp?: SeccompProgram): Instruction[] {
  if (!seccomp || proc.noNewPrivileges) return steps;
  const at = steps.findIndex((i) => i.op === 'caps');
  return [...steps.slice(0, at), ...seccompStep(seccomp), ...steps.slice(at)];
}

// The agent's socket is a host path: connected to before the root changes.
export function listenerConnect(listenerPath: string): Instruction {
  // The label is the error's start: runc's words, which callers match on.
  return ins('seccomp-listener-connect', `failed to connect with seccomp agent specified in the seccomp profile: /linux/seccomp/listenerPath ${listenerPath}`, listenerPath);
}

// With an agent, the seccomp state is fetched before the filter is loaded,
// so that one write is all the init does before the agent has the fd
// (docs/init-protocol.md, seccomp-listener).
export function seccompStep(seccomp: SeccompProgram): Instruction[] {
  const steps = [ins('seccomp', 'load the seccomp filter', seccomp.flags, seccomp.bpf)];
  if (seccomp.listenerPath) steps.unshift(ins('seccomp-listener', `prepare to hand the seccomp notification fd to ${seccomp.listenerPath}`));
  return steps;
}

// fchown's "leave it": the pty slave keeps the group devpts gave it.
export const KEEP_GID = 0xffffffff;

export interface SeccompProgram {
  bpf: Buffer;
  flags: number;
  listenerPath?: string; // SCMP_ACT_NOTIFY: where the notification fd goes
}

// The program: looked up first (a missing one fails create or exec while it
// can still be reported), then exec'd with its environment. Both are
// labelled with the field (pointer): the init's message is runc's words,
// `exec: "/run.sh": stat /run.sh: no such file or directory`, then it.
export function execSteps(proc: Process, facts: Pick<HostFacts, 'homeOf'>, preserve: number, pointer = '/process/args/0'): { lookup: Instruction; exec: Instruction[] } {
  const args = proc.args!;
  const env = processEnv(proc.env ?? [], (uid) => facts.homeOf(uid), proc.user.uid);
  const search = env.filter((e) => e.startsWith('PATH=')).pop()?.slice(5) ?? DEFAULT_PATH;
  const exec: Instruction[] = [];
  if (proc.execCPUAffinity?.final) exec.push(ins('cpu-affinity', `set final CPU affinity ${proc.execCPUAffinity.final}`, cpuList(proc.execCPUAffinity.final, '/process/execCPUAffinity/final')));
  exec.push(ins('exec', pointer, preserve, args[0], args.length, ...args, env.length, ...env));
  return { lookup: ins('lookup', pointer, args[0], search), exec };
}

// The program's environment as runc prepares it: a variable given twice is
// set once, with its last value, where it last appeared; an empty HOME is
// as good as none, and HOME then comes from the container's /etc/passwd.
export function processEnv(env: string[], homeOf: (uid: number) => string | undefined, uid: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  let home = false;
  for (let i = env.length - 1; i >= 0; i--) {
    const key = env[i].slice(0, env[i].indexOf('='));
    if (seen.has(key)) continue;
    seen.add(key);
    if (key === 'HOME') {
      if (env[i] === 'HOME=') continue;
      home = true;
    }
    out.push(env[i]);
  }
  out.reverse();
  if (!home) out.push(`HOME=${homeOf(uid) ?? '/'}`);
  return out;
}

// "0-3,7" -> "0,1,2,3,7"
export function cpuList(spec: string, pointer: string): string {
  const cpus: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1])) || Number(m[2] ?? m[1]) >= 8192) {
      throw new RuntsError(`config.json: ${pointer}: must be a CPU list like 0-3,7; got ${JSON.stringify(spec)}`);
    }
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) cpus.push(c);
  }
  if (!cpus.length) throw new RuntsError(`config.json: ${pointer}: must name at least one CPU; got ${JSON.stringify(spec)}`);
  return cpus.join(',');
}

const SCHED_POLICIES: Record<string, number> = { SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6 };
const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

function schedulerStep(s: NonNullable<Process['scheduler']>): Instruction {
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) throw new RuntsError(`config.json: /process/scheduler/policy: must be one of ${Object.keys(SCHED_POLICIES).join(', ')}; got ${JSON.stringify(s.policy)}`);
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    if (!(f in SCHED_FLAGS)) throw new RuntsError(`config.json: /process/scheduler/flags/${i}: must be one of ${Object.keys(SCHED_FLAGS).join(', ')}; got ${JSON.stringify(f)}`);
    flags |= SCHED_FLAGS[f];
  });
  return ins('scheduler', `set scheduler ${s.policy}`, policy, String(s.nice ?? 0), s.priority ?? 0, flags, s.runtime ?? 0, s.deadline ?? 0, s.period ?? 0);
}

// -1 means unlimited to the init.
function limit(n: number): string {
  return n >= Number.MAX_SAFE_INTEGER || n === 2 ** 64 - 1 ? '-1' : String(n);
}

function rank(t: Namespace['type']): number {
  return ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'].indexOf(t);
}

// A hook in the container without env of its own gets what runc 1.5's
// init has then: only the process's PATH (runc 1.1.5 gave all of
// process.env; docs/runc-differences.md).
function hookIns(kind: string, i: number, h: { path: string; args?: string[]; env?: string[]; timeout?: number }, defaultEnv: string[]): Instruction {
  const args = h.args ?? [h.path];
  const env = h.env ?? defaultEnv;
  return ins('hook', hookLabel(kind, i, h.path), h.timeout ?? 0, h.path, args.length, ...args, env.length, ...env);
}

function compileMount(m: Mount, i: number, input: CompileInput, created: Set<string>, userNs: boolean, fromHost: boolean, idmap?: number): Instruction[] {
  const out: Instruction[] = [];
  const dest = clean(m.destination);
  const opts = parseMountOptions(m.options);
  let type = m.type ?? '';
  let source = m.source ?? '';
  let flags = opts.flags;
  let data = opts.data.join(',');
  const isBind = type === 'bind' || (flags & MS.BIND) !== 0;

  const fallback = hostFallback(type, created, userNs);
  if (fallback) {
    if (type === 'mqueue' && input.facts.sourceKind(fallback) === 'missing') throw new RuntsError(`config.json: /mounts/${i}: mqueue in a user namespace needs an IPC namespace of its own (add {"type": "ipc"}), or the host's /dev/mqueue to bind, which this host lacks`);
    flags |= MS.BIND | (type === 'sysfs' ? MS.REC : 0);
    type = 'bind';
    source = fallback;
  }
  // devpts refuses a gid= that the user namespace does not map (gid=5,
  // tty, where only the caller's own gid is): leave the option out, as
  // runc's rootless spec does.
  if (type === 'devpts' && created.has('user') && input.config.linux?.gidMappings) {
    const maps = input.config.linux.gidMappings;
    const mapped = (g: number) => maps.some((m) => g >= m.containerID && g < m.containerID + m.size);
    const kept = opts.data.filter((o) => !/^gid=\d+$/.test(o) || mapped(Number(o.slice(4))));
    if (kept.length !== opts.data.length) {
      input.debug?.(`devpts on ${dest}: ${opts.data.filter((o) => !kept.includes(o)).join(',')} left out: that gid is not mapped in the user namespace`);
      data = kept.join(',');
    }
  }

  if (type === 'cgroup' || type === 'cgroup2') return compileCgroupMount(dest, flags, input);

  if (isBind || type === 'bind') {
    const hostSource = path.resolve(input.bundle, source);
    // The source is looked at by the init in mount order, as runc does: an
    // earlier mount (a tmpfs, a bind inside the rootfs) may be what makes it.
    const recursive = opts.idmap === 'ridmap' || (flags & MS.REC) !== 0;
    if (idmap !== undefined || fromHost) {
      const what = idmap !== undefined ? 'an idmapped clone of' : 'the bind source';
      out.push(ins('host-source', `config.json: /mounts/${i}/source: open ${what} ${hostSource} from the host's side`, hostSource, idmap !== undefined ? 1 : 0, recursive ? 1 : 0, idmap ?? 0));
    }
    out.push(ins('mkpoint', `config.json: /mounts/${i}/source: ${hostSource} (bind on ${dest})`, hostSource, dest));
    if (idmap !== undefined) {
      out.push(ins('idmap-mount', `bind ${hostSource} on ${dest}, idmapped`, dest));
    } else {
      out.push(ins('mount', `bind ${hostSource} on ${dest}`, hostSource, dest, '', MS.BIND | (flags & MS.REC), ''));
    }
    // A flag set or one turned off explicitly (rw, suid...) means a
    // remount; one the kernel locked cannot be turned off (runc 1.5).
    const extra = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    const cleared = opts.cleared & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    if (extra || cleared) out.push(ins('remount', `remount ${dest} with its options`, dest, MS.BIND | extra | (flags & MS.REC), ...(cleared ? [cleared] : [])));
  } else {
    if (idmap !== undefined) throw new RuntsError(`config.json: /mounts/${i}/options: only bind mounts can be idmapped`);
    data = withContext(data, type, input.config.linux?.mountLabel);
    // A read-only tmpfs, or a read-only /dev, is mounted writable and made
    // read-only at the end (lateReadonly), as runc does: the mount points
    // and device nodes made in it meanwhile would fail with EROFS.
    if ((type === 'tmpfs' || dest === '/dev') && flags & MS.RDONLY) flags &= ~MS.RDONLY;
    if (opts.copyUp && type === 'tmpfs') {
      out.push(ins('mkdirs', `create mount point ${dest}`, dest, 0o755));
      out.push(ins('mount-copyup', `mount ${type} on ${dest}, copying what it covers`, source, dest, type, flags, data));
    } else if (type === 'tmpfs') {
      // Over a directory that is there, the tmpfs takes its mode (runc).
      out.push(ins('mount-tmpfs', `mount tmpfs on ${dest}`, source, dest, type, flags, data));
    } else {
      out.push(ins('mkdirs', `create mount point ${dest}`, dest, 0o755));
      out.push(ins('mount', `mount ${type || source} on ${dest}`, source, dest, type, flags, data));
    }
    if (type === 'mqueue') out.push(...mqueueLabelStep(dest, input.config.linux?.mountLabel));
  }
  for (const p of opts.propagation) out.push(ins('propagate', `set propagation of ${dest}`, dest, p));
  if (opts.attrSet || opts.attrClr) out.push(ins('setattr', `set recursive attributes of ${dest}`, dest, opts.attrSet, opts.attrClr, 0, 1));
  return out;
}

// The read-only tmpfs mounts and a read-only /dev, mounted writable
// (compileMount), made read-only once everything in them is made (runc's
// finalizeRootfs), the terminal's /dev/console too. Paths are the
// container's now: after the switch of root.
function lateReadonly(config: Config): Instruction[] {
  return (config.mounts ?? []).flatMap((m) => {
    const dest = clean(m.destination);
    const opts = parseMountOptions(m.options);
    if (!(opts.flags & MS.RDONLY) || !(m.type === 'tmpfs' || dest === '/dev')) return [];
    return [ins('remount', `make ${dest} read-only`, dest, (opts.flags & ~(MS.REC | MS.REMOUNT)) | MS.BIND | MS.RDONLY)];
  });
}

// A cgroup mount shows the container's own cgroups: on v1 and hybrid hosts a
// tmpfs with one directory per hierarchy, each bound from the container's
// cgroup on the host; on a v2 host the container's cgroup itself.
// A bind of the host's cgroup mount would be a slave of it where the host's
// mounts are shared (systemd makes them so): its master outside the
// container, which criu refuses to dump. Private, it has none, as a cgroup
// file system mounted afresh (runc's way) has none.
function privateCgroup(dest: string): Instruction {
  return ins('propagate', `make ${dest} private`, dest, MS.PRIVATE);
}

// The binds a cgroup mount on dest is made of: the single v2 hierarchy on
// dest itself, else one per hierarchy on dest/<its directory's name>.
export function cgroupBinds(dest: string, sources: CgroupMountSource[]): { destination: string; source: string }[] {
  if (sources.length === 1 && sources[0].name === '') return [{ destination: dest, source: sources[0].hostDir }];
  return sources.map((s) => ({ destination: `${dest}/${s.name}`, source: s.hostDir }));
}

function compileCgroupMount(dest: string, flags: number, input: CompileInput): Instruction[] {
  const out: Instruction[] = [];
  const ro = flags & MS.RDONLY;
  const base = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC);
  const sources = input.facts.cgroupMounts;
  const binds = cgroupBinds(dest, sources);
  out.push(ins('mkdirs', `create mount point ${dest}`, dest, 0o755));
  if (binds.length === 1 && binds[0].destination === dest) {
    out.push(ins('mount', `bind the container's cgroup on ${dest}`, binds[0].source, dest, '', MS.BIND, ''));
    out.push(privateCgroup(dest));
    out.push(ins('remount', `remount ${dest} with its options`, dest, MS.BIND | base | ro));
    return out;
  }
  out.push(ins('mount', `mount tmpfs on ${dest}`, 'tmpfs', dest, 'tmpfs', base, withContext('mode=755', 'tmpfs', input.config.linux?.mountLabel)));
  for (const { destination: sub, source } of binds) {
    out.push(ins('mkdirs', `create mount point ${sub}`, sub, 0o755));
    out.push(ins('mount', `bind the container's cgroup on ${sub}`, source, sub, '', MS.BIND, ''));
    out.push(privateCgroup(sub));
    out.push(ins('remount', `remount ${sub} with its options`, sub, MS.BIND | base | ro));
  }
  if (ro) out.push(ins('remount', `make ${dest} read-only`, dest, base | MS.RDONLY));
  return out;
}
