// Rootless mode (docs/rootless.md): is runts running without root over the
// host, where its state goes then, and how a user namespace's id mappings
// are written by a caller with no capability outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from './errors';

// The initial user namespace maps every id to itself.
const IDENTITY_MAP = /^\s*0\s+0\s+4294967295\s*$/;

// This process's answer, read once: a create asks for --rootless's default
// and again for the plan's host facts (a process cannot change its user
// namespace's mappings from outside it).
let ownAnswer: boolean | undefined;

export function inInitialUserNs(uidMap?: string): boolean {
  if (uidMap !== undefined) return IDENTITY_MAP.test(uidMap);
  if (ownAnswer !== undefined) return ownAnswer;
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return (ownAnswer = true); // no /proc: nothing says otherwise
  }
  return (ownAnswer = IDENTITY_MAP.test(text));
}

// The caller has no capability over the host: not root, or root only of a
// user namespace of its own. `--rootless true|false|auto` (runc's global
// option) decides, auto by that detection.
export function isRootless(flag: unknown, euid = process.geteuid?.() ?? 0, uidMap?: string): boolean {
  if (flag === undefined || flag === 'auto') return euid !== 0 || !inInitialUserNs(uidMap);
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  throw new RuntsError(`--rootless: must be true, false or auto; got ${JSON.stringify(String(flag))}`);
}

// Without --root: /run/runts, or $XDG_RUNTIME_DIR/runts when rootless (as
// runc uses $XDG_RUNTIME_DIR/runc). runc honours XDG_RUNTIME_DIR for a root
// of a user namespace unless USER says root; so does runts.
export function defaultRoot(rootless: boolean, env: NodeJS.ProcessEnv = process.env, euid = process.geteuid?.() ?? 0): string {
  const xdg = env.XDG_RUNTIME_DIR;
  const honour = rootless && !!xdg && (euid !== 0 || env.USER !== 'root');
  if (honour) return path.join(xdg!, 'runts');
  if (rootless && euid !== 0) {
    throw new RuntsError('rootless: no state directory: XDG_RUNTIME_DIR is not set; set it or pass --root');
  }
  return '/run/runts';
}

// --------------------------------------------------------------- id mappings

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface MapPlan {
  uid: { direct: boolean };
  gid: { direct: boolean };
}

interface Who {
  uid: number;
  gid: number;
  name?: string; // the login name of uid, for /etc/subuid
  groupName?: string;
}

function who(): Who {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  const nameOf = (file: string, id: number) => {
    try {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && f[2] === String(id)) return f[0];
      }
    } catch {
      /* no such file */
    }
    return undefined;
  };
  return { uid, gid, name: nameOf('/etc/passwd', uid), groupName: nameOf('/etc/group', gid) };
}

// The ranges /etc/subuid (or subgid) grants to a user, by name or number.
export function subIdRanges(text: string, id: number, name?: string): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length !== 3 || line.trim().startsWith('#')) continue;
    if (f[0] !== String(id) && f[0] !== name) continue;
    const start = Number(f[1]);
    const count = Number(f[2]);
    if (Number.isInteger(start) && Number.isInteger(count) && count > 0) out.push({ start, count });
  }
  return out;
}

// Which mappings the caller may write, and how: its own id alone, directly
// (the kernel allows that to the namespace's owner; gid_map after
// "deny" in setgroups); anything else through newuidmap/newgidmap, which
// allow the ranges /etc/subuid and /etc/subgid grant. A mapping allowed
// by neither fails here, before anything is made, naming the field.
export function checkMappings(
  uidMappings: IdMapping[] | undefined,
  gidMappings: IdMapping[] | undefined,
  ids: Who = who(),
  read: (file: string) => string = readOrEmpty,
  findTool: (name: string) => string | undefined = findInPath,
): MapPlan {
  const one = (kind: 'uid' | 'gid', maps: IdMapping[] | undefined) => {
    const pointer = `/linux/${kind}Mappings`;
    const own = kind === 'uid' ? ids.uid : ids.gid;
    if (!maps?.length) throw new RuntsError(`config.json: ${pointer}: a rootless container's user namespace needs a mapping (e.g. containerID 0, hostID ${own}, size 1)`, { file: 'config.json', pointer });
    if (maps.length === 1 && maps[0].hostID === own && maps[0].size === 1) return { direct: true };
    const file = kind === 'uid' ? '/etc/subuid' : '/etc/subgid';
    const tool = kind === 'uid' ? 'newuidmap' : 'newgidmap';
    const granted = subIdRanges(read(file), own, kind === 'uid' ? ids.name : ids.groupName ?? ids.name);
    maps.forEach((m, i) => {
      const ownId = m.size === 1 && m.hostID === own;
      const inRange = granted.some((r) => m.hostID >= r.start && m.hostID + m.size <= r.start + r.count);
      if (!ownId && !inRange) {
        throw new RuntsError(`config.json: ${pointer}/${i}: host ids ${m.hostID}-${m.hostID + m.size - 1} are not yours to map: only your own ${kind} ${own} and the ranges ${file} grants you${granted.length ? ` (${granted.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ')})` : ' (none)'}`, { file: 'config.json', pointer: `${pointer}/${i}` });
      }
    });
    if (!findTool(tool)) throw new RuntsError(`config.json: ${pointer}: mapping more than your own ${kind} needs ${tool} (package uidmap), which is not in PATH`, { file: 'config.json', pointer });
    return { direct: false };
  };
  return { uid: one('uid', uidMappings), gid: one('gid', gidMappings) };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function findInPath(name: string, envPath = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  for (const dir of [...envPath.split(':'), '/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

const fmt = (maps: IdMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n') + '\n';

// Writes the maps of the user namespace that process pid made: directly, or
// through newuidmap/newgidmap (checkMappings said which).
export function writeRootlessMaps(pid: number, uidMappings: IdMapping[], gidMappings: IdMapping[], how: MapPlan): void {
  const direct = (file: string, content: string, pointer: string) => {
    try {
      fs.writeFileSync(`/proc/${pid}/${file}`, content);
    } catch (err) {
      throw new RuntsError(`config.json: ${pointer}: write /proc/${pid}/${file}: ${(err as NodeJS.ErrnoException).code}`, { file: 'config.json', pointer });
    }
  };
  const tool = (name: string, maps: IdMapping[], pointer: string) => {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
    const r = spawnSync(findInPath(name) ?? name, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw new RuntsError(`config.json: ${pointer}: run ${name}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`, { file: 'config.json', pointer });
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || '').trim().split('\n').pop() || `exit status ${r.status}`;
      throw new RuntsError(`config.json: ${pointer}: ${name} refused the mapping: ${why}`, { file: 'config.json', pointer });
    }
  };
  if (how.uid.direct) direct('uid_map', fmt(uidMappings), '/linux/uidMappings');
  else tool('newuidmap', uidMappings, '/linux/uidMappings');
  if (how.gid.direct) {
    // The kernel lets an unprivileged writer map its gid only once
    // setgroups(2) is denied in the namespace.
    direct('setgroups', 'deny', '/linux/gidMappings');
    direct('gid_map', fmt(gidMappings), '/linux/gidMappings');
  } else tool('newgidmap', gidMappings, '/linux/gidMappings');
}
