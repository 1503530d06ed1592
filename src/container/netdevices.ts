// linux.netDevices: host network interfaces moved into the container's
// network namespace under their new names, with their permanent global
// addresses, and set up (as runc 1.4+ does); back to the host, under their
// old names, at delete.
//
// Done from the host side with iproute2's `ip` (one RTM_NEWLINK with the
// target namespace and the new name: the kernel moves and renames in one
// step, or does neither), entering the container's namespace with nsenter
// for what must be done inside. No npm netlink library is kept well enough
// to carry this, and the spawns are paid only by containers that ask for a
// device (docs/fields.md).
//
// A container that makes its own network namespace has it held by a bind
// mount at <state dir>/netns from the move on, so that the devices outlive
// the container's processes: the kernel destroys virtual devices (veth,
// dummy) with their namespace, and would hand a physical one back under the
// container's name. delete moves them back and then lets it go. A joined
// namespace (a path) is its owner's: the devices stay there, as in runc.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import type { Config } from '../spec/types';
import { findInPath } from '../rootless';

// Required where a device moves, not at the top: create imports this module,
// and child_process (with net and the stream modules) cost every create
// about 5 ms of CPU to load (docs/performance.md, item 34).
const spawnSync: typeof import('node:child_process').spawnSync = ((...args: unknown[]) =>
  (require('node:child_process').spawnSync as (...a: unknown[]) => unknown)(...args)) as never;

// One moved device: its name on the host and in the container, and whether
// it was up on the host (it is set up inside regardless, as runc does).
export interface MovedDevice {
  host: string;
  name: string;
  wasUp: boolean;
}

const q = JSON.stringify;
const ptr = (host: string) => `/linux/netDevices/${host.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const fail = (pointer: string, what: string) => new RuntsError(`config.json: ${pointer}: ${what}`, { file: 'config.json', pointer });

// The kernel's rule for an interface name (dev_valid_name): 1 to 15 bytes,
// not . or .., no slash, colon or white space.
function validName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

// The interfaces of this process's network namespace.
export function hostInterfaces(): Set<string> {
  const lines = fs.readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2);
  return new Set(lines.map((l) => l.split(':')[0].trim()).filter(Boolean));
}

// Before anything is made: what can be known wrong from the config and the host.
export function checkNetDevices(config: Config, rootless: boolean, hostHas?: Set<string>): void {
  const devices = config.linux?.netDevices;
  if (!devices || Object.keys(devices).length === 0) return;
  const have = hostHas ?? hostInterfaces();
  const netns = (config.linux?.namespaces ?? []).find((n) => n.type === 'network');
  if (!netns) throw fail('/linux/netDevices', 'needs a network namespace of the container in /linux/namespaces (devices are moved into it)');
  if (rootless) throw fail('/linux/netDevices', 'moving network devices needs root on the host (not rootless)');
  const targets = new Map<string, string>();
  for (const [host, dev] of Object.entries(devices)) {
    if (!validName(host)) throw fail(ptr(host), `not a valid interface name; got ${q(host)}`);
    const name = dev?.name || host;
    if (!validName(name)) throw fail(`${ptr(host)}/name`, `not a valid interface name; got ${q(name)}`);
    if (!have.has(host)) throw fail(ptr(host), `no network interface ${q(host)} on the host`);
    if (targets.has(name)) throw fail(`${ptr(host)}/name`, `${q(name)} is also the name given to ${q(targets.get(name))}`);
    if (!netns.path && name === 'lo') throw fail(`${ptr(host)}/name`, `${q(name)} is taken in the container's network namespace (its loopback)`);
    targets.set(name, host);
  }
}

function ipBinary(): string {
  const ip = findInPath('ip');
  if (!ip) throw fail('/linux/netDevices', "moving network devices needs iproute2's ip, which is not installed");
  return ip;
}

// `ip args...`, in the network namespace at netns (or runts' own).
function ip(args: string[], netns?: string, input?: string): { ok: boolean; out: string; err: string } {
  const bin = ipBinary();
  const [cmd, argv] = netns ? [findInPath('nsenter') ?? 'nsenter', [`--net=${netns}`, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? String(r.error ?? '')).trim() };
}

interface Link {
  up: boolean;
  addrs: string[]; // permanent, global scope: "10.0.0.1/24"
}

function linkOf(name: string, netns?: string): Link | undefined {
  const r = ip(['-j', 'address', 'show', 'dev', name], netns);
  if (!r.ok) return undefined;
  const [link] = JSON.parse(r.out || '[]') as { flags?: string[]; addr_info?: { local: string; prefixlen: number; scope: string; dynamic?: boolean }[] }[];
  if (!link) return undefined;
  const addrs = (link.addr_info ?? []).filter((a) => a.scope === 'global' && !a.dynamic).map((a) => `${a.local}/${a.prefixlen}`);
  return { up: (link.flags ?? []).includes('UP'), addrs };
}

// Moves one interface from the namespace `from` (undefined: runts' own) to
// the namespace file `to`, renamed, and gives it its addresses there. The
// kernel moves first and renames after: when the rename fails (the name is
// taken there), the interface is brought back to where it was.
function moveLink(from: string | undefined, oldName: string, to: string, newName: string, up: boolean): string | undefined {
  const link = linkOf(oldName, from);
  if (!link) return `no interface ${q(oldName)} to move`;
  if (link.up) ip(['link', 'set', 'dev', oldName, 'down'], from);
  const moved = ip(['link', 'set', 'dev', oldName, 'netns', to, 'name', newName], from);
  if (!moved.ok) {
    const home = from ?? `/proc/${process.pid}/ns/net`;
    if (linkOf(oldName, to)) ip(['link', 'set', 'dev', oldName, 'netns', home], to); // moved, not renamed
    if (link.up) ip(['link', 'set', 'dev', oldName, 'up'], from);
    return moved.err || 'ip link set failed';
  }
  const batch = [...link.addrs.map((a) => `address add ${a} dev ${newName}`), ...(up ? [`link set dev ${newName} up`] : [])];
  if (batch.length) {
    const r = ip(['-batch', '-'], to, batch.join('\n') + '\n');
    if (!r.ok) return `moved, but setting it up there failed: ${r.err}`;
  }
  return undefined;
}

// The container's network namespace held at holdPath (when the container
// made it), then each device moved in. A failure moves back those already
// moved, and says which field failed.
// note(devices) is told each device before it is moved, so that a create
// killed midway leaves a record delete --force can move them back by.
export function moveIn(config: Config, pid: number, holdPath: string | undefined, note: (devices: MovedDevice[]) => void = () => {}): MovedDevice[] {
  const devices = config.linux?.netDevices ?? {};
  const nsPath = `/proc/${pid}/ns/net`;
  if (holdPath) holdNetns(nsPath, holdPath);
  const moved: MovedDevice[] = [];
  for (const [host, dev] of Object.entries(devices)) {
    const name = dev?.name || host;
    const wasUp = linkOf(host)?.up ?? false;
    note([...moved, { host, name, wasUp }]);
    const err = moveLink(undefined, host, holdPath ?? nsPath, name, true);
    if (err) {
      const back = moveBack(moved, holdPath ?? nsPath);
      if (holdPath) releaseNetns(holdPath);
      const taken = /exists/i.test(err);
      throw fail(taken ? `${ptr(host)}/name` : ptr(host), `cannot move ${q(host)} into the container as ${q(name)}: ${taken ? `${q(name)} is taken in the container's network namespace` : err}${back.length ? `; and moving back failed: ${back.join('; ')}` : ''}`);
    }
    moved.push({ host, name, wasUp });
  }
  return moved;
}

// Each device back to runts' network namespace under its host name.
// Returns what could not be moved (delete warns; create reports it).
export function moveBack(moved: MovedDevice[], netns: string): string[] {
  const problems: string[] = [];
  const home = `/proc/${process.pid}/ns/net`;
  for (const d of [...moved].reverse()) {
    const err = moveLink(netns, d.name, home, d.host, d.wasUp);
    if (err) problems.push(`${d.name} -> ${d.host}: ${err}`);
  }
  return problems;
}

function holdNetns(nsPath: string, holdPath: string): void {
  fs.writeFileSync(holdPath, '', { mode: 0o600 });
  const r = spawnSync(findInPath('mount') ?? 'mount', ['--bind', nsPath, holdPath], { encoding: 'utf8' });
  if (r.status !== 0) throw fail('/linux/netDevices', `cannot hold the container's network namespace at ${holdPath}: ${(r.stderr ?? '').trim()}`);
}

// Lets the held namespace go (removeStateDir does the same at the end).
function releaseNetns(holdPath: string): void {
  if (!fs.existsSync(holdPath)) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { getLibc, MNT_DETACH } = require('../sys/libc') as typeof import('../sys/libc');
  getLibc().umount2(holdPath, MNT_DETACH);
  try {
    fs.unlinkSync(holdPath);
  } catch {
    /* removed with the directory */
  }
}
