// Staying attached to a container process (run and exec without --detach):
// runts is its subreaper, so it becomes runts's child once the init's stage 0
// exits; signals sent to runts are passed on; the exit status comes back as
// the shell would report it (128+signal when killed).
import { exitCodeOf, getLibc, PR_SET_CHILD_SUBREAPER } from '../sys/libc';
import { RuntsError } from '../errors';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

export function becomeSubreaper(): void {
  if (getLibc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) throw new RuntsError('cannot become a child subreaper');
}

export function forwardSignals(pid: number): () => void {
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => handlers.forEach(([sig, h]) => process.off(sig, h));
}

// Waits on a worker thread (koffi async), so signals keep being forwarded.
export function waitExit(pid: number): Promise<number> {
  const status = Buffer.alloc(4);
  return new Promise<number>((resolve) => {
    getLibc().waitpid.async(pid, status, 0, (err, res) => {
      resolve(err || res !== pid ? 255 : exitCodeOf(status.readInt32LE(0)));
    });
  });
}
