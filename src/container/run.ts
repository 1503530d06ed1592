// run: create and start; in the foreground, wait for the container's
// process, delete the container and exit with its status.
import * as fs from 'node:fs';
import { create, CreateOptions } from './create';
import { start } from './start';
import { deleteContainer } from './delete';
import { forwardSignals } from './foreground';
import { step, warn } from '../log';

// keep (run --keep): the container is left stopped, not deleted, once its
// process has exited, for `state` and `delete` to see (as runc's --keep).
export async function run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  if (opts.detach) {
    const { lock } = await create({ ...opts, keepLock: true });
    start(opts.root, opts.id, lock);
    return 0;
  }
  // create leaves the container locked for start; the waiter locks it again
  // for delete before it reports the exit (no helper process for either).
  const { saved, launched, terminal, lock, exitLock } = await create({ ...opts, foregroundTerminal: true, waiter: true, keepLock: true });
  const stopForwarding = forwardSignals(saved.pid);
  let deleteLock: number | undefined;
  try {
    try {
      terminal?.attach();
    } catch (err) {
      fs.closeSync(lock!);
      throw err;
    }
    start(opts.root, opts.id, lock);
    step('run: started');
    const status = await launched.status!;
    step('run: container process exited');
    if (status === undefined) warn('run: the waiter was killed: the exit status is lost');
    else deleteLock = exitLock;
    await terminal?.drain();
    return status ?? 255;
  } finally {
    stopForwarding();
    terminal?.close();
    // Never hold our fd of the exit lock while waiting for another lock: a
    // waiter that took it would keep it taken.
    if (deleteLock === undefined) fs.closeSync(exitLock!);
    if (opts.keep) {
      if (deleteLock !== undefined) fs.closeSync(deleteLock);
    } else {
      await deleteQuietly(opts.root, opts.id, deleteLock);
      step('run: deleted');
    }
  }
}

async function deleteQuietly(root: string, id: string, heldLock?: number): Promise<void> {
  try {
    await deleteContainer(root, id, true, heldLock);
  } catch (err) {
    warn(`run: delete ${id}: ${(err as Error).message}`);
  }
}
