// The CRI configs of a pod and of a container, as the kubelet writes them
// (cgroupfs driver: the pod's cgroup parent /<node's parent>/burstable/
// pod<uid>; each container gets the pod's namespace options). Shared by
// test/e2e/cri.test.ts, bench/cri.ts and scripts/demo-k8s.ts. Under the
// systemd driver the pod's parent is a slice and each container's cgroup a
// scope in it, cri-containerd-<id>.scope.

// A container's cgroup, as a path under the hierarchy's root.
export function containerCgroup(node: CriNode, pod: PodSpec, id: string): string {
  return node.systemd ? `${pod.cgroup}/cri-containerd-${id}.scope` : `${pod.cgroup}/${id}`;
}
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CriNode } from './node';

export interface PodOptions {
  pid?: 'POD' | 'CONTAINER';
  // The node's network namespace (hostNetwork: true): no CNI plugin runs,
  // and, as the kubelet does for such pods, no hostname is sent (the pod
  // has the node's UTS namespace, where a runtime may set none).
  hostNetwork?: boolean;
  sysctls?: Record<string, string>;
  security?: Record<string, unknown>; // more of LinuxSandboxSecurityContext
}

export interface PodSpec {
  config: Record<string, any>;
  uid: string;
  cgroup: string; // the pod's cgroup, as a path under the hierarchy's root
  parent: string; // the cgroup_parent the kubelet sends (systemd: a slice name)
  logDir: string;
}

export function podConfig(node: CriNode, opts: PodOptions = {}): PodSpec {
  const uid = randomBytes(8).toString('hex');
  const logDir = path.join(node.base, 'logs', uid);
  fs.mkdirSync(logDir, { recursive: true });
  // cgroupfs: a path; systemd: a slice, whose dashes are its parents.
  const parent = node.systemd ? `${node.slicePrefix}-burstable-pod${uid}.slice` : `${node.cgroupParent}/burstable/pod${uid}`;
  const cgroup = node.systemd ? `/${node.slicePrefix}.slice/${node.slicePrefix}-burstable.slice/${parent}` : parent;
  const name = `pod-${uid.slice(0, 6)}`;
  const config = {
    metadata: { name, uid, namespace: 'runts-e2e', attempt: 0 },
    hostname: opts.hostNetwork ? '' : name,
    log_directory: logDir,
    dns_config: { servers: [], searches: [], options: [] },
    labels: { app: 'runts-e2e' },
    annotations: {},
    linux: {
      cgroup_parent: parent,
      sysctls: opts.sysctls ?? {},
      security_context: { namespace_options: { network: opts.hostNetwork ? 'NODE' : 'POD', pid: opts.pid ?? 'CONTAINER', ipc: 'POD' }, ...(opts.security ?? {}) },
    },
  };
  return { config, uid, cgroup, parent, logDir };
}

// args[0] is the command, the rest its arguments; linux is the container's
// LinuxContainerConfig (resources, security_context), extra any other field.
export function containerConfig(node: CriNode, pod: PodSpec, name: string, args: string[], linux: Record<string, any> = {}, extra: Record<string, unknown> = {}): Record<string, any> {
  const namespace_options = pod.config.linux.security_context.namespace_options;
  return {
    metadata: { name, attempt: 0 },
    image: { image: node.image },
    command: args.slice(0, 1),
    args: args.slice(1),
    log_path: `${name}.log`,
    linux: { ...linux, security_context: { namespace_options, ...(linux.security_context ?? {}) } },
    ...extra,
  };
}
