// What an exec needs that create already knows, written beside state.json
// for bin/runts's exec without Node (native/direct/exec.c;
// docs/architecture.md, "exec without Node"): the cgroup directories to
// join, whether cgroup2 is mounted with nsdelegate (cgroup2JoinNow), the
// container's process (exec ID CMD... starts from it, as buildProcess
// does), the session keyring exec'd processes join (none with
// --no-new-keyring), and the seccomp filter create compiled, as BPF in
// `exec-seccomp`. The container's AppArmor profile and SELinux label, which
// a process.json without its own inherits (buildProcess), are lines of their own.
// The rest (the namespaces to join, HOME from the container's
// /etc/passwd, whether the labels can be applied on this host now) is read
// at exec time by both paths alike.
//
// None where exec must stay Node's: a seccomp filter with a notification
// listener (its sync needs the container's state JSON), a memory policy
// (set by Node's plan only), a path or label with a newline.
import type { Config } from '../spec/types';
import type { SeccompProgram } from '../plan/compile';
import type { CgroupRecord } from '../cgroups/dirs';
import type { Layout } from '../cgroups/layout';

export const EXEC_RECORD = 'exec';
export const EXEC_SECCOMP = 'exec-seccomp';

export function execRecord(config: Config, cgroup: CgroupRecord | undefined, layout: Layout, seccomp?: SeccompProgram, keyring?: string): string | undefined {
  const proc = config.process;
  if (!proc || seccomp?.listenerPath || config.linux?.memoryPolicy) return undefined;
  const lines = ['runts-exec 1', `nsdelegate ${layout.hierarchies.some((h) => h.version === 2 && h.nsdelegate) ? 1 : 0}`];
  for (const d of cgroup?.dirs ?? []) lines.push(`cgroup ${d}`);
  if (seccomp) lines.push(`seccomp ${seccomp.flags}`);
  if (keyring) lines.push(`keyring ${keyring}`);
  if (proc.apparmorProfile) lines.push(`apparmor ${proc.apparmorProfile}`);
  if (proc.selinuxLabel) lines.push(`selinux ${proc.selinuxLabel}`);
  // JSON.stringify escapes every newline: one line.
  lines.push(`process ${JSON.stringify(proc)}`);
  if (lines.slice(0, -1).some((l) => l.includes('\n'))) return undefined;
  return lines.join('\n') + '\n';
}
