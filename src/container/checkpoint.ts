// checkpoint: criu dumps the container's process tree to an image
// directory; the container is then gone (deleted, as runc destroys it),
// unless --leave-running or --pre-dump keep it. docs/checkpoint.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import type { Config } from '../spec/types';
import { dumpArgs, DumpOptions, externalFileKey, StdioFile } from '../criu/args';
import { findCriu, runCriu } from '../criu/run';
import { hostSourcedMounts } from '../plan/compile';
import { cgroupMountSources } from '../plan/facts';
import { inInitialUserNs } from '../rootless';
import { detectLayout } from '../cgroups/layout';
import { Placement } from '../cgroups/placement';
import { containerDir, lockContainer, readSavedIn, statusOf } from './state';
import { deleteContainer } from './delete';
import { step } from '../log';

export interface CheckpointOptions extends Omit<DumpOptions, 'imagePath'> {
  root: string;
  id: string;
  imagePath?: string; // default: ./checkpoint, as runc
  criu?: string;
}

// The name of the file, in the image directory, that says what the
// process's stdio was (restore hands its own fds over in their place).
export const STDIO_FILE = 'runts-stdio.json';

// The container's stdio at checkpoint. A file on a mount outside the
// container (the host's /dev/null, a log file) gets criu's external key:
// criu cannot reopen it by path inside the container.
export function readStdio(pid: number): StdioFile[] {
  const ours = new Set<number>();
  for (const line of fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) if (line) ours.add(Number(line.split(' ')[0]));
  const out: StdioFile[] = [];
  for (const fd of [0, 1, 2]) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed
    }
    const f: StdioFile = { fd, link };
    if (!/^(pipe|socket|anon_inode):/.test(link)) {
      const mnt = /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (mnt && !ours.has(Number(mnt[1]))) {
        const st = fs.statSync(`/proc/${pid}/fd/${fd}`, { bigint: true });
        // A terminal is criu's tty[RDEV:DEV]; anything else file[MNT_ID:INODE].
        f.externalKey = st.isCharacterDevice() && /^\/dev\/(pts\/|tty|console)/.test(link)
          ? `tty[${st.rdev.toString(16)}:${st.dev.toString(16)}]`
          : externalFileKey(Number(mnt[1]), st.ino);
      }
    }
    out.push(f);
  }
  return out;
}

export async function checkpoint(o: CheckpointOptions): Promise<void> {
  const dir = containerDir(o.root, o.id);
  if (!fs.existsSync(dir)) throw new RuntsError(`container "${o.id}" does not exist`);
  const imagePath = path.resolve(o.imagePath || 'checkpoint');
  const workPath = path.resolve(o.workPath || imagePath);
  const lock = lockContainer(dir);
  try {
    const saved = readSavedIn(dir, o.id);
    const status = statusOf(saved, dir);
    if (status !== 'running' && status !== 'paused') throw new RuntsError(`checkpoint: container "${o.id}" is ${status}, not running`, { step: 'checkpoint: check the container' });
    // As runc: the container first, then the tool (a machine without criu
    // still says which container is missing or not running).
    const criu = findCriu(o.criu);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Config;
    for (const [what, p] of [['--image-path', imagePath], ['--work-path', workPath]]) {
      try {
        fs.mkdirSync(p, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new RuntsError(`checkpoint: ${what} ${p}: ${(err as NodeJS.ErrnoException).code}`, { step: `checkpoint: make ${what}` });
      }
    }
    if (o.parentPath && !fs.existsSync(path.resolve(imagePath, o.parentPath))) {
      throw new RuntsError(`checkpoint: --parent-path ${o.parentPath}: no such directory (it is relative to --image-path ${imagePath})`, { step: 'checkpoint: find the parent images' });
    }
    const stdio = readStdio(saved.pid);
    fs.writeFileSync(path.join(imagePath, STDIO_FILE), JSON.stringify(stdio));
    const netns = (config.linux?.namespaces ?? []).find((n) => n.type === 'network' && n.path);
    const freezer = status === 'paused' && saved.cgroup ? new Placement(saved.cgroup, detectLayout()).freezer() : undefined;
    const args = dumpArgs({
      opts: { ...o, imagePath, workPath },
      pid: saved.pid,
      rootfs: saved.rootfs,
      binds: hostSourcedMounts(config, saved.bundle, !inInitialUserNs(), cgroupMountSources(saved.cgroup)),
      stdio,
      netnsInode: netns ? fs.statSync(netns.path!).ino : undefined,
      freezeCgroup: freezer?.dir,
    });
    const statusFd = o.statusFd !== undefined && o.statusFd >= 0 ? o.statusFd : undefined;
    const fds: ('ignore' | 'pipe' | number)[] = ['ignore', 'ignore', 'pipe'];
    if (statusFd !== undefined) {
      while (fds.length < statusFd) fds.push('ignore');
      fds[statusFd] = statusFd;
    }
    const name = o.preDump ? 'pre-dump' : 'dump';
    step(`checkpoint: criu ${name}`);
    runCriu({ criu, args, what: `checkpoint: criu ${name}`, logFile: path.join(workPath, `${name}.log`), stdio: fds });
  } finally {
    fs.closeSync(lock);
  }
  // criu has killed the processes: the container goes, as with runc, so
  // that it can be restored under the same ID.
  if (!o.leaveRunning && !o.preDump) await deleteContainer(o.root, o.id, true);
}
