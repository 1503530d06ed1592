// run: create and start; in the foreground, wait for the container's
// process, delete the container and exit with its status.
import { create, CreateOptions } from './create';
import { start } from './start';
import { deleteContainer } from './delete';
import { forwardSignals, waitExit } from './foreground';
import { step, warn } from '../log';

export async function run(opts: CreateOptions & { detach?: boolean }): Promise<number> {
  if (opts.detach) {
    await create(opts);
    start(opts.root, opts.id);
    return 0;
  }
  // Stage 0 of the init exits right after the fork: its child must come to us.
  const { saved, launched, terminal } = await create({ ...opts, foregroundTerminal: true, subreaper: true });
  await launched.exited;
  const stopForwarding = forwardSignals(saved.pid);
  try {
    terminal?.attach();
    start(opts.root, opts.id);
    step('run: started');
    const code = await waitExit(saved.pid);
    step('run: container process exited');
    await terminal?.drain();
    return code;
  } finally {
    stopForwarding();
    terminal?.close();
    deleteQuietly(opts.root, opts.id);
    step('run: deleted');
  }
}

function deleteQuietly(root: string, id: string): void {
  try {
    deleteContainer(root, id, true);
  } catch (err) {
    warn(`run: delete ${id}: ${(err as Error).message}`);
  }
}
