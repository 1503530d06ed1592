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

// The namespace a sysctl key lives in (runc's rule), or undefined for a key
// no namespace of a container covers. Keys written with '/' ("net/ipv4/
// ip_forward") are read as their dotted form, as runc reads them.
function sysctlNamespace(key: string): 'ipc' | 'network' | 'uts' | 'user' | undefined {
  const first = key.search(/[./]/);
  if (first >= 0 && key[first] === '/') key = key.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
  if (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(key)) return 'ipc';
  if (key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.domainname') return 'uts';
  if (key.startsWith('user.')) return 'user';
  return undefined;
}

const PROC_NS: Record<string, string> = { ipc: 'ipc', network: 'net', uts: 'uts', user: 'user' };

// Is a namespace the config joins by path the one runts itself runs in (the
// host's, for the container)? Joined by path is not the host's: a CRI
// container joins its pod's namespaces so. An error text when the path
// cannot be read.
export function isOwnNamespace(type: string, nsPath: string): boolean | string {
  try {
    const a = fs.statSync(`/proc/self/ns/${PROC_NS[type] ?? type}`);
    const b = fs.statSync(nsPath);
    return a.dev === b.dev && a.ino === b.ino;
  } catch (err) {
    return `cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
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
  const namespaces = linux.namespaces ?? [];
  if (linux.timeOffsets && namespaces.some((n) => n.type === 'time' && n.path)) {
    errors.push('/linux/timeOffsets: a time namespace joined by path keeps its own offsets; give either offsets or a path');
  }
  for (const field of ['hostname', 'domainname'] as const) {
    if (config[field] && !nsTypes.has('uts')) errors.push(`/${field}: needs a UTS namespace in /linux/namespaces (new or joined by path); got ${q(config[field])}`);
  }
  // runc's rule: a namespaced key is refused only where the container would
  // be in the host's namespace of that kind: none in the list, or a path
  // that is runts's own namespace.
  const hostNs = new Map<string, string | undefined>();
  const inHostNs = (type: string): string | undefined => {
    if (!hostNs.has(type)) {
      const i = namespaces.findIndex((n) => n.type === type);
      let why: string | undefined;
      if (i < 0) why = `needs a ${type} namespace in /linux/namespaces (new or joined by path), not the host's`;
      else if (namespaces[i].path) {
        const own = isOwnNamespace(type, namespaces[i].path!);
        if (own === true) why = `/linux/namespaces/${i}/path is the host's ${type} namespace (runts's own)`;
        else if (typeof own === 'string') why = `/linux/namespaces/${i}/path ${q(namespaces[i].path)}: ${own}`;
      }
      hostNs.set(type, why);
    }
    return hostNs.get(type);
  };
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const at = `/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const needs = sysctlNamespace(key);
    const why = needs && inHostNs(needs);
    if (why) errors.push(`${at}: ${why}; got ${q(key)}`);
    // runc 1.5's rules: the hostname field says it, and the two would fight;
    // kernel.domainname alone is taken, beside the domainname field refused.
    else if (key === 'kernel.hostname') errors.push(`${at}: conflicts with /hostname (set the hostname there); got ${q(key)}`);
    else if (key === 'kernel.domainname' && config.domainname !== undefined) errors.push(`${at}: conflicts with /domainname (set one of them); got ${q(key)}`);
    else if (!needs) errors.push(`${at}: not namespaced, so a container may not set it; got ${q(key)}`);
  }
  return errors;
}
