// The freezer: v1 freezer.state (FROZEN/THAWED) where a v1 freezer
// hierarchy exists, else cgroup v2's cgroup.freeze (1/0). Freezing waits
// until the kernel reports every task frozen, as runc does.
import { RuntsError } from '../errors';
import { detectLayout, Layout } from './layout';
import { CgroupIo, realIo } from './fsio';
import { CgroupDirs, Placement, Target } from './placement';
import { sleepSync as sleep } from '../sys/sleep';

function freezerOf(record: CgroupDirs, layout: Layout): Target | undefined {
  const t = new Placement(record, layout).freezer();
  return t;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? String(err);
}

export function freeze(record: CgroupDirs, opts: { io?: CgroupIo; layout?: Layout; op?: string } = {}): void {
  const io = opts.io ?? realIo;
  const op = opts.op ?? 'pause';
  const t = freezerOf(record, opts.layout ?? detectLayout());
  if (!t) throw new RuntsError(`${op}: this host has no cgroup freezer (no v1 freezer hierarchy, no cgroup v2)`);
  if (t.version === 1) {
    // A task in the middle of a vfork or an uninterruptible sleep can keep
    // the cgroup FREEZING: retry, now and then thawing to let it move on.
    try {
      for (let i = 0; i < 1000; i++) {
        if (i % 50 === 49) {
          io.write(t.dir, 'freezer.state', 'THAWED');
          sleep(10);
        }
        io.write(t.dir, 'freezer.state', 'FROZEN');
        if (i % 25 === 24) sleep(1);
        const state = io.read(t.dir, 'freezer.state').trim();
        if (state === 'FROZEN') return;
        if (state !== 'FREEZING') throw new RuntsError(`${op}: unexpected freezer state ${state} while freezing`);
      }
    } catch (err) {
      try {
        io.write(t.dir, 'freezer.state', 'THAWED');
      } catch {
        /* nothing more to do */
      }
      if (err instanceof RuntsError) throw err;
      throw new RuntsError(`${op}: cgroup freezer.state: write "FROZEN": ${errCode(err)}`);
    }
    io.write(t.dir, 'freezer.state', 'THAWED');
    throw new RuntsError(`${op}: the cgroup did not freeze (a task stays FREEZING)`);
  }
  try {
    io.write(t.dir, 'cgroup.freeze', '1');
  } catch (err) {
    throw new RuntsError(`${op}: cgroup cgroup.freeze: write "1": ${errCode(err)}`);
  }
  // cgroup.events says "frozen 1" once every task stopped.
  for (let i = 0; i < 1000; i++) {
    let events = '';
    try {
      events = io.read(t.dir, 'cgroup.events');
    } catch {
      return; // an old kernel without the field: the write is all there is
    }
    const m = /^frozen (\d)$/m.exec(events);
    if (!m || m[1] === '1') return;
    sleep(10);
  }
  io.write(t.dir, 'cgroup.freeze', '0');
  throw new RuntsError(`${op}: the cgroup did not freeze within 10s`);
}

export function thaw(record: CgroupDirs, opts: { io?: CgroupIo; layout?: Layout; op?: string } = {}): void {
  const io = opts.io ?? realIo;
  const op = opts.op ?? 'resume';
  const t = freezerOf(record, opts.layout ?? detectLayout());
  if (!t) throw new RuntsError(`${op}: this host has no cgroup freezer`);
  const [file, value] = t.version === 1 ? ['freezer.state', 'THAWED'] : ['cgroup.freeze', '0'];
  try {
    io.write(t.dir, file, value);
  } catch (err) {
    throw new RuntsError(`${op}: cgroup ${file}: write "${value}": ${errCode(err)}`);
  }
}

// Frozen by runts (pause), not merely inside a frozen parent.
export function isFrozenCgroup(record: CgroupDirs, opts: { io?: CgroupIo; layout?: Layout } = {}): boolean {
  const io = opts.io ?? realIo;
  const t = freezerOf(record, opts.layout ?? detectLayout());
  if (!t) return false;
  try {
    if (t.version === 1) {
      const state = io.read(t.dir, 'freezer.state').trim();
      if (state === 'THAWED') return false;
      try {
        return io.read(t.dir, 'freezer.self_freezing').trim() === '1';
      } catch {
        return true;
      }
    }
    return io.read(t.dir, 'cgroup.freeze').trim() === '1';
  } catch {
    return false;
  }
}
