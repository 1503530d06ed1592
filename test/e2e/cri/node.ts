// A Kubernetes node's runtime side, made for test/e2e/cri.test.ts (and the
// CRI bench): Debian's containerd with its built-in CRI plugin, our own
// daemon with its own config, root, state and socket in a temp dir, runts
// registered as the runtime handler "runts" (the runc v2 shim, BinaryName
// the built bin/runts) beside runc as "runc", the cgroupfs driver, and the
// CNI plugins of containernetworking-plugins (loopback, and bridge with
// host-local addresses in 10.250.77.0/24).
//
// Isolation: the daemon runs in a mount namespace of its own with a tmpfs
// on /run (the shims' sockets go to /run/containerd/s, the pods' network
// namespaces to /run/netns, whatever the config says) and on /var/lib/cni
// (the CNI result cache), and in a network namespace of its own with only
// lo up: the bridge and the pods' veths live there, so no traffic can leave
// the machine, and the CRI's streaming server listens on that namespace's
// 127.0.0.1 (hence streamingClient). Images are local: the busybox rootfs as
// an OCI image tarball, imported with `ctr images import`; no registry is
// reached. The pods' cgroups are under a random /runts-cri-<hex> parent.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupMountpoints, MAKE_ROOTFS, makeOciTar, RUNTS, waitFor } from '../host';
import { criClient, CriClient } from './client';

export const CNI_BIN = '/usr/lib/cni';
export const SUBNET = '10.250.77';

export interface CriNode {
  base: string;
  sock: string;
  daemon: ChildProcess;
  cri: CriClient;
  image: string; // the busybox image, also the pods' sandbox image (it sleeps)
  systemd: boolean; // the systemd cgroup driver (SystemdCgroup = true), or cgroupfs
  cgroupParent: string; // the cgroup under which pods put theirs (systemd: a slice's path)
  slicePrefix: string; // systemd: the slice name pods' slices start with
  roots: Record<string, string>; // runtime handler -> the --root its shim gives the runtime
  log: string;
  // How long bringing the node up took, step by step (ms): the daemon
  // serving, the image made, the image imported.
  took: Record<string, number>;
}

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// Why this host cannot run the node, or undefined.
export function nodeProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'unshare', 'setpriv', 'ip', 'nsenter'].filter((c) => !which(c));
  if (!fs.existsSync(path.join(CNI_BIN, 'bridge')) || !fs.existsSync(path.join(CNI_BIN, 'host-local')) || !fs.existsSync(path.join(CNI_BIN, 'loopback'))) missing.push('containernetworking-plugins');
  if (!fs.existsSync(RUNTS)) missing.push('bin/runts (make build)');
  if (missing.length) return `missing ${missing.join(', ')} (scripts/test-deps.sh)`;
  // The CNI bridge plugin needs the kernel's bridge (the stock-host VM's
  // kernel cannot load the module): tried in a throwaway network namespace.
  const br = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'runts-probe', 'type', 'bridge'], { encoding: 'utf8' });
  if (br.status !== 0) return `the kernel cannot make a bridge for the CNI bridge plugin: ${br.stderr.trim()}`;
  return undefined;
}

function configToml(base: string, runc: string, systemd: boolean, binaries: Record<string, string> = {}): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const runtime = (name: string, binary: string) => [
    `[${cri}.containerd.runtimes.${name}]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.${name}.options]`,
    `  BinaryName = "${binary}"`,
    `  Root = "${path.join(base, `${name}-root`)}"`,
    `  SystemdCgroup = ${systemd}`,
  ];
  return [
    'version = 2',
    `root = "${path.join(base, 'root')}"`,
    `state = "${path.join(base, 'state')}"`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",',
    '  "io.containerd.snapshotter.v1.zfs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]',
    '[grpc]',
    `  address = "${path.join(base, 'containerd.sock')}"`,
    '[ttrpc]',
    `  address = "${path.join(base, 'containerd.sock.ttrpc')}"`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${path.join(base, 'opt')}"`,
    `[${cri}]`,
    `  sandbox_image = "${IMAGE}"`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    '  max_container_log_line_size = 16384',
    // Without CAP_SYS_RESOURCE (a host that is itself a container) nothing
    // may lower an oom_score_adj, and the kubelet's -998 for a sandbox would
    // fail under runc as under runts: the CRI then clamps it.
    `  restrict_oom_score_adj = ${!hasCap(CAP_SYS_RESOURCE)}`,
    // Where the host has AppArmor (the stock-host VM) the CRI loads its
    // default profile, cri-containerd.apparmor.d, and gives it to every
    // container that asks for none or runtime/default, as on a real node.
    `  disable_apparmor = ${!hostAppArmor()}`,
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    ...runtime('runts', binaries.runts ?? RUNTS),
    ...runtime('runc', binaries.runc ?? runc),
    `[${cri}.cni]`,
    `  bin_dir = "${CNI_BIN}"`,
    `  conf_dir = "${path.join(base, 'net.d')}"`,
    '',
  ].join('\n');
}

export const IMAGE = 'localhost/runts-cri-busybox:1';

// AppArmor as containerd's CRI tells it (pkg/apparmor: securityfs has it
// and the module is enabled): then the CRI confines containers.
export function hostAppArmor(): boolean {
  try {
    return fs.existsSync('/sys/kernel/security/apparmor') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

const CAP_SYS_RESOURCE = 24n;
function hasCap(bit: bigint): boolean {
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return eff !== undefined && ((BigInt(`0x${eff}`) >> bit) & 1n) === 1n;
}

// systemd: the systemd cgroup driver, for a host whose PID 1 is systemd (the
// stock-host VM); there /run stays the host's (the system bus, systemd's
// own directory), the VM being the test's alone. binaries: another
// BinaryName for a handler (trace.ts: a wrapper that times each call).
// applets: an image with only these busybox applets (made here, without a
// process per applet: under emulation make-rootfs.sh's few hundred `ln`
// are most of the image's time), else make-rootfs.sh's whole busybox.
export async function startNode(opts: { systemd?: boolean; binaries?: Record<string, string>; applets?: string[] } = {}): Promise<CriNode> {
  const t0 = Date.now();
  const took: Record<string, number> = {};
  const systemd = !!opts.systemd;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-cri-'));
  fs.chmodSync(base, 0o755);
  for (const d of ['root', 'state', 'opt', 'net.d', 'cni-ipam', 'logs']) fs.mkdirSync(path.join(base, d));
  const runc = which('runc') ?? '/usr/sbin/runc';
  fs.writeFileSync(path.join(base, 'config.toml'), configToml(base, runc, systemd, opts.binaries));
  fs.writeFileSync(
    path.join(base, 'net.d', '10-runts-e2e.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'runts-e2e',
      plugins: [{ type: 'bridge', bridge: 'cni-runts0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: `${SUBNET}.0/24` }]], dataDir: path.join(base, 'cni-ipam') } }],
    }),
  );
  const sock = path.join(base, 'containerd.sock');
  const log = path.join(base, 'containerd.log');
  const out = fs.openSync(log, 'w');
  // unshare execs sh, which execs setpriv, which execs containerd: the
  // child's pid is the daemon's, killed if this process dies first.
  const daemon = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--net', 'sh', '-c',
      `ip link set lo up && ${systemd ? '' : 'mount -t tmpfs -o mode=0755 runts-cri /run && '}mkdir -p /var/lib/cni && mount -t tmpfs -o mode=0755 runts-cri /var/lib/cni && exec setpriv --pdeathsig KILL containerd --config "$0"`,
      path.join(base, 'config.toml')],
    { stdio: ['ignore', out, out] },
  );
  daemon.unref();
  fs.closeSync(out);
  const node: CriNode = {
    base, sock, daemon, log,
    cri: criClient(sock),
    image: IMAGE,
    systemd,
    ...(() => {
      const hex = randomBytes(4).toString('hex');
      const slicePrefix = `runtscri${hex}`;
      return { slicePrefix, cgroupParent: systemd ? `/${slicePrefix}.slice` : `/runts-cri-${hex}` };
    })(),
    roots: { runts: path.join(base, 'runts-root', 'k8s.io'), runc: path.join(base, 'runc-root', 'k8s.io') },
    took,
  };
  const tail = () => fs.readFileSync(log, 'utf8').split('\n').slice(-8).join('\n');
  let ready: Record<string, any> | undefined;
  const up = await waitFor(() => fs.existsSync(sock), 20000, 100);
  for (let i = 0; up && i < 100 && !ready; i++) {
    try {
      const st = await node.cri.runtime.Status({}, 2000);
      if (st.status.conditions.every((c: any) => c.status)) ready = st;
    } catch {
      /* not serving yet */
    }
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) {
    stopNode(node);
    throw new Error(`containerd's CRI did not come up ready:\n${tail()}`);
  }
  took.daemon = Date.now() - t0;
  const tar = path.join(base, 'image.tar');
  const rootfs = path.join(base, 'image-rootfs');
  if (opts.applets) leanRootfs(rootfs, opts.applets);
  else {
    const mk = spawnSync(MAKE_ROOTFS, [rootfs], { encoding: 'utf8' });
    if (mk.status !== 0) {
      stopNode(node);
      throw new Error(`make-rootfs.sh failed: ${mk.stderr}`);
    }
  }
  makeOciTar(rootfs, tar, IMAGE, base, ['sleep', '1000000000']);
  fs.rmSync(rootfs, { recursive: true, force: true });
  took.image = Date.now() - t0 - took.daemon;
  const imp = spawnSync('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', tar], { encoding: 'utf8', timeout: 120000 });
  fs.rmSync(tar, { force: true });
  let seen = false;
  for (let i = 0; imp.status === 0 && i < 50 && !seen; i++) {
    seen = !!(await node.cri.image.ImageStatus({ image: { image: IMAGE } })).image?.id;
    if (!seen) await new Promise((r) => setTimeout(r, 100));
  }
  if (!seen) {
    stopNode(node);
    throw new Error(`ctr images import failed (${imp.status}): ${imp.stderr}`);
  }
  took.import = Date.now() - t0 - took.daemon - took.image;
  return node;
}

// A root filesystem of busybox with only the given applets, and what a
// container expects (the directories, root in /etc/passwd and /etc/group),
// as make-rootfs.sh makes it.
function leanRootfs(dir: string, applets: string[]): void {
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var', 'usr/bin']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const a of applets) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  fs.writeFileSync(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
}

// The pids whose command line holds every word.
export function pidsWith(words: string[]): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (words.every((w) => cmd.includes(w))) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

// The pids in any v1 hierarchy's cgroups at or below rel.
export function pidsUnder(rel: string): number[] {
  const pids = new Set<number>();
  for (const mp of cgroupMountpoints()) {
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      try {
        for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(p));
      } catch {
        /* no procs file */
      }
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(path.join(mp, rel));
  }
  return [...pids];
}

// Every cgroup directory at or below rel, in any hierarchy.
export function cgroupDirsUnder(rel: string): string[] {
  const dirs: string[] = [];
  for (const mp of cgroupMountpoints()) {
    const walk = (dir: string) => {
      if (!fs.existsSync(dir)) return;
      dirs.push(dir);
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(path.join(mp, rel));
  }
  return dirs;
}

// Everything the node made goes: what runs in its pods' cgroups, its shims,
// the daemon (its mount and network namespaces with it), the cgroups, the
// state left by a runtime, the temp dir.
export function stopNode(node: CriNode): void {
  node.cri.close();
  const kill = (pids: number[]) => {
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  kill(pidsUnder(node.cgroupParent));
  kill(pidsWith(['containerd-shim', node.sock]));
  try {
    node.daemon.kill('SIGKILL');
  } catch {
    /* gone */
  }
  for (const [handler, root] of Object.entries(node.roots)) {
    const bin = handler === 'runts' ? RUNTS : which('runc') ?? 'runc';
    for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) spawnSync(bin, ['--root', root, 'delete', '--force', id], { timeout: 10000 });
  }
  if (node.systemd) spawnSync('systemctl', ['stop', `${node.slicePrefix}.slice`], { timeout: 30000 });
  for (const dir of cgroupDirsUnder(node.cgroupParent).reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      /* busy or gone */
    }
  }
  fs.rmSync(node.base, { recursive: true, force: true });
}

// The mount lines of the daemon's mount namespace that name `word`.
export function daemonMounts(node: CriNode, word: string): string[] {
  try {
    return fs.readFileSync(`/proc/${node.daemon.pid}/mountinfo`, 'utf8').split('\n').filter((l) => l.includes(word));
  } catch {
    return [];
  }
}

// Runs `node --experimental-websocket script args` in the daemon's network
// namespace, where the CRI's streaming server listens.
export function inNodeNet(node: CriNode, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('nsenter', [`--net=/proc/${node.daemon.pid}/ns/net`, ...args], { encoding: 'utf8', input, timeout: 60000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export { waitFor };
