// make demo-k8s: a Kubernetes pod under runts, the way the kubelet starts
// one, on a throwaway node (test/e2e/cri/node.ts: our own containerd with
// its CRI plugin, runts as the runtime handler "runts", CNI bridge
// networking in a private network namespace, a local busybox image). It runs
// a pod with one container, shows what the CRI says and what the container
// sees, and removes everything. docs/kubernetes.md says how to do it on a
// real cluster's nodes.
import * as fs from 'node:fs';
import { startNode, stopNode } from '../test/e2e/cri/node';
import { containerConfig, podConfig } from '../test/e2e/cri/pod';

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main() {
  say('== starting a node: containerd with the CRI plugin, runts as runtime handler "runts"');
  const node = await startNode();
  try {
    const rt = node.cri.runtime;
    const v = await rt.Version({ version: 'v1' });
    say(`   ${v.runtime_name} ${v.runtime_version}, CRI ${v.runtime_api_version}`);
    const pod = podConfig(node);
    say(`== RunPodSandbox ${pod.config.metadata.name} with runtime_handler "runts"`);
    const { pod_sandbox_id: podId } = await rt.RunPodSandbox({ config: pod.config, runtime_handler: 'runts' }, 120000);
    const sb = (await rt.PodSandboxStatus({ pod_sandbox_id: podId })).status;
    say(`   ${sb.state}, handler ${sb.runtime_handler}, pod IP ${sb.network.ip}`);
    const config = containerConfig(node, pod, 'hello', ['sh', '-c', 'echo hello from a pod under runts; echo "hostname $(hostname), $(id)"; sleep 3600']);
    const { container_id: id } = await rt.CreateContainer({ pod_sandbox_id: podId, config, sandbox_config: pod.config }, 120000);
    await rt.StartContainer({ container_id: id }, 120000);
    const st = (await rt.ContainerStatus({ container_id: id })).status;
    say(`== container hello: ${st.state}`);
    const ex = await rt.ExecSync({ container_id: id, cmd: ['sh', '-c', 'ps; ip -4 -o addr show eth0'], timeout: 10 });
    say(`== ExecSync ps; ip addr (exit ${ex.exit_code}):\n${ex.stdout.toString().trimEnd().replace(/^/gm, '   ')}`);
    await new Promise((r) => setTimeout(r, 300));
    say(`== the container's log (${pod.logDir}/hello.log):\n${fs.readFileSync(`${pod.logDir}/hello.log`, 'utf8').trimEnd().replace(/^/gm, '   ')}`);
    say('== StopPodSandbox, RemovePodSandbox');
    await rt.StopPodSandbox({ pod_sandbox_id: podId });
    await rt.RemovePodSandbox({ pod_sandbox_id: podId });
  } finally {
    stopNode(node);
  }
  say('== node removed');
}

main().catch((e) => {
  process.stderr.write(`demo-k8s: ${e?.message ?? e}\n`);
  process.exit(1);
});
