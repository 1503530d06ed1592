// Spawning the native init and talking to it over the sync socket
// (docs/init-protocol.md): hand it the plan, answer its syncs, and learn the
// container's pid, its readiness, or the step that failed.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { RuntsError } from '../errors';
import { encodePlan, Instruction } from '../plan/instructions';

export const INIT_BINARY = path.join(__dirname, '..', '..', 'bin', 'runts-init');

export interface InitHandlers {
  // Returns the reply payload ("" for none). Throwing aborts the init.
  sync: (name: string, ctx: { stage0Pid: number; pid?: number }) => string;
}

export interface Launched {
  pid: number; // the container's process, on the host
  stage0: ChildProcess;
  exited: Promise<void>; // stage 0 gone: the container process is now someone else's child
}

export interface SpawnOptions {
  preserveFds: number;
  stdio?: ('inherit' | 'ignore' | number)[];
  // The init writes itself into these cgroup directories before it reads the
  // plan, so that its namespaces are made from there. It does so while we
  // compile the plan: on cgroup v1 the first move takes the kernel about 10 ms.
  cgroupDirs?: string[];
}

// A started init, waiting for its plan.
export interface SpawnedInit {
  // Sends the plan and follows the init until the container is ready.
  run(plan: Instruction[], handlers: InitHandlers): Promise<Launched>;
  // Kills an init whose plan will never come (a later step failed).
  abort(): void;
}

export function spawnInit(opts: SpawnOptions): SpawnedInit {
  const syncFd = 3 + opts.preserveFds;
  const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
  for (let fd = 3; fd < syncFd; fd++) stdio.push(fd);
  stdio.push('pipe');
  // Required here, not at the top: the startup snapshot holds no child_process.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(INIT_BINARY, opts.cgroupDirs ?? [], { stdio, env: { _RUNTS_SYNC: String(syncFd) } });
  const sock = child.stdio[syncFd] as Socket;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const abort = () => {
    sock?.destroy();
    if (child.pid && child.exitCode === null) child.kill('SIGKILL');
  };
  return { abort, run: (plan, handlers) => follow({ child, sock, exited, spawnError: () => spawnError, abort }, plan, handlers) };
}

interface Started {
  child: ChildProcess;
  sock: Socket;
  exited: Promise<void>;
  spawnError: () => Error | undefined;
  abort: () => void;
}

function follow(init: Started, plan: Instruction[], handlers: InitHandlers): Promise<Launched> {
  const { child, sock, exited } = init;
  return new Promise<Launched>((resolve, reject) => {
    let pid: number | undefined;
    let done = false;
    let buffered = '';
    const fail = (msg: string) => {
      if (done) return;
      done = true;
      init.abort();
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      reject(Object.assign(new RuntsError(msg), { pid }));
    };
    const failSpawn = (err: Error) => fail(`start the init ${INIT_BINARY}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    const early = init.spawnError();
    if (early) return failSpawn(early);
    child.once('error', failSpawn);
    if (!child.pid) return; // 'error' follows
    sock.write(encodePlan(plan));
    sock.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while (!done && (nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const sp = line.indexOf(' ');
        const verb = sp < 0 ? line : line.slice(0, sp);
        const rest = sp < 0 ? '' : line.slice(sp + 1);
        if (verb === 'pid') {
          pid = Number(rest);
        } else if (verb === 'sync') {
          try {
            const payload = handlers.sync(rest, { stage0Pid: child.pid!, pid });
            sock.write(payload ? `ok ${payload}\n` : 'ok\n');
          } catch (err) {
            sock.write('abort\n');
            fail((err as Error).message);
          }
        } else if (verb === 'notify' && rest === 'ready') {
          done = true;
          sock.destroy();
          if (!pid) return reject(new RuntsError('the init reported ready without a pid'));
          resolve({ pid, stage0: child, exited });
        } else if (verb === 'error') {
          fail(rest);
        }
      }
    });
    sock.on('close', () => {
      if (!done) {
        // Let a last error line win over the bare EOF.
        setImmediate(() => fail(`the init exited before the container was ready${child.exitCode !== null ? ` (status ${child.exitCode})` : ''}`));
      }
    });
    sock.on('error', () => {
      /* 'close' follows */
    });
  });
}
