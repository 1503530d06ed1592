// Runtime: one runts setup (its --root, the binary, --systemd-cgroup,
// --criu), which runs each command as a child process and makes the
// Containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { RuntsError } from '../errors';
import { Container } from './container';
import { collect, lines, Ran } from './child';
import { Log, errorOfStderr } from './log';
import { criuFlags, CreateOptions, RestoreOptions, RuntimeOptions, StdioValue } from './options';
import { exitStatus, ListEntry } from './results';

// build/api/runtime.js -> bin/runts of the same tree (the repository, or the
// installed package).
const DEFAULT_RUNTS = path.join(__dirname, '..', '..', 'bin', 'runts');
const STATUS_FD = 3; // create --status-fd: "created PID", then "exit STATUS"

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
