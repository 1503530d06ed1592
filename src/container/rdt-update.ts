// update --l3-cache-schema and --mem-bw-schema: runc 1.5's checks, in its
// order and with its words, then the schemata of the container's Intel RDT
// group (resctrl): runc names the group by linux.intelRdt.closID, or by the
// container's ID when there is none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';

export interface RdtUpdate {
  l3CacheSchema?: string;
  memBwSchema?: string;
}

export const RESCTRL = '/sys/fs/resctrl';

// CAT (L3) and MBA (MB) are enabled where resctrl is mounted and lists them.
const enabled = (root: string, what: 'L3' | 'MB') => fs.existsSync(path.join(root, 'info', what));

export function updateRdt(rdt: RdtUpdate, id: string, intelRdt: { closID?: string } | undefined, root = RESCTRL): void {
  if (rdt.l3CacheSchema && !enabled(root, 'L3')) throw new RuntsError('update: --l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled');
  if (rdt.memBwSchema && !enabled(root, 'MB')) throw new RuntsError('update: --mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled');
  if (!intelRdt) throw new RuntsError('update: updating a non-existent Intel RDT configuration is not supported (the container has no /linux/intelRdt)');
  const group = path.join(root, intelRdt.closID || id);
  // One line a resource; the kernel takes them one write at a time.
  for (const line of [rdt.l3CacheSchema, rdt.memBwSchema]) {
    if (!line) continue;
    try {
      fs.writeFileSync(path.join(group, 'schemata'), `${line}\n`);
    } catch (err) {
      throw new RuntsError(`update: Intel RDT: write ${JSON.stringify(line)} to ${path.join(group, 'schemata')}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
}
