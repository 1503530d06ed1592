// The config.json that `runts spec` writes: the same defaults runc's spec
// command gives, at runtime-spec 1.3.0.
import * as fs from 'node:fs';
import type { Config } from './types';

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

// A cgroup namespace only on a cgroup v2 (unified) host, as runc's spec: on
// v1 and hybrid hosts runc leaves it out.
function unifiedHost(): boolean {
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
}

export function defaultSpec(opts: { rootless?: boolean; uid?: number; gid?: number; cgroup2?: boolean } = {}): Config {
  const config: Config = {
    ociVersion: '1.3.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPS],
        effective: [...DEFAULT_CAPS],
        permitted: [...DEFAULT_CAPS],
        ambient: [...DEFAULT_CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runts',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (!(opts.cgroup2 ?? unifiedHost())) config.linux!.namespaces = config.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
  if (opts.rootless) {
    const linux = config.linux!;
    linux.namespaces = linux.namespaces!.filter((n) => n.type !== 'network');
    linux.namespaces.push({ type: 'user' });
    linux.uidMappings = [{ containerID: 0, hostID: opts.uid ?? process.getuid?.() ?? 0, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: opts.gid ?? process.getgid?.() ?? 0, size: 1 }];
    delete linux.resources;
    // Without a network namespace of its own, a rootless container cannot mount sysfs.
    config.mounts = config.mounts!.map((m) =>
      m.destination === '/sys' ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] } : m,
    );
    config.mounts = config.mounts.map((m) =>
      m.destination === '/dev/pts' ? { ...m, options: m.options!.filter((o) => o !== 'gid=5') } : m,
    );
  }
  return config;
}
