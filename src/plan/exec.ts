// `runts exec`: the instructions that put a new process into a running
// container: join each of its namespaces (the user namespace first, the mount
// namespace last, since it changes what paths mean), fork into its pid
// namespace, then the same limits, privileges and exec as its first process.
import type { Linux, Process } from '../spec/types';
import { memoryPolicyStep } from './mempolicy';
import { Instruction, ins } from './instructions';
import { execLabelSteps, keycreateStep } from './lsm';
import { execSteps, KEEP_GID, listenerConnect, processSteps, SeccompProgram, seccompStep, withSeccomp } from './compile';

export interface ExecInput {
  pid: number; // the container's first process, whose namespaces are joined
  namespaces: string[]; // /proc/<pid>/ns entries that differ from the runtime's own
  process: Process;
  preserveFds: number;
  consoleSocket?: string;
  seccomp?: SeccompProgram;
  homeOf: (uid: number) => string | undefined;
  memoryPolicy?: Linux['memoryPolicy']; // the container's, for every process of it (as runc)
  keyring?: string; // the container's session keyring; none with create --no-new-keyring
  // --pidfd-socket: the forked process waits (sync "pidfd") while runts
  // opens its pidfd, so a process that exits at once cannot be reaped
  // before (issue 30); runts sends it once the process is ready.
  sendPidfd?: boolean;
}

export const PIDFD_SYNC = ins('sync', 'open the pidfd for --pidfd-socket', 'pidfd');

const ORDER = ['user', 'ipc', 'uts', 'net', 'pid', 'cgroup', 'time', 'mnt'];

export function compileExec(input: ExecInput): Instruction[] {
  const plan: Instruction[] = [];
  const proc = input.process;
  // The console socket is a host path: connect before joining the mount namespace.
  if (proc.terminal) plan.push(ins('console-connect', `connect to the console socket ${input.consoleSocket}`, input.consoleSocket!));
  if (input.seccomp?.listenerPath) plan.push(listenerConnect(input.seccomp.listenerPath));
  for (const type of ORDER.filter((t) => input.namespaces.includes(t))) {
    const p = `/proc/${input.pid}/ns/${type}`;
    plan.push(ins('setns', `join the container's ${type} namespace`, p, type));
  }
  // A container without a mount namespace of its own is chrooted into its
  // rootfs: an exec'd process must be too.
  if (!input.namespaces.includes('mnt')) {
    plan.push(ins('root', "open the container's root", `/proc/${input.pid}/root`), ins('chroot', "chroot into the container's root"));
  }
  plan.push(ins('fork', 'start the process'));
  if (input.sendPidfd) plan.push(PIDFD_SYNC);
  plan.push(ins('setsid', 'new session'));
  // The container's session keyring, found by name, or a new one of that
  // name where it cannot be searched (runc's setns init), never the
  // caller's; keys made then get the process's SELinux label.
  if (input.keyring) plan.push(...keycreateStep(proc.selinuxLabel), ins('keyring', `join the session keyring ${input.keyring}`, input.keyring, 0));
  if (proc.terminal) {
    const size = proc.consoleSize ?? { height: 0, width: 0 };
    plan.push(ins('console', 'set up the terminal', size.height, size.width, proc.user.uid, KEEP_GID, 0));
  }
  // As for the container's first process (compile.ts); containerd's CRI
  // sets it on every process of a pod, exec probes included.
  if (proc.oomScoreAdj !== undefined) plan.push(ins('write', `set oom_score_adj ${proc.oomScoreAdj}`, '/proc/self/oom_score_adj', String(proc.oomScoreAdj)));
  if (input.memoryPolicy) plan.push(memoryPolicyStep(input.memoryPolicy));
  // The profile and label the program is exec'd into (checked by the
  // caller: src/plan/lsm.ts), through the container's /proc, before
  // no_new_privs, the user and any seccomp filter (docs/lsm.md).
  plan.push(...execLabelSteps(proc));
  plan.push(...withSeccomp(processSteps(proc, proc.cwd), proc, input.seccomp));
  const { lookup, exec } = execSteps(proc, { homeOf: input.homeOf }, input.preserveFds, '/args/0');
  plan.push(lookup);
  if (proc.noNewPrivileges && input.seccomp) plan.push(...seccompStep(input.seccomp));
  // The socket is kept to close at the execve: its EOF tells the C exec
  // --detach that the program runs (docs/init-protocol.md, `notify`).
  plan.push(ins('notify', 'report ready', 'ready', 'keep'), ...exec);
  return plan;
}
