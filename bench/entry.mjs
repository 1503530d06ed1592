// The end of every benchmark's entry (bench.mjs, systemd.mjs): run main,
// say a BenchError in its own words and anything else with its stack,
// clean up whatever happened, and exit 1 only when main failed. The numbers
// never decide the status: they are measurements, not assertions.
import { log } from './util.mjs';
import { BenchError } from './runtimes.mjs';

export async function runBench(main, cleanup) {
  let status = 0;
  try {
    await main();
  } catch (err) {
    status = 1;
    log(err instanceof BenchError ? err.message : err.stack);
  } finally {
    cleanup();
  }
  process.exit(status);
}
