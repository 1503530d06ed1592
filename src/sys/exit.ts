// The end of every command: _exit(2) with process.exitCode, through
// bin/runts-addon.node (native/addon.c), instead of Node's exit, which first
// joins V8's worker threads and runs its C++ teardown (1.5 ms more before
// the caller sees the exit, and up to 10 ms of CPU, here:
// docs/performance.md, item 20). runts writes its output with write(2)
// (src/log.ts), so it is out by then. Output that went through Node's
// streams instead (yargs's help and usage; a pipe the caller made
// non-blocking) is left to Node's exit, which flushes it; so is everything
// when the addon does not load.
import { runtsAddon } from './addon';

let throughNode = false;

export function exitThroughNode(): void {
  throughNode = true;
}

export function exitNow(code?: number): never {
  if (code !== undefined) process.exitCode = code;
  if (!throughNode) runtsAddon()?.exit(Number(process.exitCode ?? 0));
  process.exit();
}
