// run: create and start; in the foreground, wait for the container's
// process as its subreaper, forward signals to it, delete the container and
// exit with its status (128+signal when it was killed).
import { create, CreateOptions } from './create';
import { start } from './start';
import { deleteContainer } from './delete';
import { exitCodeOf, getLibc, PR_SET_CHILD_SUBREAPER } from '../sys/libc';
import { RuntsError } from '../errors';
import { warn } from '../log';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

export async function run(opts: CreateOptions & { detach?: boolean }): Promise<number> {
  if (opts.detach) {
    await create(opts);
    start(opts.root, opts.id);
    return 0;
  }
  const libc = getLibc();
  // Stage 0 of the init exits right after the fork: its child must come to us.
  if (libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) throw new RuntsError('run: cannot become a child subreaper');
  const { saved, launched } = await create(opts);
  await launched.exited;
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try {
        process.kill(saved.pid, sig);
      } catch {
        /* gone */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    start(opts.root, opts.id);
  } catch (err) {
    deleteQuietly(opts.root, opts.id);
    throw err;
  }
  const status = Buffer.alloc(4);
  const code = await new Promise<number>((resolve) => {
    libc.waitpid.async(saved.pid, status, 0, (err, res) => {
      resolve(err || res !== saved.pid ? 255 : exitCodeOf(status.readInt32LE(0)));
    });
  });
  for (const [sig, h] of handlers) process.off(sig, h);
  deleteQuietly(opts.root, opts.id);
  return code;
}

function deleteQuietly(root: string, id: string): void {
  try {
    deleteContainer(root, id, true);
  } catch (err) {
    warn(`run: delete ${id}: ${(err as Error).message}`);
  }
}
