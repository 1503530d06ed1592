// flock, which Node has no binding for. A command that has koffi loaded
// anyway (for a seccomp filter or a console socket, say) calls libc. start
// and delete ask the helper bin/runts started for them (sys/early.ts), which
// takes our fd with pidfd_getfd; the others have the native init do it in
// its helper mode (native/init/main.c, `--helper`): a spawn of that small static
// program costs about 3 ms with child_process's load, where loading koffi
// costs about 8, more than the rest of `start` or `delete`
// (docs/performance.md). create and run have the init itself take the lock
// (SpawnOptions.lockFd), which costs nothing extra.
import { RuntsError } from '../errors';
import { loadedLibc, LOCK_EX } from './libc';
import { takeEarly } from './early';

// An exclusive flock on the open file fd, held until the caller closes it
// (the lock belongs to the open file, not to the process that took it).
export function flockExclusive(what: string, fd: number): void {
  const libc = loadedLibc();
  if (libc) {
    if (libc.flock(fd, LOCK_EX) !== 0) throw new RuntsError(`${what}: flock: errno ${libc.errno()}`);
    return;
  }
  const early = takeEarly('helper');
  if (early) {
    let said: string | undefined;
    try {
      said = early.send(['runts', String(process.pid), 'flock', String(fd)]) ? early.lines.next() : undefined;
    } catch {
      /* its socket broke: spawn one */
    }
    early.close();
    if (said === 'ok') return;
    if (said?.startsWith('error ')) throw new RuntsError(`${what}: ${said.slice(6)}`);
    // gone, or it may not take our fd here ("unusable"): spawn one
  }
  // Required here, not at the top: loading child_process costs about 2 ms,
  // and only this fallback needs it.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  // The init's path, from a module that state and list do not load.
  const { INIT_BINARY } = require('../container/launch') as typeof import('../container/launch');
  const res = spawnSync(INIT_BINARY, ['--helper', 'flock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
  if (res.error) throw new RuntsError(`${what}: start ${INIT_BINARY}: ${(res.error as NodeJS.ErrnoException).code ?? res.error.message}`);
  if (res.status !== 0) throw new RuntsError(`${what}: ${res.stderr.trim() || `helper: exit status ${res.status ?? res.signal}`}`);
}
