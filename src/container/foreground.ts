// Staying attached to a container process (run and exec without --detach).
// The init's waiter reaps it and reports its status (SpawnOptions.waiter);
// here, signals sent to runts are passed on to it, as runc does.
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

// The returned function stops the forwarding. The handlers stay installed
// and do nothing after it: removing them cost about 0.5 ms of every run, and
// a signal that arrives during run's delete must not kill runts with the
// container half removed (runts exits right after anyway).
export function forwardSignals(pid: number): () => void {
  let forwarding = true;
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      if (!forwarding) return;
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    });
  }
  return () => {
    forwarding = false;
  };
}
