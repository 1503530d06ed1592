// `runts features`: what this runts, on this host, can do (runtime-spec
// features.md). Engines read it to decide what to ask for. What is enabled
// comes from the field table (fields.ts), the same that create refuses by,
// so the two cannot disagree.
import { CAPABILITIES, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from './tables';
import { isHonoured } from './fields';
import { detectLayout } from '../cgroups/layout';

const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'lazytime', 'loud', 'mand', 'noatime',
  'nodev', 'nodiratime', 'noexec', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow',
  'private', 'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared', 'rslave', 'runbindable', 'rw', 'shared',
  'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'unbindable',
  'ratime', 'rdev', 'rdiratime', 'rexec', 'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime',
  'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rro', 'rrelatime', 'rrw', 'rstrictatime', 'rsuid', 'rsymfollow',
];

export function features(seccomp?: Record<string, unknown>): Record<string, unknown> {
  const layout = detectLayout();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...new Set(MOUNT_OPTIONS)].sort(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: {
        v1: layout.hierarchies.some((h) => h.version === 1),
        v2: layout.hierarchies.some((h) => h.version === 2),
        systemd: false,
        systemdUser: false,
        rdma: true,
      },
      seccomp: seccomp ?? { enabled: false },
      apparmor: { enabled: isHonoured('/process/apparmorProfile') },
      selinux: { enabled: isHonoured('/process/selinuxLabel') && isHonoured('/linux/mountLabel') },
      intelRdt: { enabled: isHonoured('/linux/intelRdt'), schemata: isHonoured('/linux/intelRdt/schemata'), monitoring: isHonoured('/linux/intelRdt/enableMonitoring') },
      // Every key runc 1.5 prints (docs/runc-differences.md): no mode or flag where the policy is not carried out.
      memoryPolicy: isHonoured('/linux/memoryPolicy') ? { modes: Object.keys(MEMORY_POLICY_MODES), flags: Object.keys(MEMORY_POLICY_FLAGS) } : { modes: [], flags: [] },
      mountExtensions: { idmap: { enabled: isHonoured('/mounts/*/uidMappings') } },
      netDevices: { enabled: isHonoured('/linux/netDevices') },
    },
    // runc 1.5 lists the annotations that change what it does ("bundle",
    // org.systemd.property., org.criu.config); runts acts on none.
    potentiallyUnsafeConfigAnnotations: [],
    annotations: {
      'org.opencontainers.runtime-spec.features': '1.3.0',
      'io.github.runts.version': '0.1.0',
    },
  };
}
