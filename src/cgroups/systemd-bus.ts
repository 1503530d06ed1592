// Talking to systemd's manager over D-Bus (dbus-next): the system bus, or
// rootless the user's own manager on the session bus. Required only by the
// systemd cgroup manager (manager.ts), so commands without --systemd-cgroup
// load none of it and open no connection.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import { debug } from '../log';
import { NestedVariant } from './systemd-props';
import type { Property } from './systemd-units';

type DBus = typeof import('dbus-next');
type Bus = ReturnType<DBus['systemBus']>;

const DEST = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';

// How long systemd has to start or stop a unit (runc waits 30 s too).
export const JOB_TIMEOUT_MS = 30_000;

export interface BusChoice {
  user: boolean; // the user's manager (rootless), else the system's
}

// $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus (as runc and crun).
export function userBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const hint = 'the user\'s systemd (a login session or `loginctl enable-linger`, and dbus-user-session); or use the cgroupfs manager (drop --systemd-cgroup)';
  if (!env.XDG_RUNTIME_DIR) throw new RuntsError(`--systemd-cgroup: rootless: no session bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set; this needs ${hint}`);
  const path = `${env.XDG_RUNTIME_DIR}/bus`;
  if (!fs.existsSync(path)) throw new RuntsError(`--systemd-cgroup: rootless: no session bus at ${path} (DBUS_SESSION_BUS_ADDRESS is not set); this needs ${hint}`);
  return `unix:path=${path}`;
}

// The a(sv) of unit properties, in dbus-next's form.
export function toVariants(dbus: DBus, props: Property[]): [string, unknown][] {
  // Variants inside a value (from an org.systemd.property.* annotation,
  // systemd-props.ts) as dbus-next's too.
  const nested = (value: unknown): unknown => {
    if (value instanceof NestedVariant) return new dbus.Variant(value.signature, nested(value.value));
    if (Array.isArray(value)) return value.map(nested);
    if (value && typeof value === 'object' && !Buffer.isBuffer(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nested(v)]));
    return value;
  };
  return props.map(([name, sig, value]) => [name, new dbus.Variant(sig, nested(value))]);
}

export class SystemdBus {
  private readonly dbus: DBus;
  private readonly bus: Bus;
  private readonly jobs = new Map<string, (result: string) => void>();
  private subscribed = false;
  private broken?: Error;
  private restoreUid?: () => void;

  constructor(readonly choice: BusChoice) {
    this.dbus = require('dbus-next') as DBus;
    const address = choice.user ? userBusAddress() : process.env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/run/dbus/system_bus_socket';
    debug(`systemd: connecting to ${address}`);
    this.restoreUid = choice.user ? authAsHostUid() : undefined;
    this.bus = choice.user ? this.dbus.sessionBus({ busAddress: address }) : this.dbus.systemBus();
    this.bus.once('connect', () => this.putUidBack());
    this.bus.on('error', (err: Error) => {
      this.putUidBack();
      this.broken = err;
      for (const done of this.jobs.values()) done('bus-error');
    });
    // JobRemoved(u id, o job, s unit, s result) for the jobs we wait on.
    this.bus.on('message', (msg: { type: number; interface?: string; member?: string; body: unknown[] }) => {
      if (msg.interface !== MANAGER || msg.member !== 'JobRemoved') return;
      const [, job, , result] = msg.body as [number, string, string, string];
      this.jobs.get(job)?.(result);
    });
  }

  private where(): string {
    return this.choice.user ? "the user's systemd (session bus)" : 'systemd (system bus)';
  }

  private async call(member: string, signature: string, body: unknown[], iface = MANAGER, path = PATH): Promise<unknown[]> {
    if (this.broken) throw this.failure(member, this.broken);
    try {
      const reply = await this.bus.call(new this.dbus.Message({ destination: DEST, path, interface: iface, member, signature, body }));
      return reply?.body ?? [];
    } catch (err) {
      throw this.failure(member, err as Error);
    }
  }

  private failure(member: string, err: Error & { type?: string; code?: string }): RuntsError {
    const what = err.type ?? err.code ?? '';
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') {
      return new RuntsError(`--systemd-cgroup: cannot reach ${this.where()}: ${err.code}; use the cgroupfs manager (drop --systemd-cgroup)`);
    }
    // A session bus without the user's systemd on it.
    if (this.choice.user && ['org.freedesktop.DBus.Error.ServiceUnknown', 'org.freedesktop.DBus.Error.NameHasNoOwner'].includes(what)) {
      return new RuntsError(`--systemd-cgroup: rootless: no systemd user manager on the session bus (${err.message}); start one (a login session, or \`loginctl enable-linger\`), or use the cgroupfs manager (drop --systemd-cgroup)`);
    }
    return new RuntsError(`systemd: ${member}: ${err.message}${what && !err.message.includes(what) ? ` (${what})` : ''}`);
  }

  // The error's D-Bus name, for the callers that handle one.
  static errorName(err: unknown): string {
    return String((err as Error)?.message ?? '').match(/\(([\w.]+)\)$/)?.[1] ?? '';
  }

  private async subscribe(): Promise<void> {
    if (this.subscribed) return;
    // Signals reach us only once we match them; Subscribe makes systemd send
    // them at all (it emits JobRemoved only while someone is subscribed).
    await this.bus.call(
      new this.dbus.Message({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'AddMatch',
        signature: 's',
        body: [`type='signal',sender='${DEST}',interface='${MANAGER}',member='JobRemoved'`],
      }),
    );
    await this.call('Subscribe', '', []);
    this.subscribed = true;
  }

  // Runs a job-returning method and waits for the job's JobRemoved: its
  // result ("done", "failed", "timeout", ...), or "timeout" if none came.
  private async job(member: string, signature: string, body: unknown[]): Promise<string> {
    await this.subscribe();
    let resolve!: (r: string) => void;
    const result = new Promise<string>((r) => (resolve = r));
    // The signal can come before the reply: catch it whatever the job's path.
    const early: [string, string][] = [];
    const listen = (job: string, r: string) => early.push([job, r]);
    const catchAll = (msg: { interface?: string; member?: string; body: unknown[] }) => {
      if (msg.interface === MANAGER && msg.member === 'JobRemoved') listen(msg.body[1] as string, msg.body[3] as string);
    };
    this.bus.on('message', catchAll);
    let job: string;
    try {
      [job] = (await this.call(member, signature, body)) as [string];
    } finally {
      this.bus.off('message', catchAll);
    }
    const seen = early.find(([j]) => j === job);
    if (seen) return seen[1];
    this.jobs.set(job, resolve);
    const timer = setTimeout(() => resolve('timeout'), JOB_TIMEOUT_MS);
    try {
      return await result;
    } finally {
      clearTimeout(timer);
      this.jobs.delete(job);
    }
  }

  variants(props: Property[]): [string, unknown][] {
    return toVariants(this.dbus, props);
  }

  // StartTransientUnit(name, mode "fail", properties, no auxiliary units).
  async startTransientUnit(unit: string, props: Property[]): Promise<string> {
    return this.job('StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'fail', this.variants(props), []]);
  }

  async stopUnit(unit: string): Promise<string> {
    return this.job('StopUnit', 'ss', [unit, 'replace']);
  }

  async setUnitProperties(unit: string, props: Property[]): Promise<void> {
    await this.call('SetUnitProperties', 'sba(sv)', [unit, true, this.variants(props)]);
  }

  async resetFailedUnit(unit: string): Promise<void> {
    await this.call('ResetFailedUnit', 's', [unit]);
  }

  async killUnit(unit: string, signal: number): Promise<void> {
    await this.call('KillUnit', 'ssi', [unit, 'all', signal]);
  }

  // A property of the manager itself (ControlGroup, Version).
  async managerProperty(name: string): Promise<unknown> {
    const [v] = (await this.call('Get', 'ss', [MANAGER, name], 'org.freedesktop.DBus.Properties')) as [{ value: unknown }];
    return v?.value;
  }

  private putUidBack(): void {
    this.restoreUid?.();
    this.restoreUid = undefined;
  }

  close(): void {
    this.putUidBack();
    this.bus.disconnect();
  }
}

// Rootless inside a user namespace (rootless podman runs its runtime in
// one): dbus-next's EXTERNAL authentication sends process.getuid(), the
// namespace's uid (0), while the bus daemon sees the caller's host uid in
// its peer credentials and refuses the mismatch. runc sends the host uid
// (from /proc/self/uid_map) for the same reason. dbus-next has no option
// for it, so getuid answers the host uid until the handshake is over (the
// 'connect' or 'error' of the bus, or close); the undo is returned.
export function authAsHostUid(uidMap?: string): (() => void) | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const host = hostUid(uid, uidMap);
  if (host === undefined || host === uid) return undefined;
  const original = process.getuid;
  process.getuid = () => host;
  return () => {
    process.getuid = original;
  };
}

// The host uid that uid of this user namespace maps to (uid_map lines:
// inside, outside, count).
export function hostUid(uid: number, uidMap?: string): number | undefined {
  let text = uidMap;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/uid_map', 'utf8');
    } catch {
      return undefined;
    }
  }
  for (const line of text.split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if ([inside, outside, count].some((n) => !Number.isFinite(n))) continue;
    if (uid >= inside && uid < inside + count) return outside + (uid - inside);
  }
  return undefined;
}
