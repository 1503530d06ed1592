// `runts features`: what this runts, on this host, can do (runtime-spec
// features.md). Engines read it to decide what to ask for.
import { CAPABILITIES } from './tables';
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
      // runts applies both (docs/lsm.md). As runtime-spec defines these (and
      // runc reports them), support in runts, not whether the host has them.
      apparmor: { enabled: true },
      selinux: { enabled: true },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: {
      'org.opencontainers.runtime-spec.features': '1.3.0',
      'io.github.runts.version': '0.1.0',
    },
  };
}
