// Run once while scripts/bundle.mjs makes the systemd chunk's code cache
// (build/runts-systemd.js and .cache: the systemd cgroup manager and
// dbus-next with what it requires, loaded by a bundle's loader only when a
// command needs them: --systemd-cgroup, or a record that says systemd);
// never by a command. It loads what the manager loads and runs what every
// --systemd-cgroup create does without a bus: the unit's name and
// properties, and a StartTransientUnit message marshalled as the connection
// sends it and read back as the connection reads a reply. No connection is
// made, nothing is written, no process is made or signalled.
import { unitName, baseProperties, resourceProperties } from './cgroups/systemd-units';
import { annotationProperties } from './cgroups/systemd-props';
import { toVariants } from './cgroups/systemd-bus';
import './cgroups/systemd';

export function warmUpSystemd(): void {
  const name = unitName('system.slice:runts:warm-up', 'warm-up');
  const { props } = resourceProperties({ memory: { limit: 256 << 20 }, cpu: { shares: 512, quota: 50000, period: 100000 }, pids: { limit: 1024 } });
  const extra = annotationProperties({ 'org.systemd.property.TimeoutStopSec': '10', 'org.systemd.property.CollectMode': "'inactive-or-failed'" });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dbus = require('dbus-next') as typeof import('dbus-next');
  // The connection's own marshalling (dbus-next's connection.js uses these).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { marshallMessage, messageToJsFmt } = require('dbus-next/lib/marshall-compat');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { unmarshall } = require('dbus-next/lib/message');
  const body = [name.unit, 'fail', toVariants(dbus, [...baseProperties(name, process.pid, 'runts container warm-up'), ...extra, ...props]), []];
  const call = new dbus.Message({ serial: 2, destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body });
  messageToJsFmt(unmarshall(marshallMessage(call)[0]));
  // A reply (the job's path) and the JobRemoved signal, as they come in.
  // (dbus-next's types say replySerial is a string; on the wire it is a number.)
  const reply = new dbus.Message({ type: dbus.MessageType.METHOD_RETURN, serial: 3, replySerial: 2 as unknown as string, signature: 'o', body: ['/org/freedesktop/systemd1/job/1'] });
  messageToJsFmt(unmarshall(marshallMessage(reply)[0]));
  const signal = dbus.Message.newSignal('/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'JobRemoved', 'uoss', [1, '/org/freedesktop/systemd1/job/1', name.unit, 'done']);
  signal.serial = 4;
  messageToJsFmt(unmarshall(marshallMessage(signal)[0]));
}
