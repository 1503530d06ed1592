// exec: a new process in a running container: every namespace of the
// container, its cgroup, its root, and the process settings of config.json
// unless overridden. Never PID 1, and gone when the container is deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntsError } from '../errors';
import { print, warn } from '../log';
import type { Config, Process } from '../spec/types';
import { compileExec } from '../plan/exec';
import { cgroup2JoinNow, spawnInit } from './launch';
import { containerDir, readSaved, Saved, SPEC_VERSION, statusOf } from './state';
import { ForegroundTerminal } from './terminal';
import type { Instruction } from '../plan/instructions';
import { forwardSignals } from './foreground';
import { CAPABILITIES } from '../spec/tables';
import { seccompOf, seccompState, writePidFile } from './create';
import { checkLsm, CONFIG_NAMES, LsmNames } from '../plan/lsm';
import { lsmFacts } from '../plan/facts';

export interface ExecOptions {
  root: string;
  id: string;
  command: string[];
  processFile?: string;
  tty?: boolean;
  consoleSocket?: string;
  pidfdSocket?: string; // runc 1.5: the process's pidfd goes there (src/sys/pidfd-socket.ts)
  detach?: boolean;
  pidFile?: string;
  env?: string[];
  cwd?: string;
  user?: string;
  additionalGids?: number[];
  caps?: string[];
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
  preserveFds?: number;
  ignorePaused?: boolean;
  dryRun?: boolean;
  dryRunFormat?: 'text' | 'json';
  cgroup?: string[]; // --cgroup [<controller>:]<path>, sub-cgroups to join
}

function loadProcessFile(file: string): Process {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { parseJson, loadValidators, formatSchemaError, pickSchemaError, fillProcessDefaults } = require('../spec/load') as typeof import('../spec/load');
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new RuntsError(`--process ${file}: cannot read: ${(err as NodeJS.ErrnoException).code}`);
  }
  const doc = parseJson(text, 'process.json');
  // The process object is validated as the /process of a config.
  const wrapper = { ociVersion: '1.3.0', process: doc };
  const { validateConfig } = loadValidators();
  if (!validateConfig(wrapper)) {
    const e = pickSchemaError(validateConfig.errors ?? []);
    throw new RuntsError(`process.json: ${formatSchemaError(wrapper, e).replace(/^\/process/, '') || '/'}`);
  }
  fillProcessDefaults(doc);
  const p = doc as Process;
  if (!p.args?.length) throw new RuntsError('process.json: /args: must not be empty');
  if (!p.cwd.startsWith('/')) throw new RuntsError(`process.json: /cwd: must be an absolute path; got ${JSON.stringify(p.cwd)}`);
  return p;
}

// What an LSM error names: the flag, process.json's field, or config.json's.
function lsmNames(opts: ExecOptions, file?: Process): LsmNames {
  return {
    apparmor: opts.apparmor ? `--apparmor ${opts.apparmor}` : file?.apparmorProfile ? 'process.json: /apparmorProfile' : CONFIG_NAMES.apparmor,
    selinux: opts.processLabel ? `--process-label ${opts.processLabel}` : file?.selinuxLabel ? 'process.json: /selinuxLabel' : CONFIG_NAMES.selinux,
  };
}

function envKey(e: string): string {
  return e.slice(0, e.indexOf('='));
}

// Exported for test/unit/exec-direct.test.ts (the C path holds to it).
export function buildProcess(config: Config, opts: ExecOptions): { proc: Process; names: LsmNames } {
  if (opts.processFile) {
    const p = loadProcessFile(opts.processFile);
    const names = lsmNames(opts, p);
    if (opts.tty !== undefined && opts.tty) p.terminal = true;
    // Without its own, the process gets the container's profile and label,
    // as in runc: being exec'd never escapes confinement.
    p.apparmorProfile = opts.apparmor || p.apparmorProfile || config.process?.apparmorProfile;
    p.selinuxLabel = opts.processLabel || p.selinuxLabel || config.process?.selinuxLabel;
    return { proc: p, names };
  }
  const base = config.process!;
  if (!opts.command.length) throw new RuntsError('exec: a command is required (or --process FILE)');
  const p: Process = JSON.parse(JSON.stringify(base));
  p.args = opts.command;
  p.terminal = !!opts.tty;
  delete p.consoleSize;
  if (opts.env?.length) {
    const env = new Map((p.env ?? []).map((e) => [envKey(e), e]));
    for (const e of opts.env) {
      if (!e.includes('=')) throw new RuntsError(`--env ${JSON.stringify(e)}: must be KEY=value`);
      env.set(envKey(e), e);
    }
    p.env = [...env.values()];
  }
  if (opts.cwd) {
    if (!opts.cwd.startsWith('/')) throw new RuntsError(`--cwd ${JSON.stringify(opts.cwd)}: must be an absolute path`);
    p.cwd = opts.cwd;
  }
  if (opts.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(opts.user);
    if (!m) throw new RuntsError(`--user ${JSON.stringify(opts.user)}: must be uid[:gid] (numbers; names are never resolved from the host)`);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : p.user.gid };
  }
  if (opts.additionalGids?.length) p.user = { ...p.user, additionalGids: opts.additionalGids };
  for (const cap of opts.caps ?? []) {
    const name = cap.toUpperCase().startsWith('CAP_') ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`;
    if (!CAPABILITIES.includes(name)) throw new RuntsError(`--cap ${JSON.stringify(cap)}: unknown capability`);
    const caps = (p.capabilities ??= {});
    // As runc: bounding, effective and permitted, never inheritable; ambient
    // only where the cap is inheritable already (the kernel's condition;
    // runc adds it whenever there is an inheritable set).
    const sets = ['bounding', 'effective', 'permitted', ...(caps.inheritable?.includes(name) ? ['ambient'] as const : [])] as const;
    for (const set of sets) {
      const list = (caps[set] ??= []);
      if (!list.includes(name)) list.push(name);
    }
  }
  if (opts.noNewPrivs) p.noNewPrivileges = true;
  if (opts.apparmor) p.apparmorProfile = opts.apparmor;
  if (opts.processLabel) p.selinuxLabel = opts.processLabel;
  return { proc: p, names: lsmNames(opts) };
}

// The namespaces of the container that the runtime is not already in
// (setns into one's own user namespace is refused).
function namespacesToJoin(pid: number): string[] {
  const out: string[] = [];
  for (const t of ['user', 'ipc', 'uts', 'net', 'pid', 'cgroup', 'time', 'mnt']) {
    try {
      const theirs = fs.statSync(`/proc/${pid}/ns/${t}`).ino;
      const ours = fs.statSync(`/proc/self/ns/${t}`).ino;
      if (theirs !== ours) out.push(t);
    } catch {
      /* a namespace type this kernel lacks */
    }
  }
  return out;
}

function homeIn(pid: number, uid: number): string | undefined {
  // The container's /etc/passwd, through its root as the kernel sees it.
  try {
    for (const line of fs.readFileSync(`/proc/${pid}/root/etc/passwd`, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && f[2] !== '' && Number(f[2]) === uid) return f[5] || undefined;
    }
  } catch {
    /* none */
  }
  return undefined;
}

export async function exec(opts: ExecOptions): Promise<number> {
  const dir = containerDir(opts.root, opts.id);
  const saved = readSaved(opts.root, opts.id);
  const status = statusOf(saved, dir);
  if (status === 'stopped') throw new RuntsError(`cannot exec in container "${opts.id}": it is stopped`);
  if (status === 'paused' && !opts.ignorePaused) throw new RuntsError(`cannot exec in container "${opts.id}": it is paused (use --ignore-paused)`);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Config;
  const { proc, names } = buildProcess(config, opts);
  checkLsm(proc, lsmFacts(), names);
  if (proc.terminal && !opts.consoleSocket && opts.detach) throw new RuntsError('exec: --tty with --detach needs --console-socket');
  // The container's filter applies to exec'd processes too (as in runc).
  const seccomp = seccompOf(config);
  // A terminal in the foreground without --console-socket: runts takes it itself.
  const terminal = proc.terminal && !opts.consoleSocket && !opts.dryRun ? new ForegroundTerminal(opts.root) : undefined;
  const consoleSocket = terminal?.socketPath ?? (opts.consoleSocket && path.resolve(opts.consoleSocket));
  let pidfdSock: number | undefined;
  try {
    const namespaces = namespacesToJoin(saved.pid);
    const plan = compileExec({
      pid: saved.pid,
      namespaces,
      process: proc,
      preserveFds: opts.preserveFds ?? 0,
      consoleSocket,
      seccomp,
      homeOf: (uid: number) => homeIn(saved.pid, uid),
      memoryPolicy: config.linux?.memoryPolicy,
      keyring: saved.keyring,
      sendPidfd: !!opts.pidfdSocket,
    });
    if (opts.dryRun) {
      const describe = require('../plan/describe') as typeof import('../plan/describe');
      if (opts.dryRunFormat === 'json') print(describe.planJson(plan, { id: opts.id }));
      else print(`# runts exec ${opts.id}: ${plan.length} instructions for the native init\n` + describe.describePlan(plan));
      return 0;
    }
    // Connected before the process starts, as runc dials it.
    const pidfd = opts.pidfdSocket ? (require('../sys/pidfd-socket') as typeof import('../sys/pidfd-socket')) : undefined;
    pidfdSock = pidfd?.connectPidfdSocket(opts.pidfdSocket!);
    return await launchAndWait(opts, saved, config, plan, cgroup2JoinNow(namespaces.includes('user'), namespaces.includes('cgroup')), terminal, pidfdSock);
  } finally {
    terminal?.close();
    if (pidfdSock !== undefined) (require('../sys/pidfd-socket') as typeof import('../sys/pidfd-socket')).closeSocket(pidfdSock);
  }
}

async function launchAndWait(opts: ExecOptions, saved: Saved, config: Config, plan: Instruction[], cgroup2Now: boolean, terminal?: ForegroundTerminal, pidfdSock?: number): Promise<number> {
  let cgroupDirs = saved.cgroup?.dirs;
  if (opts.cgroup?.length) {
    const { subCgroupDirs } = require('../cgroups/subcgroup') as typeof import('../cgroups/subcgroup');
    const { detectLayout } = require('../cgroups/layout') as typeof import('../cgroups/layout');
    cgroupDirs = subCgroupDirs(cgroupDirs ?? [], opts.cgroup, detectLayout().hierarchies);
  }
  const pidfd = pidfdSock === undefined ? undefined : (require('../sys/pidfd-socket') as typeof import('../sys/pidfd-socket'));
  let held: number | undefined;
  const init = spawnInit({ preserveFds: opts.preserveFds ?? 0, cgroupDirs, waiter: !opts.detach, untilExec: opts.detach, cgroup2Now });
  const launched = await init.run(plan, {
    sync: (name, ctx) => {
      // The process waits in this sync while its pidfd is opened: it
      // cannot have exited and been reaped (src/plan/exec.ts, PIDFD_SYNC).
      if (name === 'pidfd' && ctx.pid && pidfd && held === undefined) {
        held = pidfd.openPidfd(ctx.pid);
        return '';
      }
      if (name === 'seccomp-state' && ctx.pid) {
        return seccompState(config, { ociVersion: SPEC_VERSION, id: saved.id, status: 'running', pid: saved.pid, bundle: saved.bundle, annotations: saved.annotations ?? {} }, ctx.pid);
      }
      throw new RuntsError(`exec: the init asked for an unknown sync "${name}"`);
    },
  }).catch((err: Error) => {
    if (held !== undefined) require('node:fs').closeSync(held);
    throw new RuntsError(`exec: ${err.message}`);
  });
  // Sent once the process is ready, as before: a receiver that signals it
  // at once does not kill it half set up.
  if (held !== undefined) pidfd!.sendPidfdFd(pidfdSock!, held, 'setns');
  if (opts.pidFile) writePidFile(opts.pidFile, launched.pid);
  if (opts.detach) return 0;
  const stop = forwardSignals(launched.pid);
  terminal?.attach();
  const status = await launched.status!;
  if (status === undefined) warn('exec: the waiter was killed: the exit status is lost');
  const code = status ?? 255;
  await terminal?.drain();
  stop();
  return code;
}
