// kill: a signal to the container's process, or with --all to every
// process in its cgroup (frozen meanwhile, then thawed, as runc does).
import { RuntsError } from '../errors';
import { SIGNALS } from '../spec/tables';
import { containerDir, readSaved, statusOf } from './state';

export function parseSignal(text: string | number | undefined): number {
  if (text === undefined || text === '') return SIGNALS.SIGTERM;
  const s = String(text).toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    // 0 sends nothing: runc's (and kill(1)'s) check that the process lives.
    if (n >= 0 && n <= 64) return n;
  } else {
    const name = s.startsWith('SIG') ? s : 'SIG' + s;
    if (name in SIGNALS) return SIGNALS[name];
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
    if (rt) return name.startsWith('SIGRTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
  }
  throw new RuntsError(`invalid signal ${JSON.stringify(String(text))}`);
}

function send(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new RuntsError(`kill ${pid}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

export function kill(root: string, id: string, signal: string | undefined, all: boolean): void {
  const sig = parseSignal(signal);
  const dir = containerDir(root, id);
  const saved = readSaved(root, id);
  const status = statusOf(saved, dir);
  // The spec's error for a stopped container, worded as runc words it (the
  // containerd shim matches "container not running"). With --all, as with
  // runc, what is left in the cgroup is signalled and that is no error:
  // engines send `kill --all ID 9` before deleting whatever the state.
  if (status === 'stopped' && !all) throw new RuntsError(`cannot kill container "${id}": container not running (it is stopped)`);
  if (all && saved.cgroup) {
    // Frozen while it is signalled, so no process forks past the signal.
    // Required here: a plain kill need not load the cgroup modules.
    const { signalAll } = require('../cgroups/signal') as typeof import('../cgroups/signal');
    signalAll(saved.cgroup, sig, send);
  } else {
    send(saved.pid, sig);
  }
}
