// Container: one container by its id, each operation a runts command run
// by its Runtime; and, for a container this Runtime created, its process's
// stdio and exit status (wait).
import { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { RuntsError } from '../errors';
import type { State } from '../spec/types';
import type { Runtime } from './runtime';
import { collect, lines, setReferenced } from './child';
import { Log, errorOfStderr } from './log';
import { criuFlags, CheckpointOptions, ExecOptions } from './options';
import { exitStatus, ContainerEvent, ExecResult, ExitStatus } from './results';

interface Waiter {
  child: ChildProcess; // runts create --status-fd, which stays until the container process exits
  waited: Promise<ExitStatus>;
  pid: number;
}

export class Container {
  readonly runtime: Runtime;
  readonly id: string;
  // The container process's pid, when this Runtime created it.
  readonly pid?: number;
  // With create's stdio 'pipe': the container process's stdio.
  readonly stdin: Writable | null = null;
  readonly stdout: Readable | null = null;
  readonly stderr: Readable | null = null;
  private readonly waiter?: Waiter;

  constructor(runtime: Runtime, id: string, waiter?: Waiter, restored?: ChildProcess) {
    this.runtime = runtime;
    this.id = id;
    this.waiter = waiter;
    if (restored) {
      this.stdin = restored.stdin;
      this.stdout = restored.stdout;
      this.stderr = restored.stderr;
    }
    if (waiter) {
      this.pid = waiter.pid;
      this.stdin = waiter.child.stdin;
      this.stdout = waiter.child.stdout;
      this.stderr = waiter.child.stderr;
      // A created container does not keep this process alive; wait() does.
      setReferenced(waiter.child, false);
    }
  }

  async start(): Promise<void> {
    await this.runtime.run(['start', this.id]);
  }

  async state(): Promise<State> {
    const r = await this.runtime.run(['state', this.id]);
    return JSON.parse(r.stdout.toString('utf8')) as State;
  }

  async kill(signal: NodeJS.Signals | number | string = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    await this.runtime.run(['kill', ...(opts.all ? ['--all'] : []), this.id, String(signal)]);
  }

  async pause(): Promise<void> {
    await this.runtime.run(['pause', this.id]);
  }

  async resume(): Promise<void> {
    await this.runtime.run(['resume', this.id]);
  }

  // `runts checkpoint`: the container's processes saved to opts.imagePath;
  // unless leaveRunning or preDump, the container is gone afterwards
  // (Runtime.restore brings it back).
  async checkpoint(opts: CheckpointOptions): Promise<void> {
    const args = ['checkpoint', ...criuFlags(opts)];
    if (opts.leaveRunning) args.push('--leave-running');
    if (opts.preDump) args.push('--pre-dump');
    if (opts.parentPath) args.push('--parent-path', opts.parentPath);
    await this.runtime.run([...args, this.id]);
  }

  async delete(opts: { force?: boolean } = {}): Promise<void> {
    await this.runtime.run(['delete', ...(opts.force ? ['--force'] : []), this.id]);
  }

  // The container process's own exit status, from the init's waiter
  // (docs/api.md, "wait"). Only for a container this Runtime created.
  async wait(): Promise<ExitStatus> {
    if (!this.waiter) {
      throw new RuntsError(`wait: container "${this.id}" was not created by this Runtime: its exit status is not known here`, { step: 'wait' });
    }
    setReferenced(this.waiter.child, true);
    try {
      return await this.waiter.waited;
    } finally {
      setReferenced(this.waiter.child, false);
    }
  }

  // `runts exec` as a child process, for streaming: its stdio as given
  // (stdout and stderr inherited by default), fd 3 the CLI's json log.
  spawn(args: string[], opts: ExecOptions = {}): ChildProcess {
    const { child, log } = this.spawnExec(args, opts);
    child.once('close', () => log.done());
    return child;
  }

  private spawnExec(args: string[], opts: ExecOptions): { child: ChildProcess; log: Log } {
    return this.runtime.spawnRunts(this.execArgs(args, opts), [opts.input !== undefined ? 'pipe' : opts.stdin ?? 'ignore', opts.stdout ?? 'inherit', opts.stderr ?? 'inherit']);
  }

  // Runs a process in the container to its end. A failure of runts itself
  // (no such container, a bad user) is a RuntsError; the process's own exit
  // status, whatever it is, is the result.
  exec(args: string[], opts?: ExecOptions & { encoding?: BufferEncoding }): Promise<ExecResult<string>>;
  exec(args: string[], opts: ExecOptions & { encoding: 'buffer' }): Promise<ExecResult<Buffer>>;
  async exec(args: string[], opts: ExecOptions = {}): Promise<ExecResult<string | Buffer>> {
    const { child, log } = this.spawnExec(args, opts);
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const ran = await collect(child).finally(() => log.done());
    if (log.error) throw log.error;
    if (ran.code === null) throw new RuntsError(`exec: runts was killed by ${ran.signal}`, { step: 'exec' });
    const enc = opts.encoding ?? 'utf8';
    const out = (b: Buffer) => (enc === 'buffer' ? b : b.toString(enc));
    return { pid: child.pid, ...exitStatus(ran.code), stdout: out(ran.stdout), stderr: out(ran.stderr) };
  }

  // The container's resource usage every interval ms (and OOM events), as
  // `runts events --interval` prints them, until the container stops or the
  // loop is left (which ends the runts process).
  async *events(opts: { interval?: number } = {}): AsyncGenerator<ContainerEvent> {
    const interval = opts.interval ?? 5000;
    const { child, log } = this.runtime.spawnRunts(['events', '--interval', `${interval}ms`, this.id], ['ignore', 'pipe', 'pipe']);
    const closed = collect(child, { stdout: false }).finally(() => log.done());
    const out = lines(child.stdout!);
    try {
      for (;;) {
        const line = await out.next();
        if (line === undefined) break;
        if (line.trim()) yield JSON.parse(line) as ContainerEvent;
      }
      const ran = await closed;
      if (ran.code !== 0) throw log.error ?? errorOfStderr(ran, 'events');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
  }

  // One statistics document (`runts events --stats`).
  async stats(): Promise<ContainerEvent> {
    const r = await this.runtime.run(['events', '--stats', this.id]);
    return JSON.parse(r.stdout.toString('utf8')) as ContainerEvent;
  }

  private execArgs(args: string[], opts: ExecOptions): string[] {
    const a = ['exec'];
    for (const e of opts.env ?? []) a.push('--env', e);
    if (opts.cwd) a.push('--cwd', opts.cwd);
    if (opts.user) a.push('--user', opts.user);
    // Everything after the id is the command, its options included (src/cli/exec.ts).
    return [...a, this.id, ...args];
  }
}
