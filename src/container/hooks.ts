// Hooks run by the runtime process itself (prestart, createRuntime,
// poststart, poststop): in the runtime's namespaces, the state on stdin.
// createContainer and startContainer run inside the container, by the init.
import { RuntsError } from '../errors';
import { warn } from '../log';
import type { Hook, State } from '../spec/types';

// A hook without env runs with runts's own environment (runc's exec.Cmd
// with a nil Env inherits its own, and crun does the same); "env": [] is an
// empty one.
export function hookEnv(env: string[] | undefined): NodeJS.ProcessEnv {
  if (env === undefined) return process.env;
  const out: Record<string, string> = {};
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq > 0) out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

// Runs each hook in order; the first failure is thrown as a RuntsError
// (prestart, createRuntime: the create fails).
export function runHooks(kind: string, hooks: Hook[] | undefined, state: State): void {
  (hooks ?? []).forEach((h, i) => runHook(kind, h, i, state));
}

// poststart and poststop: runtime-spec says a failing hook is a warning and
// the remaining hooks and the lifecycle go on as if it had succeeded, so
// every hook runs and each failure is logged.
export function runHooksWarning(kind: string, hooks: Hook[] | undefined, state: State): void {
  (hooks ?? []).forEach((h, i) => {
    try {
      runHook(kind, h, i, state);
    } catch (err) {
      warn((err as Error).message);
    }
  });
}

// runc's words first (callers match on them), then the field and the program.
export function hookLabel(kind: string, i: number, path: string): string {
  return `error running ${kind} hook #${i}: /hooks/${kind}/${i} (${path})`;
}

function runHook(kind: string, h: Hook, i: number, state: State): void {
  const args = h.args ?? [h.path];
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const res = spawnSync(h.path, args.slice(1), {
    argv0: args[0],
    env: hookEnv(h.env),
    input: JSON.stringify(state),
    stdio: 'pipe', // kept out of the container's stdio; stderr goes into the error
    timeout: h.timeout ? h.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
  });
  const label = hookLabel(kind, i, h.path);
  const code = (res.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') throw new RuntsError(`${label}: timed out after ${h.timeout}s`);
  if (res.error && code !== 'EPIPE') throw new RuntsError(`${label}: ${code ?? res.error.message}`);
  if (res.signal) throw new RuntsError(`${label}: signal: ${goSignal(res.signal)}${written(res.stdout, res.stderr)}`);
  if (res.status !== 0) throw new RuntsError(`${label}: exit status ${res.status}${written(res.stdout, res.stderr)}`);
}

// What a failed hook wrote, as runc reports it (up to 4 KiB of each, on
// one line), the init the same for hooks in the container (hooks.c).
function written(stdout: Buffer | string | null, stderr: Buffer | string | null): string {
  const line = (b: Buffer | string | null) => String(b ?? '').slice(0, 4096).replace(/[\s]+$/, '').replace(/\n/g, ' ');
  return `, stdout: ${line(stdout)}, stderr: ${line(stderr)}`;
}

// A signal as Go's os/exec names it for runc ("signal: bad system call").
const GO_SIGNALS: Record<string, string> = {
  SIGHUP: 'hangup', SIGINT: 'interrupt', SIGQUIT: 'quit', SIGILL: 'illegal instruction', SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted', SIGBUS: 'bus error', SIGFPE: 'floating point exception', SIGKILL: 'killed', SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault', SIGUSR2: 'user defined signal 2', SIGPIPE: 'broken pipe', SIGALRM: 'alarm clock', SIGTERM: 'terminated',
  SIGXCPU: 'CPU time limit exceeded', SIGXFSZ: 'file size limit exceeded', SIGSYS: 'bad system call',
};
function goSignal(sig: string): string {
  return GO_SIGNALS[sig] ?? sig;
}
