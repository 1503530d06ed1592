// update: new resource limits for a created, running or paused container,
// written into its cgroup (and, with the systemd manager, its unit's
// properties). Device rules are left alone (as runc's update
// does); state.json is not rewritten: the cgroup files are the truth. A
// value the kernel refuses undoes the ones written before it (undo.ts).
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import type { LinuxResources } from '../cgroups';
import { managerOf } from '../cgroups/manager';
import { realIo } from '../cgroups/fsio';
import { undoableIo } from '../cgroups/undo';
import { formatSchemaError, loadValidators, parseJson, pickSchemaError } from '../spec/load';
import { warn } from '../log';
import { containerDir, lockContainer, readSaved, statusOf } from './state';

// The -r document: a LinuxResources object, checked with the config schema.
export function parseResources(text: string, what: string): LinuxResources {
  const doc = parseJson(text, what);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new RuntsError(`${what}: must be a JSON object (linux.resources)`);
  const { validateConfig } = loadValidators();
  const wrapped = { ociVersion: '1.3.0', linux: { resources: doc } };
  if (!validateConfig(wrapped)) {
    const errors = (validateConfig.errors ?? []).filter((e) => e.instancePath.startsWith('/linux/resources'));
    if (errors.length) {
      const msg = formatSchemaError(wrapped, pickSchemaError(errors));
      throw new RuntsError(`${what}: ${msg.replace(/^\/linux\/resources/, '') || '/'}`);
    }
  }
  return doc as LinuxResources;
}

export function readResourcesFile(file: string): LinuxResources {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuntsError(`update: cannot read ${file === '-' ? 'standard input' : file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseResources(text, file === '-' ? 'update: standard input' : `update: ${file}`);
}

export async function update(root: string, id: string, resources: LinuxResources): Promise<void> {
  const dir = containerDir(root, id);
  const lock = lockContainer(dir);
  try {
    const saved = readSaved(root, id);
    const status = statusOf(saved, dir);
    if (status === 'stopped') throw new RuntsError(`cannot update container "${id}": it is stopped`);
    if (!saved.cgroup) throw new RuntsError(`cannot update container "${id}": it has no cgroup`);
    if (resources.devices?.length) warn('update: /devices: device rules of an existing container are not changed (as with runc); ignored');
    const io = undoableIo(realIo);
    try {
      // Through the manager that made it: systemd gets the unit's properties too.
      await managerOf(saved.cgroup).set(saved.cgroup, resources, { op: 'update', pointer: '', skipDevices: true, io });
    } catch (err) {
      for (const line of io.undo()) warn(`update: not put back as it was: ${line}`);
      throw err;
    }
  } finally {
    fs.closeSync(lock);
  }
}
