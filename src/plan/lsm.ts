// AppArmor and SELinux: what a config's labels compile to, and what is
// refused before the init starts (docs/lsm.md). Pure, like the compiler:
// the host's side comes in LsmFacts (src/plan/facts.ts reads it).
import { RuntsError } from '../errors';
import { Instruction, ins } from './instructions';

export interface LsmFacts {
  apparmor: boolean; // /sys/module/apparmor/parameters/enabled is Y
  selinux: boolean; // selinuxfs mounted and the task's context is not "kernel"
  // The loaded AppArmor profiles by name; undefined where the list cannot be read.
  apparmorProfiles: () => Set<string> | undefined;
}

// Where each value came from, as the error names it: a config field
// (`config.json: /process/apparmorProfile`), a process.json field or a flag.
export interface LsmNames {
  apparmor: string;
  selinux: string;
  mountLabel?: string;
}

export const CONFIG_NAMES: LsmNames = {
  apparmor: 'config.json: /process/apparmorProfile',
  selinux: 'config.json: /process/selinuxLabel',
  mountLabel: 'config.json: /linux/mountLabel',
};

const fail = (name: string, why: string): never => {
  const m = /^([^:\s]+\.json): (\/\S*)$/.exec(name);
  throw new RuntsError(`${name}: ${why}`, m ? { file: m[1], pointer: m[2] } : {});
};

// user:role:type[:level]; the kernel checks that the parts exist. A
// newline or NUL would end the context early (docs/lsm.md), a space is
// never part of one.
export function checkSelinuxLabel(label: string, name: string): void {
  if (!/^[^:\s\0]+:[^:\s\0]+:[^:\s\0]+(:[^\s\0]+)?$/.test(label)) {
    fail(name, `must be an SELinux context user:role:type[:level]; got ${JSON.stringify(label)}`);
  }
}

// Names the kernel resolves itself (not in the profiles list): unconfined,
// stacks (a//&b) and profiles of another namespace (:ns:p).
const kernelResolved = (p: string) => p === 'unconfined' || p.includes('//') || p.startsWith(':');

export function checkApparmorProfile(profile: string, facts: LsmFacts, name: string): void {
  if (/[\n\0]/.test(profile)) fail(name, `must be an AppArmor profile name; got ${JSON.stringify(profile)}`);
  if (!facts.apparmor) fail(name, `AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y), so profile "${profile}" cannot be applied`);
  if (kernelResolved(profile)) return;
  const loaded = facts.apparmorProfiles();
  if (loaded && !loaded.has(profile)) fail(name, `AppArmor profile "${profile}" is not loaded (not in /sys/kernel/security/apparmor/profiles; load it with apparmor_parser)`);
}

export function checkSelinux(label: string, facts: LsmFacts, name: string): void {
  checkSelinuxLabel(label, name);
  if (!facts.selinux) fail(name, `SELinux is not enabled on this host (no selinuxfs at /sys/fs/selinux), so label "${label}" cannot be applied`);
}

export interface LsmRequest {
  apparmorProfile?: string;
  selinuxLabel?: string;
  mountLabel?: string;
}

// Every check, before anything is made.
export function checkLsm(req: LsmRequest, facts: LsmFacts, names: LsmNames): void {
  if (req.apparmorProfile) checkApparmorProfile(req.apparmorProfile, facts, names.apparmor);
  if (req.selinuxLabel) checkSelinux(req.selinuxLabel, facts, names.selinux);
  if (req.mountLabel) checkSelinux(req.mountLabel, facts, names.mountLabel ?? CONFIG_NAMES.mountLabel!);
}

// The key-creation label, set just before the session keyring is made.
export function keycreateStep(label: string | undefined): Instruction[] {
  return label ? [ins('selinux-label', `set the SELinux key-creation label ${label} (/process/selinuxLabel)`, 'keycreate', label)] : [];
}

// The profile and the label the next execve switches to.
export function execLabelSteps(req: LsmRequest): Instruction[] {
  const out: Instruction[] = [];
  if (req.apparmorProfile) out.push(ins('apparmor-exec', `set AppArmor profile ${req.apparmorProfile} on exec (/process/apparmorProfile)`, req.apparmorProfile));
  if (req.selinuxLabel) out.push(ins('selinux-label', `set the SELinux exec label ${req.selinuxLabel} (/process/selinuxLabel)`, 'exec', req.selinuxLabel));
  return out;
}

// Filesystems that take no context= (proc, sysfs), that are labelled after
// the mount (mqueue), or are binds of the host's cgroups: as runc.
const NO_CONTEXT = new Set(['proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2', 'bind']);

// A mount's data with the mount label as its context (quoted: an MLS
// range has commas).
export function withContext(data: string, fstype: string, mountLabel: string | undefined): string {
  if (!mountLabel || NO_CONTEXT.has(fstype)) return data;
  const ctx = `context="${mountLabel}"`;
  return data ? `${data},${ctx}` : ctx;
}

// mqueue's root directory gets the mount label as a file label.
export function mqueueLabelStep(dest: string, mountLabel: string | undefined): Instruction[] {
  return mountLabel ? [ins('file-label', `label ${dest} ${mountLabel} (/linux/mountLabel)`, dest, mountLabel)] : [];
}
