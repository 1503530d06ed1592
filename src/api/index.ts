// The TypeScript API (docs/api.md): containers driven from Node without a
// shell. Every operation runs bin/runts, the CLI, as a child process, so the
// process model, the behaviour and the errors are the CLI's own; a failure
// comes back as a RuntsError rebuilt from the json line the CLI logs for it
// (--log on a pipe, fd 3), with its pointer, step and code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { RuntsError, RuntsErrorFields } from '../errors';
import { defaultSpec as baseSpec } from '../spec/default';
import type { Config, State } from '../spec/types';

export { RuntsError } from '../errors';
export type { RuntsErrorFields } from '../errors';
export type * from '../spec/types';

// build/api/index.js -> bin/runts of the same tree (the repository, or the
// installed package).
const DEFAULT_RUNTS = path.join(__dirname, '..', '..', 'bin', 'runts');
const STATUS_FD = 3; // create --status-fd: "created PID", then "exit STATUS"

export interface DefaultSpecOptions {
  rootless?: boolean; // as `runts spec --rootless`
  args?: string[]; // process.args (default: ["sh"])
  // process.terminal: by default true for the default `sh` (as `runts spec`
  // writes it) and false when args are given, which create can then run
  // without a console socket.
  terminal?: boolean;
}

// The config.json that `runts spec` writes, with args (and terminal) set.
export function defaultSpec(opts: DefaultSpecOptions = {}): Config {
  const config = baseSpec({ rootless: opts.rootless });
  if (opts.args) config.process!.args = [...opts.args];
  config.process!.terminal = opts.terminal ?? opts.args === undefined;
  return config;
}

// The CLI's default root (src/rootless.ts); undefined where it has none, so
// that each command reports that itself.
function apiDefaultRoot(): string | undefined {
  const { defaultRoot, isRootless } = require('../rootless') as typeof import('../rootless');
  try {
    return defaultRoot(isRootless('auto'));
  } catch {
    return undefined;
  }
}

export interface RuntimeOptions {
  root?: string; // --root (default as the CLI's: /run/runts, or $XDG_RUNTIME_DIR/runts rootless)
  runts?: string; // the runts binary (default: bin/runts of this package)
  systemdCgroup?: boolean; // --systemd-cgroup
  criu?: string; // --criu: the criu binary of checkpoint and restore (default criu on PATH)
  // Warnings the CLI logs (ignored capabilities, ...); default: printed on
  // stderr as the CLI would print them.
  onWarning?: (message: string) => void;
}

export type StdioValue = 'ignore' | 'inherit' | 'pipe' | number | Readable | Writable;

export interface CreateOptions {
  bundle: string;
  config?: Config; // written to <bundle>/config.json first
  // The container process's stdin, stdout and stderr (default 'ignore').
  // With 'pipe' they are Container.stdin, .stdout, .stderr.
  stdio?: StdioValue | [StdioValue, StdioValue, StdioValue];
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
}

// checkpoint's and restore's flags (runc's; docs/checkpoint.md).
export interface CriuOptions {
  imagePath: string; // the images' directory
  workPath?: string; // criu's work files and log (default: imagePath)
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: 'soft' | 'full' | 'strict' | 'ignore';
}

export interface CheckpointOptions extends CriuOptions {
  leaveRunning?: boolean; // keep the container running (else it is gone after the checkpoint)
  preDump?: boolean; // memory only; the container keeps running
  parentPath?: string; // a pre-dump's images, relative to imagePath
}

export interface RestoreOptions extends CriuOptions {
  bundle: string;
  // What the restored process's stdin, stdout and stderr become (default
  // 'ignore'); with 'pipe', Container.stdin, .stdout, .stderr.
  stdio?: StdioValue | [StdioValue, StdioValue, StdioValue];
  pidFile?: string;
}

function criuFlags(o: CriuOptions): string[] {
  const args = ['--image-path', path.resolve(o.imagePath)];
  if (o.workPath) args.push('--work-path', path.resolve(o.workPath));
  if (o.tcpEstablished) args.push('--tcp-established');
  if (o.extUnixSk) args.push('--ext-unix-sk');
  if (o.shellJob) args.push('--shell-job');
  if (o.fileLocks) args.push('--file-locks');
  if (o.manageCgroupsMode) args.push('--manage-cgroups-mode', o.manageCgroupsMode);
  return args;
}

export interface ExecOptions {
  stdin?: 'ignore' | 'inherit' | 'pipe';
  stdout?: 'ignore' | 'inherit' | 'pipe';
  stderr?: 'ignore' | 'inherit' | 'pipe';
  input?: string | Buffer; // written to stdin (then closed); implies stdin 'pipe'
  env?: string[]; // KEY=value, added to the container's process.env
  cwd?: string;
  user?: string; // uid[:gid]
  encoding?: BufferEncoding | 'buffer'; // of the collected output (default utf8)
}

// What a process ended with. status is the shell's number (the exit code,
// or 128+signal), as the init's waiter reports it (docs/api.md, "wait").
export interface ExitStatus {
  status: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

// A finished exec, like child_process.spawnSync's result; stdout and
// stderr are what the process wrote there when they were 'pipe' (else empty).
export interface ExecResult<T extends string | Buffer = string> extends ExitStatus {
  pid?: number;
  stdout: T;
  stderr: T;
}

// One line of `runts events`: {type: "stats", id, data} or {type: "oom", id}.
export interface ContainerEvent {
  type: 'stats' | 'oom' | string;
  id: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
}

export interface ListEntry {
  id: string;
  pid: number;
  status: State['status'];
  bundle: string;
  created: string;
  owner: string;
  [key: string]: unknown;
}

export function exitStatus(status: number): ExitStatus {
  const names = os.constants.signals as Record<string, number>;
  if (status > 128) {
    const name = Object.keys(names).find((n) => names[n] === status - 128);
    if (name) return { status, exitCode: null, signal: name as NodeJS.Signals };
  }
  return { status, exitCode: status, signal: null };
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

export class Runtime {
  readonly root: string | undefined; // undefined: the CLI's default, which it could not find (it says why)
  readonly runts: string;
  private readonly systemdCgroup: boolean;
  private readonly criu?: string;
  private readonly onWarning: (message: string) => void;

  constructor(opts: RuntimeOptions = {}) {
    this.root = opts.root ?? apiDefaultRoot();
    this.runts = opts.runts ?? DEFAULT_RUNTS;
    this.systemdCgroup = !!opts.systemdCgroup;
    this.criu = opts.criu;
    this.onWarning = opts.onWarning ?? ((m) => process.stderr.write(`runts: warning: ${m}\n`));
  }

  // `runts <args>` with its json log in a file of its own (a file: the CLI
  // opens --log by name, and Node's pipes are sockets, which cannot be
  // opened so). What it logged is read when it ends (or, for create, once
  // the container is created).
  spawnRunts(args: string[], stdio: StdioValue[], extraFds = 0): { child: ChildProcess; log: Log } {
    const log = new Log(this.onWarning);
    const global = [...(this.root !== undefined ? ['--root', this.root] : []), ...(this.systemdCgroup ? ['--systemd-cgroup'] : []), ...(this.criu ? ['--criu', this.criu] : []), '--log', log.file, '--log-format', 'json'];
    const all = [...stdio, ...Array(extraFds).fill('pipe')] as StdioOptions;
    return { child: spawn(this.runts, [...global, ...args], { stdio: all }), log };
  }

  // Runs one command to its end; a failure is the RuntsError it logged.
  async run(args: string[], input?: string): Promise<Ran> {
    const { child, log } = this.spawnRunts(args, [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']);
    if (input !== undefined) child.stdin!.end(input);
    const ran = await collect(child).finally(() => log.done());
    if (ran.code !== 0) throw log.error ?? errorOfStderr(ran, args[0]);
    return ran;
  }

  async create(id: string, opts: CreateOptions): Promise<Container> {
    const bundle = path.resolve(opts.bundle);
    if (opts.config) {
      try {
        fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(opts.config, null, '\t') + '\n');
      } catch (err) {
        throw new RuntsError(`create: write ${path.join(bundle, 'config.json')}: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
    const args = ['create', '--bundle', bundle, '--status-fd', String(STATUS_FD)];
    if (opts.pidFile) args.push('--pid-file', path.resolve(opts.pidFile));
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    if (opts.noPivot) args.push('--no-pivot');
    if (opts.noNewKeyring) args.push('--no-new-keyring');
    args.push(id);
    const s = opts.stdio ?? 'ignore';
    const stdio = Array.isArray(s) ? s : [s, s, s];
    const { child, log } = this.spawnRunts(args, stdio, 1);
    const status = lines(child.stdio[STATUS_FD] as Readable);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    child.once('error', () => {
      /* 'close' follows; the error is reported below */
    });
    const first = await status.next();
    if (first === undefined || !first.startsWith('created ')) {
      const { code, signal } = await exited;
      log.done();
      throw log.error ?? new RuntsError(`create: runts exited (${signal ?? code}) before the container was created`, { step: 'create' });
    }
    log.done();
    const waited = status.next().then(async (line) => {
      await exited;
      const m = line && /^exit (\d+)$/.exec(line);
      if (!m) throw new RuntsError(`wait: the waiter of "${id}" was killed: the exit status is lost`, { step: 'wait' });
      return exitStatus(Number(m[1]));
    });
    waited.catch(() => {
      /* reported to whoever waits */
    });
    const c = new Container(this, id, { child, waited, pid: Number(first.slice(8)) });
    return c;
  }

  // `runts restore --detach`: the container again, running, from a
  // checkpoint's images (Container.checkpoint). Like get(), it has no wait().
  async restore(id: string, opts: RestoreOptions): Promise<Container> {
    const args = ['restore', '--detach', '--bundle', path.resolve(opts.bundle), ...criuFlags(opts)];
    if (opts.pidFile) args.push('--pid-file', path.resolve(opts.pidFile));
    args.push(id);
    const s = opts.stdio ?? 'ignore';
    const { child, log } = this.spawnRunts(args, Array.isArray(s) ? s : [s, s, s]);
    // 'exit', not 'close': the restored process holds the pipes, if any.
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(null));
      child.once('exit', (c) => resolve(c));
    });
    log.done();
    if (code !== 0) throw log.error ?? new RuntsError(`restore: runts exited (${code}) before the container was restored`, { step: 'restore' });
    return new Container(this, id, undefined, child);
  }

  // A container made elsewhere (another process, the CLI): everything but
  // wait(), whose exit status only the process that created it can have.
  get(id: string): Container {
    return new Container(this, id);
  }

  async list(): Promise<ListEntry[]> {
    const r = await this.run(['list', '--format', 'json']);
    return JSON.parse(r.stdout.toString('utf8') || '[]') ?? [];
  }
}

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

// The --log file of one runts command, in a private directory of this
// process (removed at its exit).
let logDir: string | undefined;
let logSeq = 0;

class Log {
  readonly file: string;
  error?: RuntsError;
  private read = false;

  constructor(private readonly onWarning: (message: string) => void) {
    if (!logDir) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-api-'));
      logDir = dir;
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    this.file = path.join(logDir, `${process.pid}-${++logSeq}.log`);
  }

  // Reads what was logged (warnings passed on, the last error kept) and
  // removes the file.
  done(): void {
    if (this.read) return;
    this.read = true;
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
      fs.rmSync(this.file, { force: true });
    } catch {
      return; /* nothing logged */
    }
    for (const line of text.split('\n')) {
      const e = errorOfLine(line);
      if (e?.level === 'warning') this.onWarning(e.error.message);
      else if (e?.level === 'error') this.error = e.error;
    }
  }
}

function setReferenced(child: ChildProcess, on: boolean): void {
  const all = [child, ...child.stdio] as ({ ref?: () => void; unref?: () => void } | null)[];
  for (const x of all) (on ? x?.ref : x?.unref)?.call(x);
}

// A child to its end, with what it wrote on stdout and stderr (if piped).
function collect(child: ChildProcess, opts: { stdout?: boolean } = {}): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (opts.stdout !== false) child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

// The lines of a stream, one per next(); undefined at its end.
function lines(stream: Readable): { next: () => Promise<string | undefined> } {
  stream.setEncoding('utf8');
  const ready: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffered = '';
  let ended = false;
  const push = (line: string | undefined) => {
    const w = waiting.shift();
    if (w) w(line);
    else if (line !== undefined) ready.push(line);
  };
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const end = () => {
    if (ended) return;
    ended = true;
    if (buffered) push(buffered);
    buffered = '';
    while (waiting.length) push(undefined);
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    next: () => {
      if (ready.length) return Promise.resolve(ready.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const FIELDS = ['file', 'pointer', 'step', 'code'] as const;

// One json log line of the CLI (src/log.ts, native/direct.c).
function errorOfLine(line: string): { level: string; error: RuntsError } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof doc?.msg !== 'string' || typeof doc.level !== 'string') return undefined;
  const has = FIELDS.some((k) => typeof doc[k] === 'string');
  const fields: RuntsErrorFields = {};
  for (const k of FIELDS) if (typeof doc[k] === 'string') fields[k] = doc[k] as string;
  // Lines without fields (native/direct.c writes none): as the message says.
  return { level: doc.level, error: has ? new RuntsError(doc.msg, fields) : new RuntsError(doc.msg) };
}

// Where no log line came (runts could not start, say): its stderr.
function errorOfStderr(ran: Ran, command: string | undefined): RuntsError {
  const text = ran.stderr.toString('utf8').trim().split('\n').pop() ?? '';
  if (text.startsWith('runts: ')) return new RuntsError(text.slice(7));
  return new RuntsError(`${command ?? 'runts'}: runts exited (${ran.signal ?? ran.code})${text ? `: ${text}` : ''}`, { step: command });
}
