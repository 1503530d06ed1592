// Spawning the native init and talking to it over the sync socket
// (docs/init-protocol.md): hand it the plan, answer its syncs, and learn the
// container's pid, its readiness, or the step that failed.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { RuntsError } from '../errors';
import { encodePlan, Instruction } from '../plan/instructions';
import { detectLayout, Layout } from '../cgroups/layout';

export const INIT_BINARY = path.join(__dirname, '..', '..', 'bin', 'runts-init');

export interface InitHandlers {
  // Returns the reply payload ("" for none). Throwing aborts the init.
  sync: (name: string, ctx: { stage0Pid: number; pid?: number }) => string;
}

export interface Launched {
  pid: number; // the container's process, on the host
  // With SpawnOptions.waiter: the container process's exit status as a shell
  // reports it (128+signal when killed), from the waiter that reaped it;
  // undefined if the waiter itself was killed.
  status?: Promise<number | undefined>;
}

export interface SpawnOptions {
  preserveFds: number;
  stdio?: ('inherit' | 'ignore' | number)[];
  // The init writes itself into these cgroup directories before it reads the
  // plan, so that its namespaces are made from there. It does so while we
  // compile the plan: on cgroup v1 the first move takes the kernel about 10 ms.
  cgroupDirs?: string[];
  // run and exec in the foreground: the init splits off a waiter that stays
  // our child, inherits the container's process and exits with its status
  // (docs/init-protocol.md), so runts needs no subreaper and no waitpid.
  waiter?: boolean;
  // An open fd of the container's lock file: the init takes the flock on it
  // for us first thing (Node has no flock; a helper process costs 2 ms).
  lockFd?: number;
  // The start barrier, made by the init right after the lock.
  fifo?: { path: string; mode: number };
  // With waiter: another open fd of the lock file, which the waiter locks
  // when the container's process has exited, before it exits itself.
  exitLockFd?: number;
  // Join the cgroup2 directory at once (cgroup.procs), not by cloning the
  // process into it at the fork, which the plan would make impossible: it
  // enters a user namespace, or a cgroup namespace under nsdelegate.
  cgroup2Now?: boolean;
}

// A started init, waiting for its plan.
export interface SpawnedInit {
  // Sends the plan and follows the init until the container is ready.
  run(plan: Instruction[], handlers: InitHandlers): Promise<Launched>;
  // Kills an init whose plan will never come (a later step failed).
  abort(): void;
}

// SpawnOptions.cgroup2Now for a plan that enters a user namespace (from
// inside it the host's cgroups are not ours to join) or joins an existing
// cgroup namespace (under nsdelegate nothing outside it may be joined).
export function cgroup2JoinNow(entersUserNs: boolean, joinsCgroupNs: boolean, layout?: Layout): boolean {
  if (entersUserNs) return true;
  return joinsCgroupNs && (layout ?? detectLayout()).hierarchies.some((h) => h.version === 2 && h.nsdelegate);
}

export function spawnInit(opts: SpawnOptions): SpawnedInit {
  const syncFd = 3 + opts.preserveFds;
  const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
  for (let fd = 3; fd < syncFd; fd++) stdio.push(fd);
  stdio.push('pipe');
  // The init's arguments: what it does before the plan comes (init-protocol.md).
  const args: string[] = [];
  if (opts.lockFd !== undefined) {
    args.push('lock', String(stdio.length));
    stdio.push(opts.lockFd);
  }
  if (opts.fifo) args.push('mkfifo', opts.fifo.path, opts.fifo.mode.toString(8));
  if (opts.waiter) args.push('waiter');
  if (opts.waiter && opts.exitLockFd !== undefined) {
    args.push('exit-lock', String(stdio.length));
    stdio.push(opts.exitLockFd);
  }
  for (const dir of opts.cgroupDirs ?? []) args.push('cgroup', dir);
  if (opts.cgroup2Now) args.push('cgroup2-now');
  // Required here, not at the top: the startup snapshot holds no child_process.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(INIT_BINARY, args, { stdio, env: { _RUNTS_SYNC: String(syncFd) } });
  const sock = child.stdio[syncFd] as Socket;
  const status = opts.waiter ? new Promise<number | undefined>((resolve) => child.once('exit', (code) => resolve(code ?? undefined))) : undefined;
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const abort = () => {
    sock?.destroy();
    if (child.pid && child.exitCode === null) child.kill('SIGKILL');
  };
  return { abort, run: (plan, handlers) => follow({ child, sock, status, spawnError: () => spawnError, abort }, plan, handlers) };
}

interface Started {
  child: ChildProcess;
  sock: Socket;
  status?: Promise<number | undefined>;
  spawnError: () => Error | undefined;
  abort: () => void;
}

function follow(init: Started, plan: Instruction[], handlers: InitHandlers): Promise<Launched> {
  const { child, sock, status } = init;
  return new Promise<Launched>((resolve, reject) => {
    let pid: number | undefined;
    let stage0Pid = child.pid!; // our child, unless it became the waiter
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
        } else if (verb === 'stage0') {
          stage0Pid = Number(rest);
        } else if (verb === 'sync') {
          try {
            const payload = handlers.sync(rest, { stage0Pid, pid });
            sock.write(payload ? `ok ${payload}\n` : 'ok\n');
          } catch (err) {
            sock.write('abort\n');
            fail((err as Error).message);
          }
        } else if (verb === 'notify' && rest === 'ready') {
          done = true;
          sock.destroy();
          if (!pid) return reject(new RuntsError('the init reported ready without a pid'));
          resolve({ pid, status });
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
