// Run once while scripts/bundle.mjs makes the light bundle's code cache
// (build/runts-light.js and .cache: state, list, kill, start, delete), and by
// the full bundle's warm-up; never by a command. It loads only what those
// commands use (the modules it loads are the light bundle's), and runs their
// paths once, so that their bytecode is in the cache. Nothing is written
// outside a temporary directory, removed at the end, and no process is made
// or signalled.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globalOptions } from './main';
import { fastParse } from './cli/fast';
import { canonicalArgs } from './cli/argforms';
import { barrierPath, readSaved, Saved, SPEC_VERSION, statusOf, toState, writeSaved } from './container/state';
import { formatTable, listContainers } from './container/list';
import { parseSignal } from './container/kill';
import './container/start';
import './container/delete';
import './container/launch'; // the init's path: start and delete lock through its helper mode
import './cgroups/freezer'; // state, kill and list ask it whether a running container is paused
import { readStat } from './sys/proc';
import { isoNow } from './log';
import { defaultRoot, isRootless } from './rootless'; // every command resolves --rootless and --root's default

const LIGHT_COMMAND_LINES = [
  ['--root', '/run/r', '--log', '/b/log', '--log-format', 'json', 'start', 'id'],
  ['state', 'id'],
  ['kill', 'id', 'KILL'],
  ['kill', '--all', 'id', '9'],
  ['delete', '-f', 'id'],
  ['list', '-q'],
];

export function warmUpLight(): void {
  for (const argv of LIGHT_COMMAND_LINES) fastParse(canonicalArgs(argv, globalOptions), globalOptions);
  defaultRoot(isRootless('auto'), { XDG_RUNTIME_DIR: '/run/user/0' });
  // state, list and kill over two made-up containers whose process is this
  // one: one created (its barrier is a plain file here), one running.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-warm-up-'));
  try {
    for (const id of ['created', 'running']) {
      const dir = path.join(root, id);
      fs.mkdirSync(dir);
      const saved: Saved = {
        ociVersion: SPEC_VERSION,
        id,
        pid: process.pid,
        startTime: readStat(process.pid)?.startTime ?? '0',
        bundle: root,
        created: isoNow(),
        rootfs: root,
        pidNamespace: true,
        owner: '0',
      };
      writeSaved(dir, saved);
      if (id === 'created') fs.writeFileSync(barrierPath(dir), '');
      const back = readSaved(root, id);
      JSON.stringify(toState(back, statusOf(back, dir)), null, 2);
    }
    formatTable(listContainers(root));
    JSON.stringify(listContainers(root));
    parseSignal('KILL');
    parseSignal('9');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
