// Checks beyond what the JSON Schema can say. Each returns
// "<JSON pointer>: <what was expected>; got <what was there>".
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from './types';
import { CAPABILITIES, RLIMITS } from './tables';

export const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export function checkContainerId(id: string): string | undefined {
  if (!id) return 'container ID must not be empty';
  if (!CONTAINER_ID.test(id) || id === '.' || id === '..' || id.length > 1024) {
    return `container ID ${JSON.stringify(id)} is invalid: it must match [A-Za-z0-9][A-Za-z0-9_.+-]*`;
  }
  return undefined;
}

const capSet = new Set(CAPABILITIES);

// Keys whose namespace the container must own to set them (runc's rule).
function sysctlNamespace(key: string): 'ipc' | 'network' | 'uts' | undefined {
  if (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(key)) return 'ipc';
  if (key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

// Capability names runts does not know (another spelling, another case, a
// newer kernel's): runc ignores them with a warning, and so does runts
// (compile leaves them out of the masks). schemas/README.md, Deviations.
export function unknownCapabilities(config: Config): string[] {
  const out = new Set<string>();
  for (const names of Object.values(config.process?.capabilities ?? {})) for (const n of names as string[]) if (!capSet.has(n)) out.add(n);
  return [...out];
}

export function semanticErrors(config: Config, bundle: string): string[] {
  const errors: string[] = [];
  const q = JSON.stringify;

  const major = /^(\d+)\./.exec(config.ociVersion)?.[1];
  if (major !== '1') errors.push(`/ociVersion: must be a 1.x version; got ${q(config.ociVersion)}`);

  if (!config.root) errors.push('/root: is required on Linux');
  else {
    const rootPath = path.resolve(bundle, config.root.path);
    let isDir = false;
    try {
      isDir = fs.statSync(rootPath).isDirectory();
    } catch {
      /* reported below */
    }
    if (!isDir) errors.push(`/root/path: must be an existing directory; got ${q(config.root.path)} (${rootPath})`);
  }

  const proc = config.process;
  if (!proc) errors.push('/process: is required to create a container');
  else {
    if (!proc.args || proc.args.length === 0) errors.push('/process/args: must not be empty');
    if (!proc.cwd.startsWith('/')) errors.push(`/process/cwd: must be an absolute path; got ${q(proc.cwd)}`);
    const seen = new Set<string>();
    (proc.rlimits ?? []).forEach((r, i) => {
      if (!(r.type in RLIMITS)) errors.push(`/process/rlimits/${i}/type: unknown rlimit; got ${q(r.type)}`);
      if (seen.has(r.type)) errors.push(`/process/rlimits/${i}/type: duplicate rlimit; got ${q(r.type)}`);
      seen.add(r.type);
      if (r.soft > r.hard) errors.push(`/process/rlimits/${i}: soft must not exceed hard; got soft ${r.soft}, hard ${r.hard}`);
    });
    (proc.env ?? []).forEach((e, i) => {
      if (!e.includes('=')) errors.push(`/process/env/${i}: must be KEY=value; got ${q(e)}`);
    });
  }

  (config.mounts ?? []).forEach((m, i) => {
    if (!m.destination.startsWith('/')) {
      errors.push(`/mounts/${i}/destination: must be an absolute path; got ${q(m.destination)}`);
    }
  });

  for (const [kind, hooks] of Object.entries(config.hooks ?? {})) {
    (hooks as { path: string }[]).forEach((h, i) => {
      if (!h.path.startsWith('/')) errors.push(`/hooks/${kind}/${i}/path: must be an absolute path; got ${q(h.path)}`);
    });
  }

  const linux = config.linux ?? {};
  const nsTypes = new Map<string, number>();
  (linux.namespaces ?? []).forEach((ns, i) => {
    if (nsTypes.has(ns.type)) errors.push(`/linux/namespaces/${i}/type: duplicate namespace; got ${q(ns.type)}`);
    nsTypes.set(ns.type, i);
    if (ns.path !== undefined && !ns.path.startsWith('/')) {
      errors.push(`/linux/namespaces/${i}/path: must be an absolute path; got ${q(ns.path)}`);
    }
  });
  const userNs = (linux.namespaces ?? []).find((n) => n.type === 'user');
  if (userNs && !userNs.path) {
    if (!linux.uidMappings?.length) errors.push('/linux/uidMappings: is required with a new user namespace');
    if (!linux.gidMappings?.length) errors.push('/linux/gidMappings: is required with a new user namespace');
  }
  if (!userNs && (linux.uidMappings?.length || linux.gidMappings?.length)) {
    errors.push('/linux/uidMappings: id mappings need a user namespace in /linux/namespaces');
  }
  if (linux.timeOffsets && !nsTypes.has('time')) {
    errors.push('/linux/timeOffsets: needs a time namespace in /linux/namespaces');
  }
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const needs = sysctlNamespace(key);
    const ns = needs && (linux.namespaces ?? []).find((n) => n.type === needs);
    if (key === 'kernel.hostname' && needs && ns && !ns.path) {
      // runc 1.5's rule: the hostname field says it, and the two would fight.
      errors.push(`/linux/sysctl/kernel.hostname: conflicts with /hostname (set the hostname there); got ${q(key)}`);
    } else if (key === 'kernel.domainname' && linux.sysctl?.[key] !== undefined && config.domainname !== undefined) {
      // runc 1.5 takes kernel.domainname alone; with the domainname field too, which wins is arbitrary.
      errors.push(`/linux/sysctl/kernel.domainname: conflicts with /domainname (set one of them); got ${q(key)}`);
    } else if (needs && (!ns || ns.path)) {
      errors.push(`/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}: needs its own ${needs} namespace; got ${q(key)}`);
    } else if (!needs) {
      errors.push(`/linux/sysctl/${key}: not namespaced, so a container may not set it; got ${q(key)}`);
    }
  }
  return errors;
}
