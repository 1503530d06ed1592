// The end of every run, whatever happened: the containers our IDs name
// deleted, leftover cgroups removed, mounts in the workspace detached, and
// the workspace removed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from './util.mjs';
import { PREFIX, RUNTIMES, TMP } from './runtimes.mjs';
import { cgroupDirsWhere, mountsMentioning } from './leaks.mjs';

let cleaned = false;
export function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const rt of RUNTIMES) {
    if (!rt.bin) continue;
    let onDisk = [];
    try {
      onDisk = fs.readdirSync(rt.root).filter((e) => e.startsWith(PREFIX));
    } catch {
      /* never made */
    }
    const left = new Set([...rt.ids, ...onDisk]);
    if (left.size) log(`cleanup: deleting ${left.size} ${rt.name} container(s)`);
    for (const id of left) spawnSync(rt.bin, ['--root', rt.root, 'delete', '-f', id], { stdio: 'ignore', timeout: 30000 });
  }
  // Cgroups our IDs left behind (a runtime's leak): kill what is inside, rmdir.
  const ours = cgroupDirsWhere((name) => name.startsWith(PREFIX + '-'));
  if (ours.length) log(`cleanup: removing ${ours.length} leftover cgroup dir(s)`);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const dir of ours) {
    try {
      for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    } catch {
      /* empty or gone */
    }
    for (let k = 0; k < 100; k++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        if (err.code !== 'EBUSY') break;
        Atomics.wait(sleeper, 0, 0, 10);
      }
    }
  }
  // Never rm -rf through a mount: detach any left in the workspace first.
  const mounts = mountsMentioning(TMP)
    .map((l) => l.split(' ')[4])
    .filter((m) => m && m.startsWith(TMP))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  if (mountsMentioning(TMP).some((l) => (l.split(' ')[4] ?? '').startsWith(TMP))) {
    log(`cleanup: mounts remain under ${TMP}; leaving it in place`);
    return;
  }
  fs.rmSync(TMP, { recursive: true, force: true });
}
