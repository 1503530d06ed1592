// Signal every process of a cgroup without racing its forks: SIGKILL through
// cgroup.kill where the kernel has it (v2, also the v2 tree of a hybrid host),
// else freeze, signal each pid, thaw (runc's signalAllProcesses).
import { warn } from '../log';
import { detectLayout, Layout } from './layout';
import { CgroupIo, realIo } from './fsio';
import { CgroupDirs, Placement } from './placement';
import { freeze, thaw } from './freezer';
import { allPids } from './stats';

const SIGKILL = 9;

export function signalAll(record: CgroupDirs, sig: number, send: (pid: number, sig: number) => void, opts: { io?: CgroupIo; layout?: Layout } = {}): void {
  const io = opts.io ?? realIo;
  const layout = opts.layout ?? detectLayout();
  const v2 = new Placement(record, layout).v2();
  if (sig === SIGKILL && v2 && io.exists(v2.dir, 'cgroup.kill')) {
    try {
      io.write(v2.dir, 'cgroup.kill', '1');
      return;
    } catch (err) {
      warn(`kill: cgroup.kill: ${(err as NodeJS.ErrnoException).code ?? err}; signalling each process`);
    }
  }
  let frozen = false;
  try {
    freeze(record, { io, layout, op: 'kill' });
    frozen = true;
  } catch (err) {
    warn(`kill: cannot freeze the container first: ${(err as Error).message}`);
  }
  try {
    for (const pid of allPids(record, { layout })) send(pid, sig);
  } finally {
    if (frozen) {
      try {
        thaw(record, { io, layout, op: 'kill' });
      } catch (err) {
        warn(`kill: ${(err as Error).message}`);
      }
    }
  }
}
