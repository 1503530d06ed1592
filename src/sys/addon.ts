// bin/runts-addon.node (native/addon.c): what Node itself does not do
// cheaply. The entries in build/ load it first thing to map their bundle,
// so loading it here again costs about 0.03 ms; `node bin/runts.js` and a
// build without it get undefined, and each caller does without.
import * as path from 'node:path';

export interface RuntsAddon {
  exit(status: number): never;
  readFile(file: string, latin1: boolean): string;
  libseccompVersion?(): string | undefined; // absent from an addon built before it
  // libseccomp's calls, one to one (native/addon.c); absent from an older addon.
  scmpOpen?(): boolean;
  scmpInit(action: number): number;
  scmpRelease(h: number): void;
  scmpArchAdd(h: number, token: number): number;
  scmpArchNative(): number;
  scmpArchResolve(name: string): number;
  scmpResolveName(name: string): number;
  scmpResolveNameArch(token: number, name: string): number;
  scmpRuleAdd(h: number, action: number, nr: number, count: number, args: Buffer | undefined): number;
  scmpAttrSet(h: number, attr: number, value: number): number;
  scmpExportBpf(h: number, fd: number): number;
  memfdCreate(name: string, flags: number): number;
  seccompProbe(flags: number): number;
  lastErrno(): number;
}

const ADDON = path.join(__dirname, '..', '..', 'bin', 'runts-addon.node');
let loaded: RuntsAddon | null | undefined;

export function runtsAddon(): RuntsAddon | undefined {
  if (loaded === undefined) {
    try {
      const m = { exports: {} as Partial<RuntsAddon> };
      process.dlopen(m, ADDON);
      // An addon from an older build may lack a function: then none of it.
      loaded = typeof m.exports.exit === 'function' && typeof m.exports.readFile === 'function' ? (m.exports as RuntsAddon) : null;
    } catch {
      loaded = null; // not built, or not loadable by this Node
    }
  }
  return loaded ?? undefined;
}
