// create: validate, compile, launch the init, and leave the container's
// process waiting at the start barrier. A failure at any step removes
// everything this create made: process, cgroup, state directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { loadBundleConfig } from '../spec/load';
import { refusedField } from '../spec/fields';
import type { Config, State } from '../spec/types';
import { compile, SeccompProgram, sessionKeyring } from '../plan/compile';
import { encodePlan, Instruction } from '../plan/instructions';
import { hostFacts } from '../plan/facts';
import { checkExistingCgroup, createCgroup, plannedDirs, plannedRecord, removeCgroup, resolveCgroupPath, CgroupRecord } from '../cgroups/dirs';
import { applyResources } from '../cgroups/apply';
import { managerOf } from '../cgroups/manager';
import type { Scope } from '../cgroups/systemd';
import type { LinuxResources } from '../cgroups/resources';
import { detectLayout, Layout } from '../cgroups/layout';
import { Placement } from '../cgroups/placement';
import { cgroup2JoinNow, spawnInit, Launched, SpawnedInit } from './launch';
import { ForegroundTerminal } from './terminal';
import { runHooks } from './hooks';
import { debug, isoNow, step, warn } from '../log';
import { barrierPath, containerDir, creatingFile, detachHostMounts, netDevicesFile, netnsHoldPath, openLockFile, removeStateDir, Saved, SPEC_VERSION, writeAtomically, writeCreatingNote, writeSaved } from './state';
import { mkdirParents, removeFile } from '../sys/files';
import { EXEC_RECORD, EXEC_SECCOMP, execRecord } from './execrecord';
import { readStat } from '../sys/proc';
import { namespacesOf } from '../plan/compile';
import { checkMappings, MapPlan, writeRootlessMaps } from '../rootless';
import { checkNetDevices, moveBack, moveIn, MovedDevice } from './netdevices';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  pidfdSocket?: string; // runc 1.5: the container process's pidfd goes there (src/sys/pidfd-socket.ts)
  noPivot?: boolean;
  noSubreaper?: boolean; // run --no-subreaper (SpawnOptions.noSubreaper)
  noNewKeyring?: boolean;
  preserveFds?: number;
  systemdCgroup?: boolean;
  dryRun?: boolean;
  // run in the foreground: with process.terminal and no --console-socket,
  // runts takes the terminal itself and joins it to its own.
  foregroundTerminal?: boolean;
  // run in the foreground: the init's waiter reports the container
  // process's exit status (Launched.status), and Created.exitLock comes with it.
  waiter?: boolean;
  // Keep the container locked after create returns (Created.lock): run
  // starts the container with the same lock.
  keepLock?: boolean;
  // Rootless mode (--rootless, src/rootless.ts): a cgroup it may not make or
  // join is done without, when the config sets no resources; state is 0700.
  rootless?: boolean;
}

export interface Created {
  saved: Saved;
  launched: Launched;
  terminal?: ForegroundTerminal;
  lock?: number; // with keepLock: the container's lock, held; the caller closes it
  // With waiter: an fd of the lock file that the waiter locks before it exits.
  // Once Launched.status has resolved, the caller holds the lock through it.
  exitLock?: number;
}

// Fields the table says runts refuses (src/spec/fields.ts): named, and
// nothing is made.
function checkUnsupported(config: Config): void {
  const refused = refusedField(config);
  if (refused) throw new RuntsError(`config.json: ${refused.pointer}: ${refused.reason}`, { file: 'config.json', pointer: refused.pointer });
}

function checkOptions(config: Config, opts: CreateOptions): void {
  checkUnsupported(config);
  checkNetDevices(config, !!opts.rootless);
  if (config.process?.terminal && !opts.consoleSocket && !opts.foregroundTerminal) {
    throw new RuntsError('config.json: /process/terminal is true: create needs --console-socket to hand over the terminal (or set it to false)', { file: 'config.json', pointer: '/process/terminal' });
  }
  if (opts.systemdCgroup) {
    if (!fs.existsSync('/run/systemd/system')) throw new RuntsError('--systemd-cgroup: systemd is not running on this host; use the cgroupfs manager (drop the flag)');
    // org.systemd.property.* annotations, checked before anything is made
    // (without the flag runc reads none of them, and neither does runts).
    (require('../cgroups/systemd-props') as typeof import('../cgroups/systemd-props')).annotationProperties(config.annotations);
  }
}

// A caller that is not root holds no capability outside the user namespace
// the init makes: the config must have one, with mappings it may write.
function checkRootless(config: Config): MapPlan | undefined {
  if ((process.geteuid?.() ?? 0) === 0) return undefined;
  const { created, joined } = namespacesOf(config);
  if (joined.some((n) => n.type === 'user')) return undefined;
  if (!created.has('user')) {
    throw new RuntsError('config.json: /linux/namespaces: running without root needs a user namespace (add {"type": "user"}, as `runts spec --rootless` does)', { file: 'config.json', pointer: '/linux/namespaces' });
  }
  return checkMappings(config.linux?.uidMappings, config.linux?.gidMappings);
}

// Fields of linux.resources that need a cgroup of the container's own.
// Device rules do not: without a cgroup the user namespace still refuses
// mknod, and the devices are the host's own nodes, bound (docs/rootless.md).
function setsResources(config: Config): string | undefined {
  const r = (config.linux?.resources ?? {}) as Record<string, unknown>;
  return Object.keys(r).find((k) => k !== 'devices' && r[k] !== undefined && r[k] !== null && !(typeof r[k] === 'object' && Object.keys(r[k] as object).length === 0));
}

const PERMISSION = ['EACCES', 'EPERM', 'EROFS'];

// Rootless: the cgroup directories made here, before the init starts, so
// that a permission error can mean "no cgroup" rather than a failed create
// (as runc does). Joining needs the directory's procs file writable.
// undefined: no cgroup.
function rootlessCgroup(config: Config, cgPath: string, layout: ReturnType<typeof detectLayout>): CgroupRecord | undefined {
  let record: CgroupRecord;
  try {
    record = createCgroup(cgPath, layout);
  } catch (err) {
    return noCgroup(config, err as RuntsError);
  }
  for (const dir of record.dirs) {
    const procs = fs.existsSync(path.join(dir, 'tasks')) ? 'tasks' : 'cgroup.procs';
    try {
      fs.accessSync(path.join(dir, procs), fs.constants.W_OK);
    } catch (err) {
      removeCgroup(record);
      return noCgroup(config, new RuntsError(`join cgroup ${path.join(dir, procs)}: ${(err as NodeJS.ErrnoException).code}`));
    }
  }
  return record;
}

function noCgroup(config: Config, err: RuntsError): undefined {
  if (!PERMISSION.includes(err.code ?? '')) throw err;
  const field = setsResources(config);
  if (field) throw new RuntsError(`config.json: /linux/resources/${field}: rootless: limits need a cgroup this user may write, and ${err.message}`, { file: 'config.json', pointer: `/linux/resources/${field}` });
  debug(`rootless: running without a cgroup (${err.message})`);
  return undefined;
}

function writeMaps(pid: number, config: Config): void {
  const fmt = (m: { containerID: number; hostID: number; size: number }[] = []) =>
    m.map((x) => `${x.containerID} ${x.hostID} ${x.size}`).join('\n') + '\n';
  const write = (file: string, content: string) => {
    try {
      fs.writeFileSync(`/proc/${pid}/${file}`, content);
    } catch (err) {
      throw new RuntsError(`create: write ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
  };
  write('uid_map', fmt(config.linux?.uidMappings));
  write('gid_map', fmt(config.linux?.gidMappings));
}

// linux.seccomp compiled to BPF by libseccomp (loaded only when there is one).
export function seccompOf(config: Config): SeccompProgram | undefined {
  if (!config.linux?.seccomp) return undefined;
  const { compileSeccomp } = require('../seccomp') as typeof import('../seccomp');
  const { bpf, flags, notify } = compileSeccomp(config.linux.seccomp, warn);
  return { bpf, flags, listenerPath: notify ? config.linux.seccomp.listenerPath : undefined };
}

// The seccomp state a notification listener receives with the fd (runtime-spec config-linux.md).
export function seccompState(config: Config, state: State, pid = state.pid): string {
  return JSON.stringify({ ociVersion: SPEC_VERSION, fds: ['seccompFd'], pid, metadata: config.linux?.seccomp?.listenerMetadata ?? '', state });
}

// What --dry-run prints: the plan by name, one step per line, or as JSON.
export function dryRun(opts: CreateOptions, format: 'text' | 'json' = 'text'): string {
  const { config, bundle } = loadBundleConfig(opts.bundle);
  checkOptions(config, opts);
  checkRootless(config);
  const dir = containerDir(opts.root, opts.id);
  const cgPath = resolveCgroupPath(config.linux?.cgroupsPath, opts.id, opts.systemdCgroup);
  const layout = detectLayout();
  const record: CgroupRecord = { path: cgPath, dirs: layout.hierarchies.map((h) => path.join(h.mountpoint, cgPath)), created: [] };
  const rootfs = path.resolve(bundle, config.root!.path);
  const plan = compile({ config, bundle, barrier: barrierPath(dir), noPivot: opts.noPivot, preserveFds: opts.preserveFds, consoleSocket: opts.consoleSocket, noNewKeyring: opts.noNewKeyring, id: opts.id, facts: hostFacts(rootfs, record), debug, seccomp: seccompOf(config) });
  // Required here: names are rendered only for a dry run.
  const describe = require('../plan/describe') as typeof import('../plan/describe');
  if (format === 'json') return describe.planJson(plan, { id: opts.id, cgroupsPath: cgPath, cgroupDirs: record.dirs });
  const head = `# runts create ${opts.id}: ${plan.length} instructions for the native init\n# cgroup ${cgPath} in: ${record.dirs.join(' ') || '(none)'}\n`;
  return head + describe.describePlan(plan);
}

export async function create(opts: CreateOptions, stdio?: ('inherit' | 'ignore' | number)[]): Promise<Created> {
  step('create: begin');
  const { config, bundle } = loadBundleConfig(opts.bundle);
  checkOptions(config, opts);
  const maps = checkRootless(config);
  step('create: config valid');
  // Connected first, as runc dials it before it starts anything.
  const pidfd = opts.pidfdSocket ? (require('../sys/pidfd-socket') as typeof import('../sys/pidfd-socket')) : undefined;
  const pidfdSock = pidfd?.connectPidfdSocket(opts.pidfdSocket!);
  try {
    return await createWith(opts, config, bundle, maps, stdio, pidfdSock === undefined ? undefined : (pid) => pidfd!.sendPidfd(pidfdSock, pid, 'standard'));
  } finally {
    if (pidfdSock !== undefined) pidfd!.closeSocket(pidfdSock);
  }
}

async function createWith(
  opts: CreateOptions,
  config: Config,
  bundle: string,
  maps: ReturnType<typeof checkRootless>,
  stdio: ('inherit' | 'ignore' | number)[] | undefined,
  sendPidfd: ((pid: number) => void) | undefined,
): Promise<Created> {
  const dir = containerDir(opts.root, opts.id);
  // 0711: the container's user must reach the barrier fifo; nobody may list.
  // Rootless, 0700: the init opens the fifo (O_PATH) while it is still the
  // caller's uid, and other users are kept out altogether.
  const mode = opts.rootless ? 0o700 : 0o711;
  // The root is there already but for the first container: one stat, not a
  // mkdir that fails (an exception in Node) and then a stat.
  let rootStat = fs.statSync(opts.root, { throwIfNoEntry: false });
  if (!rootStat?.isDirectory()) {
    try {
      mkdirParents(opts.root, mode);
    } catch (err) {
      throw new RuntsError(`create the state directory ${opts.root}: ${(err as NodeJS.ErrnoException).code}${opts.rootless ? ' (rootless: pass --root or set XDG_RUNTIME_DIR to a directory of yours)' : ''}`);
    }
    rootStat = fs.statSync(opts.root);
  }
  if (!opts.rootless && (rootStat.mode & 0o011) !== 0o011) fs.chmodSync(opts.root, 0o711);
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntsError(`container "${opts.id}" already exists`);
    throw new RuntsError(`create state directory ${dir}: ${(err as NodeJS.ErrnoException).code}`);
  }

  let terminal: ForegroundTerminal | undefined;
  if (config.process?.terminal && !opts.consoleSocket && opts.foregroundTerminal) {
    terminal = new ForegroundTerminal(opts.root);
    opts = { ...opts, consoleSocket: terminal.socketPath };
  }
  let cgroup: CgroupRecord | undefined;
  let init: SpawnedInit | undefined;
  let launched: Launched | undefined;
  let containerPid: number | undefined;
  let lock: number | undefined;
  let exitLock: number | undefined;
  // linux.netDevices moved in, and where: moved back if create fails.
  let netDevices: MovedDevice[] = [];
  let netns: string | undefined;
  try {
    const cgPath = resolveCgroupPath(config.linux?.cgroupsPath, opts.id, opts.systemdCgroup, opts.rootless);
    const layout = detectLayout();
    // --systemd-cgroup: systemd makes the cgroup, with stage 0 in it, once
    // we know stage 0's pid (below); the init joins nothing itself.
    const systemd = !!opts.systemdCgroup;
    // Rootless: made (or found impossible) here first; undefined: no cgroup.
    // The note first, before any directory is made (by rootlessCgroup
    // here, or by the init): a create killed at any point leaves delete
    // --force what to remove. The init says later what it made. (With
    // systemd, systemdScope notes the unit before asking for it.)
    const planned = systemd ? [] : plannedDirs(cgPath, layout);
    let note = plannedRecord(cgPath, planned);
    if (!systemd) writeCreatingNote(dir, note);
    const own = opts.rootless && !systemd ? { record: rootlessCgroup(config, cgPath, layout) } : undefined;
    if (own) cgroup = own.record;
    const cgDirs = own || systemd ? [] : planned;
    const cgDirPaths = own ? own.record?.dirs ?? [] : cgDirs.map((d) => d.dir);
    checkExistingCgroup(cgDirPaths, own ? [] : note.created);
    lock = openLockFile(dir);
    if (opts.waiter) exitLock = openLockFile(dir);
    // Started first: it locks the container, makes the barrier and joins its
    // cgroups while we do the rest (see SpawnOptions). Nothing we do before
    // the plan goes out needs the lock; the init reports ready only after it.
    // The barrier is writable by the container's user: the init opens it after dropping to that user.
    const namespaces = namespacesOf(config);
    init = spawnInit({
      preserveFds: opts.preserveFds ?? 0,
      stdio,
      cgroupDirs: cgDirPaths,
      makeCgroups: own || systemd ? undefined : { path: cgPath, dirs: cgDirs, inJs: () => createCgroup(cgPath, layout) },
      cgroup2Now:
        !systemd &&
        cgroup2JoinNow(
          namespaces.created.has('user') || namespaces.joined.some((n) => n.type === 'user'),
          namespaces.joined.some((n) => n.type === 'cgroup'),
        ),
      waiter: opts.waiter,
      noSubreaper: opts.noSubreaper,
      lockFd: lock,
      fifo: { path: barrierPath(dir), mode: 0o622 },
      exitLockFd: exitLock,
    });
    step('create: init spawned');
    let resources = (config.linux?.resources ?? {}) as LinuxResources;
    if (systemd) {
      const scope = await systemdScope(init, opts, config, dir, resources);
      cgroup = scope.record;
      resources = scope.resources;
      step('create: systemd unit started');
    }
    // Compiled while the early init makes the cgroup directories.
    const rootfs = path.resolve(bundle, config.root!.path);
    const seccomp = seccompOf(config);
    const plan: Instruction[] = compile({
      config,
      bundle,
      barrier: barrierPath(dir),
      noPivot: opts.noPivot,
      preserveFds: opts.preserveFds,
      consoleSocket: opts.consoleSocket,
      socketActivation: process.env.LISTEN_FDS !== undefined,
      noNewKeyring: opts.noNewKeyring,
      id: opts.id,
      seccomp,
      facts: hostFacts(rootfs, cgroup ?? { path: cgPath, dirs: cgDirPaths, created: [] }),
      debug,
    });
    // What needs no cgroup is done while the early init makes them.
    const planBytes = encodePlan(plan);
    // exec reads the container's process defaults from here, never from the bundle,
    // so later edits of the bundle don't reach a created container.
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    step('create: plan compiled');
    if (!own && !systemd) cgroup = init.cgroup()!;
    if (cgroup) {
      if (JSON.stringify(cgroup) !== JSON.stringify(note)) writeCreatingNote(dir, (note = cgroup));
      step('create: cgroup made');
      // pids.max waits until the init has made its processes (below), as
      // runc's comes at its init's ready: a limit of 0 means 1 (runc 1.5),
      // and the init's own fork would not fit in it.
      applyResources(cgroup, { ...resources, pids: undefined }, { linuxDevices: config.linux?.devices, realtimeFor: realtimePolicy(config) });
    }
    // The hooks of create see the container as created (as runtime-tools expects).
    const state = (pid: number): State => ({ ociVersion: SPEC_VERSION, id: opts.id, status: 'created', pid, bundle, annotations: config.annotations ?? {} });
    const { created } = namespaces;
    const hostMounts = hostMountsOf(config, bundle, namespaces);
    step('create: limits written');
    launched = await init.run(planBytes, {
      sync: (name, ctx) => {
        if (name === 'usermap') {
          if (maps) writeRootlessMaps(ctx.stage0Pid, config.linux?.uidMappings ?? [], config.linux?.gidMappings ?? [], maps);
          else writeMaps(ctx.stage0Pid, config);
          return '';
        }
        if (name === 'createRuntime') {
          if (!ctx.pid) throw new RuntsError('create: the init asked for hooks before it had a pid');
          containerPid = ctx.pid;
          const s = state(ctx.pid);
          runHooks('prestart', config.hooks?.prestart, s);
          runHooks('createRuntime', config.hooks?.createRuntime, s);
          return JSON.stringify(s);
        }
        if (name === 'seccomp-state' && ctx.pid) return seccompState(config, state(ctx.pid));
        if (name === 'netdevices') {
          if (!ctx.pid) throw new RuntsError('create: the init asked to move network devices before it had a pid');
          containerPid = ctx.pid;
          // A namespace of the container's own is held until delete moves the devices back.
          const hold = created.has('network') ? netnsHoldPath(dir) : undefined;
          netDevices = moveIn(config, ctx.pid, hold, (d) => hold && fs.writeFileSync(netDevicesFile(dir), JSON.stringify(d)));
          netns = hold ?? `/proc/${ctx.pid}/ns/net`;
          return '';
        }
        throw new RuntsError(`create: the init asked for an unknown sync "${name}"`);
      },
    }).catch((err: Error & { pid?: number }) => {
      containerPid = err.pid ?? containerPid;
      // A field refused while the init waited (a sync) keeps its config.json form.
      const field = /^config\.json: (\/\S*): /.exec(err.message);
      if (field) throw new RuntsError(err.message, { file: 'config.json', pointer: field[1] });
      throw new RuntsError(err.message.startsWith('create: ') ? err.message : `create: ${err.message}`);
    });
    containerPid = launched.pid;
    if (cgroup && resources.pids) applyResources(cgroup, { pids: resources.pids });
    sendPidfd?.(launched.pid);
    step('create: container process ready');
    const stat = readStat(launched.pid);
    if (!stat) throw new RuntsError('create: the container process exited before it was ready');
    const moved = created.has('network') && netDevices.length ? { netDevices, netns } : {};
    const saved = saveContainer(dir, { id: opts.id, pid: launched.pid, startTime: stat.startTime, bundle, config, rootfs, cgroup, pidNamespace: created.has('pid'), hostMounts, ...moved, keyring: opts.noNewKeyring ? undefined : sessionKeyring(opts.id) }, layout);
    writeExecRecord(dir, config, cgroup, layout, seccomp, saved.keyring);
    removeFile(creatingFile(dir));
    removeFile(netDevicesFile(dir));
    if (opts.pidFile) writePidFile(opts.pidFile, launched.pid);
    const kept = opts.keepLock ? lock : undefined;
    if (kept !== undefined) lock = undefined;
    return { saved, launched, terminal, lock: kept, exitLock };
  } catch (err) {
    // Directories the init made before the failure are ours to remove.
    if (!cgroup && init) cgroup = madeSoFar(init);
    if (!launched) init?.abort();
    terminal?.close();
    if (exitLock !== undefined) fs.closeSync(exitLock);
    if (netDevices.length && netns) for (const p of moveBack(netDevices, netns)) warn(`create: network device not moved back: ${p}`);
    await cleanupFailedCreate(dir, containerPid, cgroup, hostMountsOf(config, bundle));
    throw err;
  } finally {
    if (lock !== undefined) fs.closeSync(lock);
  }
}

// process.scheduler's pointer when it asks for a real-time policy, which
// needs a real-time budget in a v1 cgroup (applyResources).
function realtimePolicy(config: Config): string | undefined {
  const policy = config.process?.scheduler?.policy;
  return policy === 'SCHED_FIFO' || policy === 'SCHED_RR' ? '/process/scheduler/policy' : undefined;
}

// state.json (and the direct record) of a container whose process runs:
// create's, and restore's for the process criu brought back.
export function saveContainer(
  dir: string,
  c: { id: string; pid: number; startTime: string; bundle: string; config: Config; rootfs: string; cgroup?: CgroupRecord; pidNamespace: boolean; hostMounts?: string; netDevices?: MovedDevice[]; netns?: string; keyring?: string },
  layout: Layout,
): Saved {
  const { config } = c;
  const saved: Saved = {
    ociVersion: SPEC_VERSION,
    id: c.id,
    pid: c.pid,
    startTime: c.startTime,
    bundle: c.bundle,
    annotations: config.annotations ?? {},
    created: isoNow(),
    rootfs: c.rootfs,
    hooks: { poststart: config.hooks?.poststart, poststop: config.hooks?.poststop },
    cgroup: c.cgroup,
    pidNamespace: c.pidNamespace,
    hostMounts: c.hostMounts,
    netDevices: c.netDevices,
    netns: c.netns,
    keyring: c.keyring,
    owner: String(process.getuid?.() ?? 0),
  };
  const freezer = c.cgroup && new Placement(c.cgroup, layout).freezer();
  writeSaved(dir, saved, freezer && { version: freezer.version, dir: freezer.dir });
  return saved;
}

// For exec without Node (execrecord.ts): the filter first, the record that
// names it last.
function writeExecRecord(dir: string, config: Config, cgroup: CgroupRecord | undefined, layout: Layout, seccomp?: SeccompProgram, keyring?: string): void {
  const record = execRecord(config, cgroup, layout, seccomp, keyring);
  if (!record) return;
  if (seccomp) writeAtomically(dir, EXEC_SECCOMP, seccomp.bpf);
  writeAtomically(dir, EXEC_RECORD, record);
}

export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  try {
    fs.writeFileSync(tmp, String(pid));
    fs.renameSync(tmp, abs);
  } catch (err) {
    throw new RuntsError(`write --pid-file ${abs}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

// --systemd-cgroup: the unit, with the init's stage 0 in it (its children,
// the container's process first, are born there), noted in creating.json
// before systemd is asked (delete --force stops it if we die meanwhile).
async function systemdScope(init: SpawnedInit, opts: CreateOptions, config: Config, dir: string, resources: LinuxResources): Promise<Scope> {
  const pid = await init.stage0();
  const { createScope } = require('../cgroups/systemd') as typeof import('../cgroups/systemd');
  const scope = await createScope({
    id: opts.id,
    cgroupsPath: config.linux?.cgroupsPath,
    user: !!opts.rootless,
    pid,
    resources,
    linuxDevices: config.linux?.devices,
    annotations: config.annotations,
    note: (record) => writeCreatingNote(dir, record),
  });
  return scope;
}

// The directories the init had made when create failed: ours to remove.
function madeSoFar(init: SpawnedInit): CgroupRecord | undefined {
  try {
    return init.cgroup();
  } catch {
    return undefined; // the init failed, and removed what it had made
  }
}

// The rootfs, when the container has no mount namespace of its own: its
// mounts are then in the host's, under it (Saved.hostMounts).
function hostMountsOf(config: Config, bundle: string, { created, joined } = namespacesOf(config)): string | undefined {
  if (created.has('mount') || joined.some((n) => n.type === 'mount')) return undefined;
  return path.resolve(bundle, config.root!.path);
}

// Also restore's, for a restore that failed.
export async function cleanupFailedCreate(dir: string, pid: number | undefined, cgroup: CgroupRecord | undefined, hostMounts: string | undefined): Promise<void> {
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (cgroup) {
    // Whatever is still in a cgroup this create made was started by it; a
    // cgroup that existed before may hold others' processes: never touch those.
    for (const dir of cgroup.dirs.filter((d) => cgroup.created.includes(d))) {
      try {
        for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          process.kill(Number(p), 'SIGKILL');
        }
      } catch {
        /* nothing there */
      }
    }
    for (const f of await managerOf(cgroup).destroy(cgroup)) warn(`create: cannot remove cgroup ${f}`);
  }
  if (hostMounts) detachHostMounts(hostMounts);
  removeStateDir(dir);
}
