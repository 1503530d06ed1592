// Starting the native init and talking to it over the sync socket
// (docs/init-protocol.md): the one bin/runts started early for us, or one
// spawned here; hand it the plan, answer its syncs, and learn the
// container's pid, its readiness, or the step that failed.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { RuntsError } from '../errors';
import { debug } from '../log';
import { Early, takeEarly } from '../sys/early';
import { encodePlan, Instruction } from '../plan/instructions';
import { detectLayout, Layout } from '../cgroups/layout';
import type { CgroupRecord, PlannedDir } from '../cgroups/dirs';

export const INIT_BINARY = path.join(__dirname, '..', '..', 'bin', 'runts-init');

// The processes an init has told us of so far: stage 0 (the one that forks
// the container's process; the init itself until it splits off the waiter)
// and the container's process.
export interface InitIds {
  stage0Pid: number;
  pid?: number;
}

export interface InitHandlers {
  // Returns the reply payload ("" for none). Throwing aborts the init.
  sync: (name: string, ctx: InitIds) => string;
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
  // exec --detach: after `ready`, read on to the socket's EOF, which the
  // process's execve makes (close-on-exec): run() resolves once the program
  // runs, under its label, or fails with the init's word that the execve
  // failed. The C path (native/direct/exec.c) waits the same way.
  untilExec?: boolean;
  // run --no-subreaper: the waiter drops its subreaper flag once it has the
  // container's process, so the container's orphans are not reparented to it.
  noSubreaper?: boolean;
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
  // create and run: the container's cgroup directories (cgroupDirs), to be
  // made. The early init makes them while we compile the plan (`mkcgroup`);
  // where there is none, or it cannot serve us, inJs makes them before an
  // init is spawned.
  makeCgroups?: { path: string; dirs: PlannedDir[]; inJs: () => CgroupRecord };
}

// A started init, waiting for its plan.
export interface SpawnedInit {
  // With makeCgroups: waits until the directories are made, and says which
  // of them are new (parents first). Throws what the init says went wrong
  // (it has removed what it made by then). Without: undefined.
  cgroup(): CgroupRecord | undefined;
  // Sends the plan (or its encoding, made while waiting on cgroup()) and
  // follows the init until the container is ready.
  run(plan: Instruction[] | Buffer, handlers: InitHandlers): Promise<Launched>;
  // Kills an init whose plan will never come (a later step failed).
  abort(): void;
  // The pid of stage 0, the process that makes the container's process
  // (--systemd-cgroup puts it in the unit before the plan goes out). Not
  // with makeCgroups: there the init joins the directories itself.
  stage0(): Promise<number>;
}

// SpawnOptions.cgroup2Now for a plan that enters a user namespace (from
// inside it the host's cgroups are not ours to join) or joins an existing
// cgroup namespace (under nsdelegate nothing outside it may be joined).
export function cgroup2JoinNow(entersUserNs: boolean, joinsCgroupNs: boolean, layout?: Layout): boolean {
  if (entersUserNs) return true;
  return joinsCgroupNs && (layout ?? detectLayout()).hierarchies.some((h) => h.version === 2 && h.nsdelegate);
}

// The init's arguments: what it does before the plan comes
// (init-protocol.md). fdArg names one of our fds for it: where the spawn
// puts it, or our own number for an early init (which fetches it from us).
function startupArgs(opts: SpawnOptions, fdArg: (fd: number) => string): string[] {
  const args: string[] = [];
  if (opts.lockFd !== undefined) args.push('lock', fdArg(opts.lockFd));
  if (opts.fifo) args.push('mkfifo', opts.fifo.path, opts.fifo.mode.toString(8));
  if (opts.waiter) args.push('waiter');
  if (opts.waiter && opts.noSubreaper) args.push('no-subreaper');
  if (opts.waiter && opts.exitLockFd !== undefined) args.push('exit-lock', fdArg(opts.exitLockFd));
  for (const dir of opts.cgroupDirs ?? []) args.push('cgroup', dir);
  if (opts.cgroup2Now) args.push('cgroup2-now');
  return args;
}

export function spawnInit(opts: SpawnOptions): SpawnedInit {
  const early = opts.stdio ? undefined : takeEarly('init');
  return (early && useEarlyInit(early, opts)) || forkInit(opts);
}

// An init of our own: Node forks itself for it (child_process.spawn).
function forkInit(opts: SpawnOptions): SpawnedInit {
  const record = opts.makeCgroups?.inJs();
  const syncFd = 3 + opts.preserveFds;
  const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
  for (let fd = 3; fd < syncFd; fd++) stdio.push(fd);
  stdio.push('pipe');
  const args = startupArgs(opts, (fd) => {
    stdio.push(fd);
    return String(stdio.length - 1);
  });
  // Required here, not at the top: loading child_process costs about 2 ms,
  // and the early init (the common path) does without it.
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
  // What stage0() read of the socket before the plan: follow() reads on from it.
  let preread = '';
  const stage0 = (): Promise<number> => {
    if (spawnError || !child.pid) return Promise.reject(new RuntsError(`start the init ${INIT_BINARY}: ${(spawnError as NodeJS.ErrnoException)?.code ?? 'no pid'}`));
    // No waiter: our child is stage 0 (it does not split).
    if (!opts.waiter) return Promise.resolve(child.pid);
    return new Promise<number>((resolve, reject) => {
      const done = (fn: () => void) => {
        sock.off('data', onData);
        sock.off('close', onClose);
        sock.pause(); // follow() resumes it, nothing lost meanwhile
        fn();
      };
      const onData = (chunk: Buffer) => {
        preread += chunk.toString();
        const pid = /^stage0 (\d+)$/m.exec(preread);
        const error = /^error (.*)$/m.exec(preread);
        if (pid) done(() => resolve(Number(pid[1])));
        else if (error) done(() => reject(new RuntsError(error[1])));
      };
      const onClose = () => done(() => reject(new RuntsError('the init exited before the container was ready')));
      sock.on('data', onData);
      sock.once('close', onClose);
    });
  };
  return { abort, stage0, cgroup: () => record, run: (plan, handlers) => follow({ child, sock, status, spawnError: () => spawnError, abort, preread: () => preread }, plan, handlers, opts.untilExec) };
}

// What one line from the init means (init-protocol.md), for both ways of
// reading them: the step it ends on, if any.
type Step = { ready: true } | { error: string } | undefined;

function lineHandler(handlers: InitHandlers, ids: InitIds, reply: (text: string) => void): (line: string) => Step {
  return (line) => {
    const sp = line.indexOf(' ');
    const verb = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (verb === 'pid') ids.pid = Number(rest);
    else if (verb === 'stage0') ids.stage0Pid = Number(rest);
    else if (verb === 'sync') {
      try {
        const payload = handlers.sync(rest, { stage0Pid: ids.stage0Pid, pid: ids.pid });
        reply(payload ? `ok ${payload}\n` : 'ok\n');
      } catch (err) {
        reply('abort\n');
        return { error: (err as Error).message };
      }
    } else if (verb === 'notify' && rest === 'ready') return { ready: true };
    else if (verb === 'error') return { error: rest };
    // The waiter's word that the process ended before `ready` (runc's words,
    // then how, as Go's os/exec says it: `signal: bad system call`).
    else if (verb === 'died') return { error: `container process is already dead: ${rest.replace(/^\d+ /, '')}` };
    return undefined;
  };
}

interface Started {
  child: ChildProcess;
  sock: Socket;
  status?: Promise<number | undefined>;
  spawnError: () => Error | undefined;
  abort: () => void;
  preread: () => string; // lines stage0() read already
}

// SpawnOptions.untilExec: the lines after `ready` up to EOF; what a failed
// execve said, if it did.
function execFailure(next: () => string | undefined): string | undefined {
  for (let line = next(); line !== undefined; line = next()) if (line.startsWith('error ')) return line.slice(6);
  return undefined;
}

function follow(init: Started, plan: Instruction[] | Buffer, handlers: InitHandlers, untilExec?: boolean): Promise<Launched> {
  const { child, sock, status } = init;
  return new Promise<Launched>((resolve, reject) => {
    const ids: InitIds = { stage0Pid: child.pid! }; // our child, unless it became the waiter
    let done = false;
    let buffered = init.preread();
    const fail = (msg: string) => {
      if (done) return;
      done = true;
      // Split already: the waiter reaps what we kill, and ends (see useEarlyInit).
      if (ids.stage0Pid !== child.pid) {
        sock.destroy();
        killQuietly(ids.stage0Pid);
      } else init.abort();
      killQuietly(ids.pid);
      reject(Object.assign(new RuntsError(msg), { pid: ids.pid }));
    };
    const failSpawn = (err: Error) => fail(`start the init ${INIT_BINARY}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    const early = init.spawnError();
    if (early) return failSpawn(early);
    child.once('error', failSpawn);
    if (!child.pid) return; // 'error' follows
    sock.write(Buffer.isBuffer(plan) ? plan : encodePlan(plan));
    const handle = lineHandler(handlers, ids, (text) => sock.write(text));
    let ready = false; // untilExec: ready, waiting for the execve's EOF
    const finish = () => {
      done = true;
      sock.destroy();
      if (!ids.pid) return reject(new RuntsError('the init reported ready without a pid'));
      resolve({ pid: ids.pid, status });
    };
    const onLines = () => {
      let nl: number;
      while (!done && (nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (ready) {
          if (line.startsWith('error ')) {
            done = true;
            sock.destroy();
            reject(Object.assign(new RuntsError(line.slice(6)), { pid: ids.pid }));
          }
          continue;
        }
        const step = handle(line);
        if (step && 'error' in step) fail(step.error);
        else if (step && untilExec && ids.pid) ready = true;
        else if (step) finish();
      }
    };
    sock.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      onLines();
    });
    onLines();
    sock.resume();
    sock.on('close', () => {
      // untilExec: EOF after ready, and no error line: the program runs.
      if (ready) setImmediate(() => done || finish());
      else if (!done) {
        // Let a last error line win over the bare EOF.
        setImmediate(() => fail(`the init exited before the container was ready${child.exitCode !== null ? ` (status ${child.exitCode})` : ''}`));
      }
    });
    sock.on('error', () => {
      /* 'close' follows */
    });
  });
}

function killQuietly(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

// ---------------------------------------------------------------- the early init

// Until the container is ready its socket is read synchronously: nothing
// else needs the event loop then. undefined if the early init is gone
// already (it could not be started, say): then runts spawns one.
function useEarlyInit(init: Early, opts: SpawnOptions): SpawnedInit | undefined {
  const abort = () => {
    killQuietly(init.pid); // it or, once split, the waiter: stage 0 dies with it
    init.close();
  };
  const make = opts.makeCgroups?.dirs.flatMap((d) => ['mkcgroup', d.root, d.dir, d.cpuset ? '1' : '0']) ?? [];
  if (!init.send([...startupArgs(opts, String), ...make, 'preserve-fds', String(opts.preserveFds), 'runts', String(process.pid)])) {
    abort();
    return undefined;
  }
  // Lines read ahead (by cgroup()) that run() must still see.
  const ahead: string[] = [];
  const nextLine = () => (ahead.length ? ahead.shift() : init.lines.next());
  // Its first line (`made`, `stage0` at the split, a start-up error) may
  // instead say it cannot serve us: it may not take our lock fds here
  // (init-protocol.md). Then it has ended, having done nothing, and we fork
  // an init of our own (which makes no cgroups: inJs does).
  let checked = false;
  let forked: SpawnedInit | undefined;
  const checkUsable = (): void => {
    if (checked) return;
    checked = true;
    const first = init.lines.next();
    if (first?.startsWith('unusable ')) {
      init.close();
      debug(`the early init cannot take our lock here (${first.slice(9)}): forking an init`);
      forked = forkInit(opts);
    } else if (first !== undefined) ahead.push(first);
  };
  let record: CgroupRecord | undefined;
  let failure: RuntsError | undefined;
  const cgroup = (): CgroupRecord | undefined => {
    if (!opts.makeCgroups || record) return record;
    if (failure) throw failure;
    // `made DIR` for each new directory, then `cgroups made`; or an error,
    // after which it has removed them again.
    const created: string[] = [];
    const kept: string[] = [];
    try {
      checkUsable();
      if (forked) return (record = forked.cgroup());
      for (;;) {
        const line = nextLine();
        if (line === undefined) throw new RuntsError('the init exited before the container was ready');
        if (line.startsWith('made ')) created.push(line.slice(5));
        else if (line.startsWith('error ')) throw new RuntsError(line.slice(6));
        else if (line === 'cgroups made') break;
        else kept.push(line);
      }
    } catch (err) {
      failure = err instanceof RuntsError ? err : new RuntsError(`the init's socket: ${(err as NodeJS.ErrnoException).code ?? err}`);
      throw failure;
    }
    ahead.push(...kept);
    return (record = { path: opts.makeCgroups.path, dirs: opts.makeCgroups.dirs.map((d) => d.dir), created });
  };
  const run = (plan: Instruction[] | Buffer, handlers: InitHandlers): Promise<Launched> => {
    const ids: InitIds = { stage0Pid: init.pid };
    const fail = (msg: string): Promise<Launched> => {
      // Once it has split, the waiter (or reaper) stays: it reaps what we
      // kill here and then ends. Killed first, it would leave a zombie of
      // the container's process to a parent that never reaps (in an exec,
      // the container's own PID 1).
      killQuietly(ids.stage0Pid);
      killQuietly(ids.pid);
      init.close();
      return Promise.reject(Object.assign(new RuntsError(msg), { pid: ids.pid }));
    };
    const lines = init.lines;
    try {
      checkUsable();
      if (forked) return forked.run(plan, handlers);
      init.write(Buffer.isBuffer(plan) ? plan : encodePlan(plan));
      const handle = lineHandler(handlers, ids, (t) => init.write(Buffer.from(t)));
      for (let line = nextLine(); ; line = nextLine()) {
        if (line === undefined) return fail('the init exited before the container was ready');
        const step = handle(line);
        if (step && 'error' in step) return fail(step.error);
        if (step) break;
      }
    } catch (err) {
      return fail(`the init's socket: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    if (!ids.pid) return fail('the init reported ready without a pid');
    if (!opts.waiter) {
      const failed = opts.untilExec ? execFailure(nextLine) : undefined;
      init.close();
      if (failed) return Promise.reject(Object.assign(new RuntsError(failed), { pid: ids.pid }));
      return Promise.resolve({ pid: ids.pid });
    }
    // From here on only the waiter holds its end: it writes the exit status
    // and exits. Read in the background, so that signals and the terminal
    // are served meanwhile.
    return Promise.resolve({ pid: ids.pid, status: lines.waitFor(/^exit (\d+)$/).then((m) => (init.close(), m ? Number(m[1]) : undefined)) });
  };
  // An early init always splits at start-up: its `stage0 PID` comes first
  // (after a start-up error, if any). Kept in `ahead` for run().
  const stage0 = async (): Promise<number> => {
    checkUsable();
    if (forked) return forked.stage0();
    const seen = ahead.find((l) => l.startsWith('stage0 '));
    if (seen) return Number(seen.slice(7));
    for (;;) {
      const line = init.lines.next();
      if (line === undefined) throw new RuntsError('the init exited before the container was ready');
      ahead.push(line);
      if (line.startsWith('error ')) throw new RuntsError(line.slice(6));
      if (line.startsWith('stage0 ')) return Number(line.slice(7));
    }
  };
  return { abort: () => (forked ? forked.abort() : abort()), cgroup, run, stage0 };
}
