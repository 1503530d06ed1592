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
  const label = `${kind} hook ${i} (${h.path})`;
  const code = (res.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') throw new RuntsError(`${label}: timed out after ${h.timeout}s`);
  if (res.error && code !== 'EPIPE') throw new RuntsError(`${label}: ${code ?? res.error.message}`);
  if (res.signal) throw new RuntsError(`${label}: killed by ${res.signal}`);
  if (res.status !== 0) {
    const said = String(res.stderr ?? '').trim().split('\n').pop();
    throw new RuntsError(`${label}: exited with status ${res.status}${said ? ': ' + said : ''}`);
  }
}
