// ps: the processes in the container's cgroup, as pids (json) or as the
// lines of the host's ps(1) whose PID column is one of them (as runc does).
import { RuntsError } from '../errors';
import { allPids } from '../cgroups';
import { containerDir, readSaved, statusOf } from './state';

export function containerPids(root: string, id: string): number[] {
  const saved = readSaved(root, id);
  const status = statusOf(saved, containerDir(root, id));
  // As runc: a stopped container is no error; what is left in its cgroup
  // (orphans, without a pid namespace) is listed, often nothing.
  if (status === 'stopped') return saved.cgroup ? allPids(saved.cgroup).sort((a, b) => a - b) : [];
  if (!saved.cgroup) return pidNamespaceMembers(saved.pid, !!saved.pidNamespace).sort((a, b) => a - b);
  return allPids(saved.cgroup).sort((a, b) => a - b);
}

// Without a cgroup (rootless, docs/rootless.md): the processes of the
// container's own pid namespace, or only its first process without one.
function pidNamespaceMembers(pid: number, ownNs: boolean): number[] {
  const fs = require('node:fs') as typeof import('node:fs');
  const nsOf = (p: number | string) => {
    try {
      return fs.readlinkSync(`/proc/${p}/ns/pid`);
    } catch {
      return undefined;
    }
  };
  const ns = ownNs ? nsOf(pid) : undefined;
  if (!ns) return [pid];
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n) && nsOf(n) === ns).map(Number);
}

// Keep the header and the lines of `ps` output whose PID is in pids.
export function filterPsOutput(output: string, pids: number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const index = header.trim().split(/\s+/).indexOf('PID');
  if (index < 0) throw new RuntsError('ps: no PID column in the ps output (add pid to -o)');
  const want = new Set(pids);
  const kept = lines.slice(1).filter((line) => {
    if (!line.trim()) return false;
    const f = line.trim().split(/\s+/);
    return want.has(Number(f[index]));
  });
  return [header, ...kept].join('\n') + '\n';
}

export function psTable(root: string, id: string, psArgs: string[]): string {
  const pids = containerPids(root, id);
  const args = psArgs.length ? psArgs : ['-ef'];
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const res = spawnSync('ps', args, { encoding: 'utf8' });
  if (res.error) throw new RuntsError(`ps: cannot run ps: ${(res.error as NodeJS.ErrnoException).code ?? res.error.message}`);
  if (res.status !== 0) throw new RuntsError(`ps ${args.join(' ')}: ${res.stderr.trim().split('\n')[0] || `exit status ${res.status}`}`);
  return filterPsOutput(res.stdout, pids);
}
