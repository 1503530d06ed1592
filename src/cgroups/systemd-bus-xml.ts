// What dbus-next gets for require('xml2js') in the systemd chunk
// (scripts/bundle.mjs, ALIASES), in place of xml2js and the xmlbuilder and
// sax it requires (38 files, 200 KB, compiled on every --systemd-cgroup
// command before: docs/performance.md, "The systemd cgroup manager"). They
// serve only D-Bus introspection, which runts never does: it calls
// systemd's methods by name, with signatures it writes (systemd-bus.ts).
// dbus-next makes a Builder with every bus, used only to answer an
// Introspect call on the objects a program exports (runts exports none),
// and a Parser with every proxy object (getProxyObject, which runts does
// not use). Both fail clearly if ever used: dbus-next answers the caller of
// an Introspect with the error, and getProxyObject rejects with it.
const LEFT_OUT = 'runts: D-Bus introspection is not available: xml2js is left out of the systemd chunk (src/cgroups/systemd-bus-xml.ts)';

export class Builder {
  // dbus-next passes { headless: true }.
  constructor(_options?: unknown) {}

  buildObject(_object: unknown): string {
    throw new Error(LEFT_OUT);
  }
}

export class Parser {
  constructor(_options?: unknown) {}

  parseString(_xml: string, callback: (err: Error | null, result?: unknown) => void): void {
    callback(new Error(LEFT_OUT));
  }
}
