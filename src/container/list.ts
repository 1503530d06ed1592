// list: every container under --root, with its live status.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkContainerId } from '../spec/semantic';
import { readSavedIn, statusOf } from './state';

export interface ListEntry {
  ociVersion: string;
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
}

export function listContainers(root: string): ListEntry[] {
  let ids: string[];
  try {
    ids = fs.readdirSync(root);
  } catch {
    return [];
  }
  const out: ListEntry[] = [];
  // One path.resolve, then concatenation: this runs for every container.
  const base = path.resolve(root);
  for (const id of ids.sort()) {
    if (checkContainerId(id)) continue; // no container has that name
    const dir = `${base}/${id}`;
    let saved;
    try {
      saved = readSavedIn(dir, id);
    } catch {
      continue; // not a container (or a create still under way)
    }
    const status = statusOf(saved, dir);
    out.push({
      ociVersion: saved.ociVersion,
      id,
      pid: status === 'stopped' ? 0 : saved.pid,
      status,
      bundle: saved.bundle,
      rootfs: saved.rootfs,
      created: saved.created,
      owner: saved.owner === '0' ? 'root' : saved.owner,
    });
  }
  return out;
}

export function formatTable(entries: ListEntry[]): string {
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...entries.map((e) => [e.id, String(e.pid), e.status, e.bundle, e.created, e.owner])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('')).join('\n') + '\n';
}
