// The stock-host VM's share of the CRI tests (STOCK_HOST_TESTS): one pod
// through containerd's CRI with runts as the handler and SystemdCgroup =
// true, as a kubelet with the systemd cgroup driver runs it, and AppArmor
// left on (the CRI loads and names its default profile). Lean on purpose:
// the VM emulates its CPUs; test/e2e/cri.test.ts covers the rest of a pod's
// life (on this host with cgroupfs, and with systemd wherever it runs as
// PID 1). What a test believes is what systemd (`systemctl show`) and the
// kernel (/proc/<pid>/cgroup and attr/current, the cgroup's files) say.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CriNode, cgroupDirsUnder, hostAppArmor, nodeProblem, pidsUnder, pidsWith, startNode, stopNode, waitFor } from './cri/node';
import { containerCgroup, containerConfig, podConfig } from './cri/pod';

// Emulated CPUs on a shared machine: the file may take longer than the
// runner's default 600 s per file.
t.setTimeout(1500000);

const SYSTEMD = fs.existsSync('/run/systemd/system');
// Where the time goes under emulation: seconds since the file started.
const T0 = Date.now();
const mark = (t: { comment(m: string): void }, what: string) => t.comment(`${what} at ${((Date.now() - T0) / 1000).toFixed(0)} s`);
const problem = !SYSTEMD ? 'systemd is not PID 1 here (runs in the stock-host VM: scripts/v2-host/run.sh)' : nodeProblem();

const show = (unit: string, props: string[]): Record<string, string> => {
  const out = spawnSync('systemctl', ['show', ...props.map((p) => `-p${p}`), unit], { encoding: 'utf8' }).stdout;
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
};
const units = (pattern: string) => spawnSync('systemctl', ['list-units', '--all', '--plain', '--no-legend', pattern], { encoding: 'utf8' }).stdout.trim();
const attrCurrent = (pid: number) => fs.readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/\0/g, '').trim();
const cgroupOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim();
const MiB = 1024 * 1024;

t.test('a pod under the systemd cgroup driver: each container a scope in the pod\'s slice (systemctl show, the kernel\'s files), AppArmor as asked, update, nothing left', { skip: problem }, async (t) => {
  let node: CriNode | undefined = await startNode({ systemd: true });
  t.teardown(() => node && stopNode(node));
  mark(t, 'node up');
  const rt = node.cri.runtime;
  const spec = podConfig(node);
  const { pod_sandbox_id: pod } = await rt.RunPodSandbox({ config: spec.config, runtime_handler: 'runts' }, 300000);
  t.teardown(async () => {
    await rt.StopPodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
    await rt.RemovePodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
  });
  const run = async (name: string, linux: Record<string, any>) => {
    const config = containerConfig(node!, spec, name, ['sleep', '100000'], linux);
    const { container_id: id } = await rt.CreateContainer({ pod_sandbox_id: pod, config, sandbox_config: spec.config }, 300000);
    await rt.StartContainer({ container_id: id }, 300000);
    const st = await rt.ContainerStatus({ container_id: id, verbose: true });
    return { id, pid: JSON.parse(st.info.info).pid as number };
  };
  mark(t, 'RunPodSandbox');
  const sb = await rt.PodSandboxStatus({ pod_sandbox_id: pod, verbose: true });
  const spid = JSON.parse(sb.info.info).pid as number;
  const app = await run('app', { resources: { memory_limit_in_bytes: 64 * MiB } });
  mark(t, 'app running');
  const free = await run('free', { security_context: { apparmor_profile: 'unconfined', apparmor: { profile_type: 'Unconfined' } } });

  mark(t, 'free running');
  // The scopes: the sandbox's and each container's, in the pod's slice.
  for (const [what, id, pid] of [['the sandbox', pod, spid], ['app', app.id, app.pid], ['free', free.id, free.pid]] as const) {
    const unit = `cri-containerd-${id}.scope`;
    const cg = containerCgroup(node, spec, id);
    t.same(show(unit, ['ActiveState', 'Slice', 'ControlGroup']), { ActiveState: 'active', Slice: spec.parent, ControlGroup: cg }, `${what}: ${unit.slice(0, 28)}… active in ${spec.parent} (systemctl show)`);
    t.equal(cgroupOf(pid), `0::${cg}`, `${what}: its process is in that scope's cgroup (/proc/<pid>/cgroup)`);
  }
  const appDir = path.join('/sys/fs/cgroup', containerCgroup(node, spec, app.id));
  t.equal(show(`cri-containerd-${app.id}.scope`, ['MemoryMax']).MemoryMax, String(64 * MiB), 'app: systemd has its memory limit on the scope');
  t.equal(fs.readFileSync(path.join(appDir, 'memory.max'), 'utf8').trim(), String(64 * MiB), 'app: and the kernel in memory.max');

  // AppArmor: none asked is the CRI's default profile; unconfined is none.
  if (hostAppArmor()) {
    t.equal(attrCurrent(app.pid), 'cri-containerd.apparmor.d (enforce)', 'app: under the CRI\'s default AppArmor profile (attr/current)');
    t.equal(attrCurrent(free.pid), 'unconfined', 'free (unconfined asked): no profile');
  } else t.skip('AppArmor checks: the host has no AppArmor');

  // ExecSync joins the container's scope (and profile).
  const ex = await rt.ExecSync({ container_id: app.id, cmd: ['sh', '-c', 'cat /proc/self/cgroup; cat /proc/self/attr/current; echo'], timeout: 60 });
  const [exCg, exAttr] = ex.stdout.toString().replace(/\0/g, '').trim().split('\n');
  t.ok(exCg === '0::/' || exCg === `0::${containerCgroup(node, spec, app.id)}`, 'ExecSync: the process is in the container\'s cgroup (the root of its cgroup namespace, or the scope\'s path)', { got: exCg });
  if (hostAppArmor()) t.equal(exAttr, 'cri-containerd.apparmor.d (enforce)', 'ExecSync: under the container\'s profile');

  // UpdateContainerResources through the scope's properties and files.
  await rt.UpdateContainerResources({ container_id: app.id, linux: { memory_limit_in_bytes: 96 * MiB } }, 120000);
  t.equal(show(`cri-containerd-${app.id}.scope`, ['MemoryMax']).MemoryMax, String(96 * MiB), 'update: systemd has the new limit');
  t.equal(fs.readFileSync(path.join(appDir, 'memory.max'), 'utf8').trim(), String(96 * MiB), 'update: and memory.max');

  mark(t, 'updated');
  // Stop and remove: no scope, process, cgroup, state or unit left.
  await rt.StopPodSandbox({ pod_sandbox_id: pod }, 300000);
  mark(t, 'StopPodSandbox');
  await rt.RemovePodSandbox({ pod_sandbox_id: pod }, 300000);
  mark(t, 'RemovePodSandbox');
  t.ok(await waitFor(() => pidsWith(['containerd-shim', pod]).length === 0, 30000, 200), 'the pod\'s shim is gone');
  for (const id of [pod, app.id, free.id]) {
    t.equal(units(`cri-containerd-${id}.scope`), '', `no unit left for ${id.slice(0, 12)}`);
    t.notOk(fs.existsSync(path.join(node.roots.runts, id)), `no runts state left for ${id.slice(0, 12)}`);
  }
  t.same(pidsUnder(spec.cgroup), [], 'no process left in the pod\'s slice');
  t.same(cgroupDirsUnder(spec.cgroup).filter((d) => d.endsWith('.scope')), [], 'no scope cgroup left in the pod\'s slice');
  const prefix = node.slicePrefix;
  stopNode(node);
  node = undefined;
  t.equal(units(`${prefix}*`), '', 'the node stopped: no unit of its slices left');
  t.notOk(fs.existsSync(`/sys/fs/cgroup/${prefix}.slice`), 'nor their cgroup');
});
