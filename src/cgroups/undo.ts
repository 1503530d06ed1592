// update is all or nothing: an io that remembers what each cgroup file held
// before the update first changed it, so that when a later value is refused
// (or its file is missing on this host) the files already written get their
// old values back, last first. runc does the same by setting the previous
// config again; runts keeps no copy of the limits (the files are the truth),
// so it restores what it read.
import type { CgroupIo } from './fsio';

interface Change {
  dir: string;
  file: string;
  restore: string | undefined; // undefined: the old value could not be told
}

export interface UndoableIo extends CgroupIo {
  // Writes the old values back; returns a line for each file it could not restore.
  undo(): string[];
}

// Files with one line per device ("MAJ:MIN ..."), interface or RDMA device:
// a write changes only the line of its key.
const KEYED_BY_NAME = new Set(['net_prio.ifpriomap', 'rdma.max']);

function keyOf(file: string, value: string): string {
  const device = /^(\d+:\d+)\s/.exec(value);
  if (device) return device[1];
  if (KEYED_BY_NAME.has(file)) return value.trim().split(/\s+/)[0];
  return '';
}

// The value that removes a key's line again, where the file had none.
function resetLine(file: string, key: string): string | undefined {
  if (file.startsWith('blkio.throttle.') || file === 'blkio.weight_device' || file === 'blkio.leaf_weight_device') return `${key} 0`;
  if (file === 'blkio.bfq.weight_device' || file === 'io.weight' || file === 'io.bfq.weight') return `${key} default`;
  if (file === 'io.max') return `${key} rbps=max wbps=max riops=max wiops=max`;
  if (file === 'rdma.max') return `${key} hca_handle=max hca_object=max`;
  return undefined;
}

// What to write to get `old` back, for a write that changed `key`.
export function restoreValue(file: string, key: string, old: string | undefined): string | undefined {
  if (old === undefined) return undefined;
  if (key) {
    const line = old.split('\n').find((l) => l.trim().split(/\s+/)[0] === key);
    return line !== undefined ? line.trim() : resetLine(file, key);
  }
  // Files whose text is not what one writes to them.
  if (file === 'memory.oom_control') return /^oom_kill_disable (\d)/m.exec(old)?.[1];
  if (file === 'io.weight' || file === 'io.bfq.weight') return /^default \d+/m.exec(old)?.[0] ?? old.trim().split('\n')[0];
  const text = old.trim();
  return text.includes('\n') ? undefined : text;
}

export function undoableIo(base: CgroupIo): UndoableIo {
  const changes: Change[] = [];
  const seen = new Set<string>();
  return {
    write(dir, file, value) {
      // Enabling a controller in a parent (cgroup v2) is left done, as runc leaves it.
      const id = `${dir}/${file}\0${keyOf(file, value)}`;
      if (file.startsWith('cgroup.') || seen.has(id)) return base.write(dir, file, value);
      let old: string | undefined;
      try {
        old = base.read(dir, file);
      } catch {
        old = undefined;
      }
      base.write(dir, file, value); // a refused write changed nothing: not recorded
      seen.add(id);
      changes.push({ dir, file, restore: restoreValue(file, keyOf(file, value), old) });
    },
    read: (dir, file) => base.read(dir, file),
    exists: (dir, file) => base.exists(dir, file),
    attachDeviceFilter: (dir, program) => base.attachDeviceFilter(dir, program),
    undo() {
      const failed: string[] = [];
      for (const c of changes.reverse()) {
        if (c.restore === undefined) {
          failed.push(`cgroup ${c.file}: its old value could not be read`);
          continue;
        }
        try {
          base.write(c.dir, c.file, c.restore);
        } catch (err) {
          failed.push(`cgroup ${c.file}: write ${JSON.stringify(c.restore)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      changes.length = 0;
      return failed;
    },
  };
}
