// The stock-host VM's share of the CRI tests: one pod's whole life through
// containerd's CRI with runts as the handler and SystemdCgroup = true, as a
// kubelet with the systemd cgroup driver runs it, with AppArmor left on (the
// CRI loads and names its default profile). What a test believes is what
// systemd (`systemctl show`, `systemctl list-units`) and the kernel
// (/proc/<pid>/cgroup and attr/current, the cgroup's files) say.
//
// Lean on purpose, the VM emulating its CPUs: an image of busybox with the
// three applets used, the pod on the node's network (no CNI plugins run:
// cri.test.ts covers the bridge), one container beside the sandbox, stopped
// and removed as the kubelet does (StopContainer, RemoveContainer, then
// StopPodSandbox, RemovePodSandbox). test/e2e/cri.test.ts covers the rest
// of a pod's life. Every runtime call the shim makes is timed (trace.ts)
// and listed at the end, with containerd's errors if a step failed.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CriNode, cgroupDirsUnder, hostAppArmor, nodeProblem, pidsUnder, pidsWith, startNode, stopNode, waitFor } from './cri/node';
import { containerCgroup, containerConfig, podConfig } from './cri/pod';
import { describeCalls, readCalls, traceWrappers } from './cri/trace';
import { RUNTS } from './host';

// Emulated CPUs on a shared machine: the file may take longer than the
// runner's default 600 s per file.
t.setTimeout(1500000);

const SYSTEMD = fs.existsSync('/run/systemd/system');
const T0 = Date.now();
const since = () => `${((Date.now() - T0) / 1000).toFixed(0)} s`;
const problem = !SYSTEMD ? 'systemd is not PID 1 here (runs in the stock-host VM: scripts/v2-host/run.sh)' : nodeProblem();

const show = (unit: string, props: string[]): Record<string, string> => {
  const out = spawnSync('systemctl', ['show', ...props.map((p) => `-p${p}`), unit], { encoding: 'utf8' }).stdout;
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
};
// Every unit systemd knows by that pattern, loaded, active or failed.
const units = (pattern: string) => spawnSync('systemctl', ['list-units', '--all', '--plain', '--no-legend', pattern], { encoding: 'utf8' }).stdout.trim();
const attrCurrent = (pid: number) => fs.readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/\0/g, '').trim();
const cgroupOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim();
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
const MiB = 1024 * 1024;

t.test('a pod under the systemd cgroup driver: its sandbox and container each a scope in the pod\'s slice, limits, ExecSync, update; StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox leave no unit, process, cgroup or state', { skip: problem }, async (t) => {
  const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-e2e-cri-trace-'));
  fs.chmodSync(traceDir, 0o755);
  let node: CriNode | undefined;
  t.teardown(() => {
    if (node) stopNode(node);
    fs.rmSync(traceDir, { recursive: true, force: true });
  });
  node = await startNode({ systemd: true, applets: ['sh', 'sleep', 'cat'], binaries: traceWrappers(traceDir, { runts: RUNTS }) });
  t.comment(`node up at ${since()} (containerd serving ${node.took.daemon} ms, image made ${node.took.image} ms, imported ${node.took.import} ms)`);
  const rt = node.cri.runtime;
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const r = await fn();
    t.comment(`${what} done at ${since()}`);
    return r;
  };
  try {
    // The node's network: no CNI plugin runs.
    const spec = podConfig(node, { hostNetwork: true });
    const { pod_sandbox_id: pod } = await step('RunPodSandbox', () => rt.RunPodSandbox({ config: spec.config, runtime_handler: 'runts' }, 600000));
    t.teardown(async () => {
      await rt.StopPodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
      await rt.RemovePodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
    });
    const spid = JSON.parse((await rt.PodSandboxStatus({ pod_sandbox_id: pod, verbose: true })).info.info).pid as number;
    const config = containerConfig(node, spec, 'app', ['sleep', '100000'], { resources: { memory_limit_in_bytes: 64 * MiB } });
    const { container_id: app } = await step('CreateContainer', () => rt.CreateContainer({ pod_sandbox_id: pod, config, sandbox_config: spec.config }, 600000));
    await step('StartContainer', () => rt.StartContainer({ container_id: app }, 600000));
    const st = await rt.ContainerStatus({ container_id: app, verbose: true });
    t.equal(st.status.state, 'CONTAINER_RUNNING', 'app is running (ContainerStatus)');
    const apid = JSON.parse(st.info.info).pid as number;

    // The scopes: the sandbox's and the container's, in the pod's slice.
    for (const [what, id, pid] of [['the sandbox', pod, spid], ['app', app, apid]] as const) {
      const unit = `cri-containerd-${id}.scope`;
      const cg = containerCgroup(node, spec, id);
      t.same(show(unit, ['ActiveState', 'Slice', 'ControlGroup']), { ActiveState: 'active', Slice: spec.parent, ControlGroup: cg }, `${what}: ${unit.slice(0, 28)}… active in ${spec.parent} (systemctl show)`);
      t.equal(cgroupOf(pid), `0::${cg}`, `${what}: its process is in that scope's cgroup (/proc/<pid>/cgroup)`);
    }
    const appDir = path.join('/sys/fs/cgroup', containerCgroup(node, spec, app));
    t.equal(show(`cri-containerd-${app}.scope`, ['MemoryMax']).MemoryMax, String(64 * MiB), 'app: systemd has its memory limit on the scope');
    t.equal(fs.readFileSync(path.join(appDir, 'memory.max'), 'utf8').trim(), String(64 * MiB), 'app: and the kernel in memory.max');
    if (hostAppArmor()) t.equal(attrCurrent(apid), 'cri-containerd.apparmor.d (enforce)', 'app: under the CRI\'s default AppArmor profile (attr/current)');

    // ExecSync (a probe) joins the container's scope and profile.
    const ex = await step('ExecSync', () => rt.ExecSync({ container_id: app, cmd: ['sh', '-c', 'cat /proc/self/cgroup; cat /proc/self/attr/current; echo'], timeout: 120 }, 600000));
    t.equal(ex.exit_code, 0, 'ExecSync: exit code 0');
    const [exCg, exAttr] = ex.stdout.toString().replace(/\0/g, '').trim().split('\n');
    t.ok(exCg === '0::/' || exCg === `0::${containerCgroup(node, spec, app)}`, 'ExecSync: the process is in the container\'s cgroup (the root of its cgroup namespace, or the scope\'s path)', { got: exCg });
    if (hostAppArmor()) t.equal(exAttr, 'cri-containerd.apparmor.d (enforce)', 'ExecSync: under the container\'s profile');

    // UpdateContainerResources: the scope's property and the file.
    await step('UpdateContainerResources', () => rt.UpdateContainerResources({ container_id: app, linux: { memory_limit_in_bytes: 96 * MiB } }, 600000));
    t.equal(show(`cri-containerd-${app}.scope`, ['MemoryMax']).MemoryMax, String(96 * MiB), 'update: systemd has the new limit');
    t.equal(fs.readFileSync(path.join(appDir, 'memory.max'), 'utf8').trim(), String(96 * MiB), 'update: and memory.max');

    // StopContainer (no grace period: SIGKILL) returns once containerd has
    // handled the exit, which deletes the task: the scope goes with it.
    await step('StopContainer', () => rt.StopContainer({ container_id: app, timeout: 0 }, 300000));
    t.equal((await rt.ContainerStatus({ container_id: app })).status.state, 'CONTAINER_EXITED', 'StopContainer: app has exited (ContainerStatus)');
    t.notOk(alive(apid), 'StopContainer: its process is gone');
    t.equal(units(`cri-containerd-${app}.scope`), '', 'StopContainer: systemd knows no unit of app\'s scope');
    t.notOk(fs.existsSync(appDir), 'StopContainer: nor its cgroup');
    t.notOk(fs.existsSync(path.join(node.roots.runts, app)), 'StopContainer: no runts state left for app');
    await step('RemoveContainer', () => rt.RemoveContainer({ container_id: app }, 600000));
    await t.rejects(rt.ContainerStatus({ container_id: app }), /not found|does not exist/i, 'RemoveContainer: the CRI knows app no more');

    await step('StopPodSandbox', () => rt.StopPodSandbox({ pod_sandbox_id: pod }, 600000));
    t.equal((await rt.PodSandboxStatus({ pod_sandbox_id: pod })).status.state, 'SANDBOX_NOTREADY', 'StopPodSandbox: the sandbox is not ready');
    t.notOk(alive(spid), 'StopPodSandbox: the sandbox\'s process is gone');
    await step('RemovePodSandbox', () => rt.RemovePodSandbox({ pod_sandbox_id: pod }, 600000));
    t.ok(await waitFor(() => pidsWith(['containerd-shim', pod]).length === 0, 60000, 200), 'the pod\'s shim is gone');
    t.equal(units('cri-containerd-*'), '', 'no cri-containerd-*.scope unit left, active or failed (systemctl list-units --all)');
    t.same(fs.existsSync(node.roots.runts) ? fs.readdirSync(node.roots.runts) : [], [], 'no runts state left under the shim\'s root');
    t.same(pidsUnder(spec.cgroup), [], 'no process left in the pod\'s slice');
    t.same(cgroupDirsUnder(spec.cgroup).filter((d) => d.endsWith('.scope')), [], 'no scope cgroup left in the pod\'s slice');
    // The pod's slice, made by systemd for the scopes, is the kubelet's to
    // stop (it made it); stopping the node stops the slices above it.
    const prefix = node.slicePrefix;
    stopNode(node);
    node = undefined;
    t.equal(units(`${prefix}*`), '', 'the node stopped: no unit of its slices left');
    t.notOk(fs.existsSync(`/sys/fs/cgroup/${prefix}.slice`), 'nor their cgroup');
  } finally {
    // What the shim ran, and how long each call took; containerd's errors.
    const calls = readCalls(traceDir);
    t.comment(`runtime calls (${calls.length}; seconds since the file started, command, container, time):\n${describeCalls(calls, T0).join('\n')}`);
    if (node && !t.passing()) {
      const errors = fs.readFileSync(node.log, 'utf8').split('\n').filter((l) => /level=(error|warning)/.test(l));
      t.comment(`containerd's errors and warnings (last 30):\n${errors.slice(-30).join('\n')}`);
    }
  }
});
