// Spawning the native init and talking to it over the sync socket
// (docs/init-protocol.md): hand it the plan, answer its syncs, and learn the
// container's pid, its readiness, or the step that failed.
import { spawn, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { RuntsError } from '../errors';
import { encodePlan, Instruction } from '../plan/instructions';

export const INIT_BINARY = path.join(__dirname, '..', '..', 'bin', 'runts-init');

export interface InitHandlers {
  // The init's pid on the host, as soon as it exists (to place it in its cgroup
  // before it reads the plan, so that its namespaces are made from there).
  spawned: (stage0Pid: number) => void;
  // Returns the reply payload ("" for none). Throwing aborts the init.
  sync: (name: string, ctx: { stage0Pid: number; pid?: number }) => string;
}

export interface Launched {
  pid: number; // the container's process, on the host
  stage0: ChildProcess;
  exited: Promise<void>; // stage 0 gone: the container process is now someone else's child
}

export function launchInit(plan: Instruction[], opts: { preserveFds: number; stdio?: ('inherit' | 'ignore' | number)[] }, handlers: InitHandlers): Promise<Launched> {
  const syncFd = 3 + opts.preserveFds;
  const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
  for (let fd = 3; fd < syncFd; fd++) stdio.push(fd);
  stdio.push('pipe');
  const child = spawn(INIT_BINARY, [], { stdio, env: { _RUNTS_SYNC: String(syncFd) } });
  const sock = child.stdio[syncFd] as Socket;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise<Launched>((resolve, reject) => {
    let pid: number | undefined;
    let done = false;
    let buffered = '';
    const fail = (msg: string) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (child.pid && child.exitCode === null) child.kill('SIGKILL');
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      reject(Object.assign(new RuntsError(msg), { pid }));
    };
    child.once('error', (err) => fail(`start the init ${INIT_BINARY}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    if (!child.pid) return; // 'error' follows
    try {
      handlers.spawned(child.pid);
    } catch (err) {
      fail((err as Error).message);
      return;
    }
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
