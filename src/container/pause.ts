// pause / resume: freeze and thaw every process of a running container
// through its cgroup's freezer. `state` then says "paused".
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import { freeze, thaw } from '../cgroups';
import { containerDir, lockContainer, readSaved, statusOf } from './state';

export function pause(root: string, id: string): void {
  const dir = containerDir(root, id);
  const lock = lockContainer(dir);
  try {
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status !== 'running') throw new RuntsError(`cannot pause container "${id}": it is ${status}, not running`);
    if (!saved.cgroup) throw new RuntsError(`cannot pause container "${id}": it has no cgroup`);
    freeze(saved.cgroup, { op: 'pause' });
  } finally {
    fs.closeSync(lock);
  }
}

export function resume(root: string, id: string): void {
  const dir = containerDir(root, id);
  const lock = lockContainer(dir);
  try {
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status !== 'paused') throw new RuntsError(`cannot resume container "${id}": it is ${status}, not paused`);
    thaw(saved.cgroup!, { op: 'resume' });
  } finally {
    fs.closeSync(lock);
  }
}
