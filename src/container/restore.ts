// restore: a container made again from a checkpoint's images: its state
// directory and cgroup made and limited as create makes them, then criu
// brings the process tree back into that cgroup. In the foreground, runts
// waits for the process, deletes the container and exits with its status,
// as `run` does. docs/checkpoint.md.
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { loadBundleConfig } from '../spec/load';
import { restoreArgs, RestoreOptions, StdioFile } from '../criu/args';
import { findCriu, runCriu } from '../criu/run';
import { hostSourcedMounts, namespacesOf } from '../plan/compile';
import { cgroupMountSources } from '../plan/facts';
import { inInitialUserNs } from '../rootless';
import { createCgroup, plannedDirs, plannedRecord, resolveCgroupPath, CgroupRecord } from '../cgroups/dirs';
import { applyResources } from '../cgroups/apply';
import type { LinuxResources } from '../cgroups/resources';
import { detectLayout } from '../cgroups/layout';
import { containerDir, creatingFile, lockContainer, removeStateDir, Saved, writeCreatingNote } from './state';
import { cleanupFailedCreate, saveContainer, writePidFile } from './create';
import { deleteContainer } from './delete';
import { forwardSignals } from './foreground';
import { readStat } from '../sys/proc';
import { step, warn } from '../log';
import { mkdirParents, removeFile } from '../sys/files';
import { STDIO_FILE } from './checkpoint';

export interface RestoreCommandOptions extends Omit<RestoreOptions, 'imagePath'> {
  root: string;
  id: string;
  bundle: string;
  imagePath?: string; // default: ./checkpoint, as runc
  criu?: string;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  noSubreaper?: boolean;
  noPivot?: boolean;
  systemdCgroup?: boolean;
  rootless?: boolean;
}

const RESTORED_PID = 'restored.pid';

function readStdioRecord(imagePath: string): StdioFile[] {
  try {
    const list = JSON.parse(fs.readFileSync(path.join(imagePath, STDIO_FILE), 'utf8')) as StdioFile[];
    return Array.isArray(list) ? list.filter((f) => typeof f?.fd === 'number' && typeof f?.link === 'string') : [];
  } catch {
    return []; // images of another runtime: criu makes new pipes
  }
}

// Returns the exit status for the foreground, 0 when detached.
export async function restore(o: RestoreCommandOptions): Promise<number> {
  if (o.systemdCgroup && !fs.existsSync('/run/systemd/system')) {
    throw new RuntsError('--systemd-cgroup: systemd is not running on this host; use the cgroupfs manager (drop the flag)');
  }
  const imagePath = path.resolve(o.imagePath || 'checkpoint');
  const workPath = path.resolve(o.workPath || imagePath);
  if (!fs.existsSync(path.join(imagePath, 'inventory.img'))) {
    throw new RuntsError(`restore: --image-path ${imagePath}: no checkpoint there (no inventory.img)`, { step: 'restore: read the images', code: 'ENOENT' });
  }
  const { config, bundle } = loadBundleConfig(o.bundle);
  // As create: org.systemd.property.* annotations checked before anything is made.
  if (o.systemdCgroup) (require('../cgroups/systemd-props') as typeof import('../cgroups/systemd-props')).annotationProperties(config.annotations);
  if (config.process?.terminal) {
    throw new RuntsError('config.json: /process/terminal: restoring a container with a terminal is not supported by runts yet (docs/checkpoint.md)', { file: 'config.json', pointer: '/process/terminal' });
  }
  // The images and the bundle first, then the tool, as runc; before any
  // state directory, so nothing is left when criu is missing.
  const criu = findCriu(o.criu);
  const stdio = readStdioRecord(imagePath);
  const dir = containerDir(o.root, o.id);
  // As create makes them (0700 rootless: docs/rootless.md).
  const mode = o.rootless ? 0o700 : 0o711;
  try {
    mkdirParents(o.root, mode);
  } catch (err) {
    throw new RuntsError(`create the state directory ${o.root}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntsError(`container "${o.id}" already exists`);
    throw new RuntsError(`create state directory ${dir}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const lock = lockContainer(dir);
  let cgroup: CgroupRecord | undefined;
  let pid: number | undefined;
  let saved: Saved;
  let netnsFd: number | undefined;
  let holder: ChildProcess | undefined;
  try {
    let cgPath = resolveCgroupPath(config.linux?.cgroupsPath, o.id, o.systemdCgroup, o.rootless);
    const layout = detectLayout();
    let resources = (config.linux?.resources ?? {}) as LinuxResources;
    if (o.systemdCgroup) {
      // systemd makes a scope only around a live process, and criu's tree
      // does not exist yet: a holder (sleep) goes in first, as runc puts
      // criu itself in. criu then restores the tree into the scope's
      // cgroup (--cgroup-root), and the holder goes. createScope notes the
      // unit before asking for it.
      holder = spawnHolder();
      const { createScope } = require('../cgroups/systemd') as typeof import('../cgroups/systemd');
      const scope = await createScope({
        id: o.id,
        cgroupsPath: config.linux?.cgroupsPath,
        user: !!o.rootless,
        pid: holder.pid!,
        resources,
        linuxDevices: config.linux?.devices,
        annotations: config.annotations,
        note: (record) => writeCreatingNote(dir, record),
      });
      cgroup = scope.record;
      resources = scope.resources;
      cgPath = cgroup.path;
      writeCreatingNote(dir, cgroup);
    } else {
      // As create: the note before the cgroup, for delete --force of a killed restore.
      writeCreatingNote(dir, plannedRecord(cgPath, plannedDirs(cgPath, layout)));
      cgroup = createCgroup(cgPath, layout);
      writeCreatingNote(dir, cgroup);
    }
    applyResources(cgroup, resources, { linuxDevices: config.linux?.devices });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const rootfs = path.resolve(bundle, config.root!.path);
    const netns = (config.linux?.namespaces ?? []).find((n) => n.type === 'network' && n.path);
    if (netns) {
      try {
        netnsFd = fs.openSync(netns.path!, 'r');
      } catch (err) {
        throw new RuntsError(`restore: open the network namespace ${netns.path}: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
    const pidFile = path.join(dir, RESTORED_PID);
    // criu's fds: the caller's stdio (the restored process inherits them in
    // place of its own), then the network namespace at 3.
    const fds: ('inherit' | number)[] = ['inherit', 'inherit', 'inherit'];
    if (netnsFd !== undefined) fds.push(netnsFd);
    const args = restoreArgs({
      opts: { ...o, imagePath, workPath },
      rootfs,
      binds: hostSourcedMounts(config, bundle, !inInitialUserNs(), cgroupMountSources(cgroup)),
      stdio,
      pidFile,
      cgroupPath: cgPath,
      netnsFd: netnsFd === undefined ? undefined : 3,
    });
    // In the foreground the process comes back as this process's child
    // (criu's sibling), to be waited for.
    if (!o.detach) args.push('--restore-sibling');
    step('restore: criu restore');
    try {
      runCriu({ criu, args, what: 'restore: criu restore', logFile: path.join(workPath, 'restore.log'), stdio: fds });
    } finally {
      try {
        pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || undefined;
        fs.unlinkSync(pidFile);
      } catch {
        /* criu wrote none */
      }
    }
    if (holder) holder = killHolder(holder);
    if (!pid) throw new RuntsError('restore: criu restore wrote no pid', { step: 'restore: criu restore' });
    const stat = readStat(pid);
    if (!stat) throw new RuntsError('restore: the restored process exited at once', { step: 'restore: criu restore' });
    saved = saveContainer(dir, { id: o.id, pid, startTime: stat.startTime, bundle, config, rootfs, cgroup, pidNamespace: namespacesOf(config).created.has('pid') }, layout);
    removeFile(creatingFile(dir));
    if (o.pidFile) writePidFile(o.pidFile, pid);
  } catch (err) {
    // Nothing of a failed restore stays: a process criu left, the cgroup, the state.
    await cleanupFailedCreate(dir, pid, cgroup, undefined);
    throw err;
  } finally {
    if (holder) killHolder(holder);
    if (netnsFd !== undefined) fs.closeSync(netnsFd);
    fs.closeSync(lock);
  }
  if (o.detach) return 0;
  const stopForwarding = forwardSignals(saved.pid);
  const status = await waitChild(saved.pid);
  stopForwarding();
  try {
    await deleteContainer(o.root, o.id, true);
  } catch (err) {
    warn(`restore: delete ${o.id}: ${(err as Error).message}`);
  }
  return status;
}

// The process a systemd scope is made around before criu's tree exists:
// it waits, its stdio closed, until killHolder.
function spawnHolder(): ChildProcess {
  const bin = ['/bin/sleep', '/usr/bin/sleep'].find((p) => fs.existsSync(p)) ?? 'sleep';
  const child = spawn(bin, ['infinity'], { stdio: 'ignore' });
  child.on('error', () => undefined); // its pid's absence is the error (createScope)
  if (!child.pid) throw new RuntsError(`restore: --systemd-cgroup: cannot start ${bin} to hold the unit`);
  return child;
}

function killHolder(child: ChildProcess): undefined {
  try {
    child.kill('SIGKILL');
  } catch {
    /* gone */
  }
  child.unref();
  return undefined;
}

// The restored process is this process's child (--restore-sibling): its
// status through waitpid, on a thread of libuv's pool (Node has no waitpid).
function waitChild(pid: number): Promise<number> {
  const { waitpidAsync } = require('../sys/libc') as typeof import('../sys/libc');
  return waitpidAsync(pid).then((raw) => {
    if (raw === undefined) return 255;
    const sig = raw & 0x7f;
    return sig === 0 ? (raw >> 8) & 0xff : 128 + sig;
  });
}
