// Kubernetes pods through containerd's CRI with runts as the RuntimeClass
// handler, driven as the kubelet drives them (a CRI client over gRPC:
// test/e2e/cri/client.ts) on a node this file starts (test/e2e/cri/node.ts:
// Debian's containerd, our own daemon, socket, dirs and namespaces; cgroupfs
// driver; CNI bridge networking in a private network namespace; local
// images). What a test believes is what the kernel says (/proc/<pid>/ns,
// status and cgroup files, the cgroup hierarchy) and what the CRI reports
// (states, reasons, logs), never runts's word about itself.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CriNode, cgroupDirsUnder, daemonMounts, hostAppArmor, inNodeNet, nodeProblem, pidsUnder, pidsWith, startNode, stopNode, SUBNET, waitFor } from './cri/node';
import { cgroupMountpoints, procStatus } from './lib';
import { containerCgroup, containerConfig, podConfig, PodOptions, PodSpec } from './cri/pod';

// The driver a host of this kind runs the kubelet with: systemd where
// systemd is PID 1 (the stock-host VM), cgroupfs otherwise (this machine).
const SYSTEMD = fs.existsSync('/run/systemd/system');
const DRIVER = SYSTEMD ? 'systemd cgroup driver' : 'cgroupfs driver';
const problem = nodeProblem();
let node: CriNode | undefined;
let nodeError: Error | undefined;

async function getNode(): Promise<CriNode> {
  if (nodeError) throw nodeError;
  if (!node) {
    try {
      node = await startNode({ systemd: SYSTEMD });
    } catch (e) {
      nodeError = e as Error;
      throw e;
    }
  }
  return node;
}
t.teardown(() => {
  if (node) stopNode(node);
});

const rt = () => node!.cri.runtime;
const cg = (pod: Pod, id: string) => containerCgroup(node!, pod, id);
const ns = (pid: number, kind: string) => fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
const v1 = (controller: string) => cgroupMountpoints().find((m) => path.basename(m).split(',').includes(controller));
const v2 = () => cgroupMountpoints().find((m) => m === '/sys/fs/cgroup' || m.endsWith('/unified'));
const cgFile = (rel: string, v1Controller: string, v1File: string, v2File: string) => {
  const dir = v1(v1Controller) ? path.join(v1(v1Controller)!, rel, v1File) : path.join(v2()!, rel, v2File);
  return fs.readFileSync(dir, 'utf8').trim();
};
// A container's memory limit, CPU shares and CFS quota as the kernel has
// them: the v1 files here; the v2 files (cpu.weight converted back from the
// shares as runc converts them) on a host without v1 controllers.
const limits = (rel: string) => {
  if (v1('memory')) {
    return { memory: cgFile(rel, 'memory', 'memory.limit_in_bytes', ''), shares: cgFile(rel, 'cpu', 'cpu.shares', ''), quota: cgFile(rel, 'cpu', 'cpu.cfs_quota_us', '') };
  }
  const weight = Number(cgFile(rel, '', '', 'cpu.weight'));
  return { memory: cgFile(rel, '', '', 'memory.max'), shares: `weight ${weight}`, quota: cgFile(rel, '', '', 'cpu.max').split(' ')[0] };
};
const sharesAs = (shares: number) => (v1('memory') ? String(shares) : `weight ${1 + Math.floor(((shares - 2) * 9999) / 262142)}`);

interface Pod extends PodSpec {
  id: string;
}

// RunPodSandbox as the kubelet sends it; stopped and removed at t's end.
async function runPod(t: Test, opts: PodOptions & { handler?: string } = {}): Promise<Pod> {
  const spec = podConfig(await getNode(), opts);
  const { pod_sandbox_id: id } = await rt().RunPodSandbox({ config: spec.config, runtime_handler: opts.handler ?? 'runts' }, 120000);
  t.teardown(async () => {
    await rt().StopPodSandbox({ pod_sandbox_id: id }).catch(() => undefined);
    await rt().RemovePodSandbox({ pod_sandbox_id: id }).catch(() => undefined);
  });
  return { ...spec, id };
}

async function sandboxPid(pod: Pod): Promise<number> {
  const st = await rt().PodSandboxStatus({ pod_sandbox_id: pod.id, verbose: true });
  return JSON.parse(st.info.info).pid;
}

// CreateContainer and StartContainer in a pod; its pid (the CRI's verbose
// status), which the tests then look at in /proc.
async function runContainer(pod: Pod, name: string, args: string[], linux: Record<string, any> = {}, extra: Record<string, any> = {}): Promise<{ id: string; pid: number; logPath: string }> {
  const config = containerConfig(node!, pod, name, args, linux, extra);
  const { container_id: id } = await rt().CreateContainer({ pod_sandbox_id: pod.id, config, sandbox_config: pod.config }, 120000);
  await rt().StartContainer({ container_id: id }, 120000);
  const st = await rt().ContainerStatus({ container_id: id, verbose: true });
  return { id, pid: JSON.parse(st.info.info).pid, logPath: path.join(pod.logDir, `${name}.log`) };
}

async function status(id: string): Promise<Record<string, any>> {
  return (await rt().ContainerStatus({ container_id: id })).status;
}

// Nothing of a pod is left: no process in its cgroup, no cgroup directory,
// no runts state, no mount in the node's mount namespace naming it.
async function assertPodGone(t: Test, pod: Pod, ids: string[]): Promise<void> {
  t.ok(await waitFor(() => pidsWith(['containerd-shim', pod.id]).length === 0, 10000, 100), 'the pod\'s shim is gone');
  t.same(pidsUnder(pod.cgroup), [], 'no process left in the pod\'s cgroups');
  t.same(cgroupDirsUnder(pod.cgroup), [], 'no cgroup directory of the pod left');
  for (const id of [pod.id, ...ids]) {
    t.notOk(fs.existsSync(path.join(node!.roots.runts, id)), `no runts state left for ${id.slice(0, 12)}`);
    if (SYSTEMD) t.not(spawnSync('systemctl', ['is-active', '--quiet', `cri-containerd-${id}.scope`]).status, 0, `no active scope left for ${id.slice(0, 12)}`);
    t.same(daemonMounts(node!, id), [], `no mount left naming ${id.slice(0, 12)}`);
  }
}

const skip = problem ? { skip: problem } : {};

t.test(`a pod with runtime handler runts (${DRIVER}): two containers share its network, IPC and UTS namespaces; status, ExecSync, logs, update, stop, remove; nothing left`, skip, async (t) => {
  const pod = await runPod(t, { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } });
  const n = node!;
  const sb = await rt().PodSandboxStatus({ pod_sandbox_id: pod.id });
  t.equal(sb.status.state, 'SANDBOX_READY', 'the sandbox is ready');
  t.equal(sb.status.runtime_handler, 'runts', 'with runtime handler runts');
  t.ok(fs.existsSync(path.join(n.roots.runts, pod.id)), 'runts holds the sandbox container (its state under the handler\'s root)');
  t.match(sb.status.network.ip, new RegExp(`^${SUBNET.replace(/\./g, '\\.')}\\.\\d+$`), 'the pod has its own address from the bridge network');
  const spid = await sandboxPid(pod);
  t.ok(procStatus(spid), 'the sandbox process runs');
  const addr = spawnSync('nsenter', ['-t', String(spid), '-n', 'ip', '-4', '-o', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).stdout;
  t.match(addr, new RegExp(` inet ${sb.status.network.ip.replace(/\./g, '\\.')}/24 `), 'the kernel has that address on eth0 in the pod\'s network namespace');

  const web = await runContainer(pod, 'web', ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && echo web-started && echo web-stderr >&2 && exec httpd -f -p 8080 -h /www']);
  const cli = await runContainer(pod, 'cli', ['sleep', '100000']);
  for (const kind of ['net', 'ipc', 'uts']) {
    t.equal(ns(web.pid, kind), ns(spid, kind), `web is in the pod's ${kind} namespace`);
    t.equal(ns(cli.pid, kind), ns(spid, kind), `cli is in the pod's ${kind} namespace`);
    t.not(ns(web.pid, kind), ns(process.pid, kind), `which is not the host's (${kind})`);
  }
  t.not(ns(web.pid, 'pid'), ns(cli.pid, 'pid'), 'each container has its own PID namespace (the pod does not share it)');
  t.not(ns(web.pid, 'pid'), ns(spid, 'pid'), '(nor the sandbox\'s)');
  t.not(ns(web.pid, 'mnt'), ns(cli.pid, 'mnt'), 'and its own mount namespace');
  t.ok(fs.readFileSync(`/proc/${web.pid}/cgroup`, 'utf8').split('\n').some((l) => /^\d+:(memory|):/.test(l) && l.endsWith(`:${cg(pod, web.id)}`)), 'web is in its cgroup under the pod\'s parent', { want: cg(pod, web.id) });

  const st = await status(web.id);
  t.equal(st.state, 'CONTAINER_RUNNING', 'ContainerStatus: running');
  t.ok(st.started_at > 0, 'with a start time');

  // ExecSync, as a probe: the other container reaches web on localhost.
  const probe = await rt().ExecSync({ container_id: cli.id, cmd: ['wget', '-qO-', 'http://127.0.0.1:8080/'], timeout: 10 });
  t.equal(probe.exit_code, 0, 'ExecSync exit code 0', { stderr: probe.stderr.toString() });
  t.equal(probe.stdout.toString().trim(), 'hello-from-web', 'cli reaches web on localhost through the pod\'s network namespace');
  const sys = await rt().ExecSync({ container_id: cli.id, cmd: ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start; hostname; exit 3'], timeout: 10 });
  t.equal(sys.exit_code, 3, 'ExecSync reports the exit code');
  t.same(sys.stdout.toString().trim().split('\n'), ['0', pod.config.hostname], 'the pod\'s sysctl (its network namespace joined by path) and hostname');
  // A probe past its timeout: the process runs in the container's cgroup,
  // ExecSync fails as timed out, and the process is killed.
  const sleeps = () => pidsUnder(cg(pod, cli.id)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x0060\x00';
    } catch {
      return false;
    }
  });
  const pending = rt().ExecSync({ container_id: cli.id, cmd: ['sleep', '60'], timeout: 3 }).then((r) => ({ ok: r }), (e: Error) => ({ err: e }));
  t.ok(await waitFor(() => sleeps().length === 1, 20000, 50), 'the exec\'d process runs in the container\'s cgroup');
  const slow = await pending;
  t.ok('err' in slow && /timeout|deadline/i.test(slow.err.message), 'ExecSync past its timeout fails as timed out', { got: slow });
  t.ok(await waitFor(() => sleeps().length === 0, 20000, 200), 'the timed-out process is gone');

  // The log, from the CRI log path: CRI lines "<time> stdout|stderr F <text>".
  t.ok(await waitFor(() => fs.existsSync(web.logPath) && fs.readFileSync(web.logPath, 'utf8').includes('web-stderr')), 'the log file at the CRI log path');
  // (stdout and stderr are two pipes: their lines may come in either order)
  const lines = fs.readFileSync(web.logPath, 'utf8').trim().split('\n').map((l) => l.replace(/^\S+ /, '')).sort();
  t.same(lines, ['stderr F web-stderr', 'stdout F web-started'], 'stdout and stderr lines in the CRI format (time, stream, F, text)');

  // UpdateContainerResources: the shim runs `runts update --resources - ID`.
  const rel = cg(pod, cli.id);
  await rt().UpdateContainerResources({ container_id: cli.id, linux: { memory_limit_in_bytes: 96 * 1024 * 1024, cpu_shares: 384, cpu_quota: 30000, cpu_period: 100000 } });
  t.same(limits(rel), { memory: String(96 * 1024 * 1024), shares: sharesAs(384), quota: '30000' }, 'memory limit, cpu shares and quota updated in the cgroup files');
  if (SYSTEMD) {
    const show = spawnSync('systemctl', ['show', '-p', 'MemoryMax', `cri-containerd-${cli.id}.scope`], { encoding: 'utf8' }).stdout.trim();
    t.equal(show, `MemoryMax=${96 * 1024 * 1024}`, 'systemd has the new limit on the container\'s scope');
  }

  // Stop and remove.
  await rt().StopContainer({ container_id: web.id, timeout: 5 });
  const stopped = await status(web.id);
  t.equal(stopped.state, 'CONTAINER_EXITED', 'StopContainer: exited');
  t.notOk(procStatus(web.pid), 'its process is gone');
  await rt().RemoveContainer({ container_id: web.id });
  t.notOk(fs.existsSync(path.join(n.roots.runts, web.id)), 'RemoveContainer: no runts state left');
  await rt().StopPodSandbox({ pod_sandbox_id: pod.id });
  t.notOk(procStatus(cli.pid), 'StopPodSandbox stops the pod\'s containers');
  t.notOk(procStatus(spid), 'and the sandbox');
  await rt().RemovePodSandbox({ pod_sandbox_id: pod.id });
  await assertPodGone(t, pod, [web.id, cli.id]);
});

t.test('a pod that shares its PID namespace; a container over its memory limit is reported OOMKilled', skip, async (t) => {
  const pod = await runPod(t, { pid: 'POD' });
  const spid = await sandboxPid(pod);
  const a = await runContainer(pod, 'a', ['sleep', '100000']);
  t.equal(ns(a.pid, 'pid'), ns(spid, 'pid'), 'the container is in the pod\'s PID namespace');
  const one = await rt().ExecSync({ container_id: a.id, cmd: ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'], timeout: 10 });
  t.equal(one.stdout.toString().trim(), 'sleep 1000000000', 'inside, PID 1 is the sandbox\'s process');

  const limit = 32 * 1024 * 1024;
  // It waits for /tmp/go (made through ExecSync once the limit is read), then eats memory.
  const hog = await runContainer(pod, 'hog', ['sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.1; done; x=0123456789abcdef; while :; do x=$x$x; done'], { resources: { memory_limit_in_bytes: limit, memory_swap_limit_in_bytes: limit } });
  t.equal(limits(cg(pod, hog.id)).memory, String(limit), 'the limit is in the cgroup file');
  await rt().ExecSync({ container_id: hog.id, cmd: ['touch', '/tmp/go'], timeout: 10 });
  t.ok(await waitFor(() => !procStatus(hog.pid), 30000, 100), 'the hog is killed');
  let st: Record<string, any> = {};
  t.ok(await waitFor(() => {
    void status(hog.id).then((s) => (st = s));
    return st.state === 'CONTAINER_EXITED';
  }, 20000, 200), 'ContainerStatus: exited');
  t.equal(st.reason, 'OOMKilled', 'reason OOMKilled');
  t.equal(st.exit_code, 137, 'exit code 137 (SIGKILL)');

  await rt().RemoveContainer({ container_id: hog.id });
  await rt().StopPodSandbox({ pod_sandbox_id: pod.id });
  await rt().RemovePodSandbox({ pod_sandbox_id: pod.id });
  await assertPodGone(t, pod, [a.id, hog.id]);
});

const CAP = { CHOWN: 0, NET_ADMIN: 12, SYS_ADMIN: 21, NET_RAW: 13 };
const capSet = (pid: number, field: string) => BigInt(`0x${procStatus(pid)![field]}`);
const hasBit = (set: bigint, bit: number) => ((set >> BigInt(bit)) & 1n) === 1n;

t.test('security contexts as the kubelet sends them: runAsUser/Group, readOnlyRootFilesystem, capabilities, seccomp RuntimeDefault, no_new_privs, resource limits', skip, async (t) => {
  const pod = await runPod(t);
  const c = await runContainer(pod, 'sec', ['sleep', '100000'], {
    security_context: {
      run_as_user: { value: 1234 },
      run_as_group: { value: 2345 },
      supplemental_groups: [3456],
      readonly_rootfs: true,
      capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['CHOWN'] },
      seccomp: { profile_type: 'RuntimeDefault' },
      no_new_privs: true,
    },
    resources: { memory_limit_in_bytes: 64 * 1024 * 1024, cpu_shares: 256, cpu_quota: 50000, cpu_period: 100000 },
  });
  const s = procStatus(c.pid)!;
  t.match(s.Uid, /^1234\s+1234\s+1234\s+1234$/, 'runs as user 1234 (the kernel\'s Uid)');
  t.match(s.Gid, /^2345\s+2345\s+2345\s+2345$/, 'and group 2345');
  t.match(s.Groups, /\b3456\b/, 'with the supplemental group');
  t.equal(s.Seccomp, '2', 'under a seccomp filter (RuntimeDefault)');
  t.equal(s.NoNewPrivs, '1', 'no_new_privs set');
  const bnd = capSet(c.pid, 'CapBnd');
  t.ok(hasBit(bnd, CAP.NET_ADMIN), 'NET_ADMIN added to the bounding set');
  t.notOk(hasBit(bnd, CAP.CHOWN), 'CHOWN dropped');
  t.notOk(hasBit(bnd, CAP.SYS_ADMIN), 'SYS_ADMIN not granted');
  t.equal(capSet(c.pid, 'CapEff'), 0n, 'a non-root user has no effective capabilities');
  const rel = cg(pod, c.id);
  t.same(limits(rel), { memory: String(64 * 1024 * 1024), shares: sharesAs(256), quota: '50000' }, 'memory limit, cpu shares and quota in the cgroup files');
  const inside = await rt().ExecSync({ container_id: c.id, cmd: ['sh', '-c', 'id -u; id -g; touch /x 2>/dev/null && echo wrote-root || echo ro-root; touch /tmp/x 2>/dev/null && echo wrote-tmp || echo ro-tmp'], timeout: 10 });
  t.same(inside.stdout.toString().trim().split('\n'), ['1234', '2345', 'ro-root', 'ro-tmp'], 'inside: the ids, and a read-only root');
  const mnt = fs.readFileSync(`/proc/${c.pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
  t.match(mnt?.split(' ')[5], /^ro\b/, 'the kernel has / mounted read-only');

  // A privileged container (the pod must be privileged too).
  const ppod = await runPod(t, { security: { privileged: true } });
  const p = await runContainer(ppod, 'priv', ['sleep', '100000'], { security_context: { privileged: true } });
  const ps = procStatus(p.pid)!;
  t.equal(ps.Seccomp, '0', 'privileged: no seccomp filter');
  if (hostAppArmor()) t.equal(attrCurrent(p.pid), 'unconfined', 'privileged: no AppArmor profile');
  t.ok(hasBit(capSet(p.pid, 'CapEff'), CAP.SYS_ADMIN), 'privileged: SYS_ADMIN effective');
  t.equal(capSet(p.pid, 'CapBnd'), capSet(process.pid, 'CapBnd'), 'privileged: the bounding set is the host\'s');
  const priv = await rt().ExecSync({ container_id: p.id, cmd: ['sh', '-c', 'ls /dev; grep " /sys " /proc/self/mountinfo'], timeout: 10 });
  const out = priv.stdout.toString().trim().split('\n');
  // (containerd leaves out /dev/console: a container has one only with a terminal)
  const hostDevs = fs.readdirSync('/dev').filter((d) => {
    if (d === 'console') return false;
    const st = fs.lstatSync(`/dev/${d}`);
    return st.isCharacterDevice() || st.isBlockDevice();
  });
  t.same(hostDevs.filter((d) => !out.includes(d)), [], 'privileged: every device node of the host\'s /dev is there');
  t.match(out.find((l) => l.includes(' /sys ')), / \/sys rw,/, 'privileged: /sys read-write');

  for (const x of [pod, ppod]) {
    await rt().StopPodSandbox({ pod_sandbox_id: x.id });
    await rt().RemovePodSandbox({ pod_sandbox_id: x.id });
  }
  await assertPodGone(t, pod, [c.id]);
  await assertPodGone(t, ppod, [p.id]);
});

// AppArmor, where the host has it (the stock-host VM): the CRI loads its
// default profile itself and names it in the containers' config; runts
// puts the process under it. What the kernel says: /proc/<pid>/attr/current.
const attrCurrent = (pid: number) => fs.readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/\0/g, '').trim();
const CRI_PROFILE = 'cri-containerd.apparmor.d';
const SYS_ADMIN = { capabilities: { add_capabilities: ['SYS_ADMIN'], drop_capabilities: [] } };
const MOUNT = ['sh', '-c', 'mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo refused'];

t.test('AppArmor: the CRI\'s default profile (none asked, runtime/default) confines the container and its ExecSync; unconfined does not', problem ? skip : { skip: hostAppArmor() ? false : 'the host has no AppArmor (no LSM)' }, async (t) => {
  const pod = await runPod(t);
  const none = await runContainer(pod, 'aa-none', ['sleep', '100000'], { security_context: SYS_ADMIN });
  t.equal(attrCurrent(none.pid), `${CRI_PROFILE} (enforce)`, 'no profile asked: the CRI\'s default profile, enforced (attr/current)');
  t.match(fs.readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8'), `${CRI_PROFILE} (enforce)`, 'loaded in the kernel by containerd');
  const rd = await runContainer(pod, 'aa-default', ['sleep', '100000'], { security_context: { apparmor_profile: 'runtime/default', apparmor: { profile_type: 'RuntimeDefault' } } });
  t.equal(attrCurrent(rd.pid), `${CRI_PROFILE} (enforce)`, 'runtime/default: the same profile');
  const un = await runContainer(pod, 'aa-unconfined', ['sleep', '100000'], { security_context: { ...SYS_ADMIN, apparmor_profile: 'unconfined', apparmor: { profile_type: 'Unconfined' } } });
  t.equal(attrCurrent(un.pid), 'unconfined', 'unconfined: no profile');
  const ex = await rt().ExecSync({ container_id: none.id, cmd: ['cat', '/proc/self/attr/current'], timeout: 10 });
  t.equal(ex.stdout.toString().replace(/\0/g, '').trim(), `${CRI_PROFILE} (enforce)`, 'an ExecSync process runs under it too');
  // The profile denies mount, whatever the capabilities.
  const denied = await rt().ExecSync({ container_id: none.id, cmd: MOUNT, timeout: 10 });
  t.equal(denied.stdout.toString().trim(), 'refused', 'with CAP_SYS_ADMIN, mount is denied under the profile');
  const allowed = await rt().ExecSync({ container_id: un.id, cmd: MOUNT, timeout: 10 });
  t.equal(allowed.stdout.toString().trim(), 'mounted', 'and allowed unconfined');
  await rt().StopPodSandbox({ pod_sandbox_id: pod.id });
  await rt().RemovePodSandbox({ pod_sandbox_id: pod.id });
  await assertPodGone(t, pod, [none.id, rd.id, un.id]);
});

const STREAM_EXEC = path.join(__dirname, 'cri', 'stream-exec.mjs');

t.test('an interactive exec with a terminal through the CRI streaming server (WebSocket, channel protocol v4)', skip, async (t) => {
  const pod = await runPod(t);
  const c = await runContainer(pod, 'shell', ['sleep', '100000']);
  const { url } = await rt().Exec({ container_id: c.id, cmd: ['sh'], tty: true, stdin: true, stdout: true, stderr: false });
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//, 'Exec returns the streaming server\'s URL');
  // The server listens in the node's network namespace: the client runs there.
  const r = inNodeNet(node!, [process.execPath, '--experimental-websocket', STREAM_EXEC, url, 'tty; stty size; echo $((6*7)); exit 5\n', '77', '33']);
  t.equal(r.status, 0, 'the client ran', { stderr: r.stderr });
  const got = JSON.parse(r.stdout || '{}');
  t.equal(got.protocol, 'v4.channel.k8s.io', 'the server speaks the v4 channel protocol');
  const lines = String(got.stdout).split(/\r?\n/).map((l: string) => l.trim());
  t.ok(lines.some((l: string) => /^\/dev\/pts\/\d+$/.test(l)), 'the process has a terminal (tty)', { stdout: got.stdout });
  t.ok(lines.includes('33 77'), 'of the size the client sent (stty size)', { stdout: got.stdout });
  t.ok(lines.includes('42'), 'it ran what was typed', { stdout: got.stdout });
  const status = JSON.parse(got.status || '{}');
  t.equal(status.reason, 'NonZeroExitCode', 'the final status reports the exit', { status: got.status });
  t.same(status.details?.causes, [{ reason: 'ExitCode', message: '5' }], 'with its code');
  await rt().StopPodSandbox({ pod_sandbox_id: pod.id });
  await rt().RemovePodSandbox({ pod_sandbox_id: pod.id });
  await assertPodGone(t, pod, [c.id]);
});
