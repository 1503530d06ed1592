// events: the container's resource usage as runc prints it: one stats
// document (--stats), or a stream of them every --interval plus an "oom"
// event whenever the kernel's OOM-kill count of its memory cgroup grows,
// until the container stops.
import { RuntsError } from '../errors';
import { collectStats, oomKillCount, toJson } from '../cgroups';
import { containerDir, readSaved, statusOf } from './state';
import { print } from '../log';

export function statsEvent(root: string, id: string): string {
  const saved = readSaved(root, id);
  const status = statusOf(saved, containerDir(root, id));
  if (status === 'stopped') throw new RuntsError(`container "${id}" is not running`);
  // A rootless container may have no cgroup (docs/rootless.md): no figures.
  return toJson({ type: 'stats', id, data: saved.cgroup ? collectStats(saved.cgroup) : {} }) + '\n';
}

export interface EventsOptions {
  intervalMs: number;
  pollMs?: number; // how often OOM kills and the container's status are checked
  write?: (line: string) => void;
}

export function streamEvents(root: string, id: string, opts: EventsOptions): Promise<void> {
  if (!(opts.intervalMs > 0)) throw new RuntsError('events: --interval must be greater than 0');
  const dir = containerDir(root, id);
  const saved = readSaved(root, id);
  if (statusOf(saved, dir) === 'stopped') throw new RuntsError(`container "${id}" is not running`);
  const cgroup = saved.cgroup;
  const write = opts.write ?? ((line: string) => print(line));
  let ooms = (cgroup && oomKillCount(cgroup)) ?? 0n;
  const checkOom = () => {
    const n = cgroup && oomKillCount(cgroup);
    if (n === undefined) return;
    for (; ooms < n; ooms++) write(toJson({ type: 'oom', id }) + '\n');
  };
  const stats = () => {
    try {
      write(toJson({ type: 'stats', id, data: cgroup ? collectStats(cgroup) : {} }) + '\n');
    } catch {
      /* the cgroup went away between two checks */
    }
  };
  return new Promise((resolve) => {
    const statsTimer = setInterval(stats, opts.intervalMs);
    const pollTimer = setInterval(() => {
      checkOom();
      let stopped = true;
      try {
        stopped = statusOf(readSaved(root, id), dir) === 'stopped';
      } catch {
        /* deleted */
      }
      if (stopped) {
        checkOom();
        clearInterval(statsTimer);
        clearInterval(pollTimer);
        resolve();
      }
    }, opts.pollMs ?? 100);
  });
}
