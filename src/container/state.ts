// A container's state on disk: <root>/<id>/state.json (written by temp file
// and rename), lock (serialises commands on one id), barrier (the start fifo).
// Status is always derived from the live process, never trusted from the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { checkContainerId } from '../spec/semantic';
import type { Hooks, State } from '../spec/types';
import type { CgroupRecord } from '../cgroups';
import { cgroupParents, madeEverywhere } from '../cgroups/dirs';
import { isAlive } from '../sys/proc';
import { flockExclusive } from '../sys/helper';
import { readSmallFile, removeFile } from '../sys/files';

export const SPEC_VERSION = '1.3.0';

// What runts keeps about a container: the spec's state plus what later
// commands need. Copied from config.json at create, so later edits of the
// bundle don't affect a created container.
export interface Saved {
  ociVersion: string;
  id: string;
  pid: number;
  startTime: string;
  bundle: string;
  annotations?: Record<string, string>;
  created: string; // ISO time
  rootfs: string;
  hooks?: Hooks;
  cgroup?: CgroupRecord;
  pidNamespace: boolean; // does the container own its pid namespace (then killing PID 1 ends all)
  // Set when the container has no mount namespace of its own: its mounts
  // live in the host's under this path, and delete must detach them.
  hostMounts?: string;
  owner: string;
  // linux.netDevices moved in (netdevices.ts), and the bind mount that holds
  // the container's network namespace until delete moves them back.
  netDevices?: { host: string; name: string; wasUp: boolean }[];
  netns?: string;
  // The session keyring exec'd processes join (as runc's setns init): the
  // init's, by name. Absent: create --no-new-keyring (or a restore).
  keyring?: string;
}

export function containerDir(root: string, id: string): string {
  const bad = checkContainerId(id);
  if (bad) throw new RuntsError(bad);
  return path.join(root, id);
}

// dir is containerDir()'s, normalized already: plain concatenation (list
// makes these for every container, and path.join is the slower).
export function stateFile(dir: string): string {
  return `${dir}/state.json`;
}

export function barrierPath(dir: string): string {
  return `${dir}/barrier`;
}

// create's note of the cgroup directories it makes, from before they exist
// until state.json does: a create killed in between leaves it, and delete
// removes those directories (and what runs in them) with the rest.
export function creatingFile(dir: string): string {
  return `${dir}/creating.json`;
}

// Where create holds a container's own network namespace when it moved
// network devices into it (a bind mount of /proc/<pid>/ns/net).
export function netnsHoldPath(dir: string): string {
  return `${dir}/netns`;
}

// create's note of the network devices it is moving in, until state.json
// has them: delete --force of an interrupted create moves them back.
export function netDevicesFile(dir: string): string {
  return `${dir}/netdevices.json`;
}

// Written whole (a temporary file renamed over the note): a create killed
// while writing leaves the old note or the new one, never half of one.
export function writeCreatingNote(dir: string, record: CgroupRecord): void {
  const tmp = `${creatingFile(dir)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, creatingFile(dir));
}

// The files runts keeps in a container's directory (and the barrier, gone
// once started). direct goes first: without state.json it would be wrong.
const STATE_FILES = ['exec', 'exec-seccomp', 'direct', 'state.json', 'config.json', 'lock', 'barrier', 'creating.json', 'creating.json.tmp', 'netdevices.json', 'netns'];

// Remove a container's directory: its known files, then the directory; only
// what else is found there (a temporary state file left by a killed
// command, say) needs the recursive remover.
export function removeStateDir(dir: string): void {
  // A held network namespace is let go first: its file is a mount point.
  if (fs.existsSync(netnsHoldPath(dir))) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { getLibc, MNT_DETACH } = require('../sys/libc') as typeof import('../sys/libc');
    getLibc().umount2(netnsHoldPath(dir), MNT_DETACH);
  }
  for (const f of STATE_FILES) if (fs.existsSync(`${dir}/${f}`)) removeFile(`${dir}/${f}`);
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fs.rmSync(dir, { recursive: true, force: true });
  }
}

// What bin/runts needs to run start, delete, kill, state and list itself,
// without Node (native/direct/; docs/architecture.md, "start, delete and
// kill without Node"): written beside state.json only when those commands
// have nothing to do that needs the TypeScript, that is no poststart or
// poststop hooks, no mounts left in the host's mount namespace, no network
// devices to move back, and only cgroup directories runts made (or the
// systemd unit made for it: then a `systemd system|user UNIT` line; start,
// kill, kill --all and state read and signal the unit's cgroup as any
// other, and delete, which must stop the unit over D-Bus, stays Node's
// unless the container has stopped and the system manager has dropped the
// unit already: native/direct/delete.c). Plain "key value" lines, so that the C side
// reads no JSON: what state and list print is written here already as JSON
// (JSON.stringify's own escapes), or as text where it needs none.
export interface FreezerDir {
  version: 1 | 2;
  dir: string;
}

const PLAIN = /^[\x20-\x7e]*$/; // printable ASCII: JSON adds only quotes, a table pads by bytes

export function directRecord(saved: Saved, freezer?: FreezerDir): string | undefined {
  if (saved.hooks?.poststart?.length || saved.hooks?.poststop?.length || saved.hostMounts || saved.netDevices?.length) return undefined;
  const lines = ['runts-direct 2', `pid ${saved.pid}`, `starttime ${saved.startTime}`];
  const cg = saved.cgroup;
  if (cg) {
    if (!madeEverywhere(cg)) return undefined;
    // A systemd unit is stopped over D-Bus, which the C side does not
    // speak: the line sends delete to Node while systemd has the unit (an
    // older launcher, which does not know the line, takes the whole record
    // for none; one that knows only `systemd UNIT` takes "system UNIT" for
    // a unit's name, and always leaves delete to Node).
    if (cg.systemd) lines.push(`systemd ${cg.systemd.user ? 'user' : 'system'} ${cg.systemd.unit}`);
    for (const d of cg.dirs) lines.push(`cgroup ${d}`);
    for (const d of cgroupParents(cg)) lines.push(`parent ${d}`);
  }
  // For state and list; without them (a bundle path that is not plain
  // ASCII, say) those two run in Node.
  const owner = saved.owner === '0' ? 'root' : saved.owner;
  if (typeof saved.rootfs === 'string' && [saved.ociVersion, saved.bundle, saved.created, owner].every((v) => typeof v === 'string' && PLAIN.test(v) && !/["\\]/.test(v))) {
    lines.push(`oci ${saved.ociVersion}`, `bundle ${saved.bundle}`, `rootfs-json ${JSON.stringify(saved.rootfs)}`, `created ${saved.created}`, `owner ${owner}`);
    if (freezer) lines.push(`freezer ${freezer.version} ${freezer.dir}`);
    for (const [k, v] of Object.entries(saved.annotations ?? {})) lines.push(`annotation ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    lines.push('listed');
  }
  if (lines.some((l) => l.includes('\n'))) return undefined;
  return lines.join('\n') + '\n';
}

// state.json and, where it applies, the direct record; each by temporary
// file and rename, state.json first (the record is no good without it).
export function writeSaved(dir: string, saved: Saved, freezer?: FreezerDir): void {
  writeAtomically(dir, 'state.json', JSON.stringify(saved));
  const direct = directRecord(saved, freezer);
  if (direct) writeAtomically(dir, 'direct', direct);
}

export function writeAtomically(dir: string, name: string, text: string | Buffer): void {
  const tmp = `${dir}/.${name}.${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, `${dir}/${name}`);
}

export function readSaved(root: string, id: string): Saved {
  return readSavedIn(containerDir(root, id), id);
}

// The same, in a container directory found already (dir as containerDir's).
export function readSavedIn(dir: string, id: string): Saved {
  let text: string;
  try {
    text = readSmallFile(stateFile(dir), 'utf8'); // about 1 KiB
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntsError(`container "${id}" does not exist`);
    throw new RuntsError(`container "${id}": cannot read state: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    return JSON.parse(text) as Saved;
  } catch {
    throw new RuntsError(`container "${id}": state file is corrupt`);
  }
}

// Lazily detach every mount runts made under a rootfs in the host's mount
// namespace (containers without a mount namespace). Only the mount stacked
// on the rootfs by create is removed, with whatever is below it.
export function detachHostMounts(rootfs: string): void {
  const mounted = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === rootfs);
  if (!mounted) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { getLibc, MNT_DETACH } = require('../sys/libc') as typeof import('../sys/libc');
  getLibc().umount2(rootfs, MNT_DETACH);
}

// Paused: the container's cgroup frozen by its freezer (v1 freezer.state
// where a v1 freezer hierarchy exists, else v2 cgroup.freeze).
export function isFrozen(saved: Saved): boolean {
  if (!saved.cgroup) return false;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { isFrozenCgroup } = require('../cgroups/freezer') as typeof import('../cgroups/freezer');
  return isFrozenCgroup(saved.cgroup);
}

export function statusOf(saved: Saved, dir: string): State['status'] {
  if (!isAlive(saved.pid, saved.startTime)) return 'stopped';
  if (fs.existsSync(barrierPath(dir))) return 'created';
  if (isFrozen(saved)) return 'paused';
  return 'running';
}

export function toState(saved: Saved, status: State['status']): State {
  const state: State = { ociVersion: SPEC_VERSION, id: saved.id, status, bundle: saved.bundle };
  if (status !== 'stopped') state.pid = saved.pid;
  state.annotations = saved.annotations ?? {};
  return state;
}

// Serialise commands that change one container. flock is released by the
// kernel when the last fd of the open file is closed, so a crashed command
// never leaves it held.
export function lockContainer(dir: string): number {
  const fd = openLockFile(dir);
  try {
    flockExclusive(`lock ${dir}`, fd);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

// The container's lock file, opened but not locked (create and run hand it
// to the init, which locks it for them).
export function openLockFile(dir: string): number {
  try {
    return fs.openSync(path.join(dir, 'lock'), fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntsError(`container "${path.basename(dir)}" does not exist`);
    throw err;
  }
}
