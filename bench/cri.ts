// The Kubernetes rows: runts and runc side by side as runtime handlers of
// containerd's CRI, on the node test/e2e/cri.test.ts uses (our own containerd,
// CNI bridge in a private network namespace, local image; test/e2e/cri/node.ts).
//
//   make bench-cri            (node with tap's TypeScript loader: bench/cri.ts)
//   ... bench/cri.ts [--iterations N] [--json out.json] [--trace]
//
// --trace: each handler's BinaryName is a wrapper that times every call the
// shim makes (a shell in front: about a millisecond more for both), and the
// report adds, per handler, the median time of each command (create, start,
// exec, ...) and how many of each one pod start or one ExecSync makes.
//
// pod start  RunPodSandbox, then CreateContainer and StartContainer of one
//            container: the time until StartContainer returns (it runs), as
//            the kubelet would see a pod come up;
// ExecSync   one `true` through ExecSync in a running container, as an exec
//            probe every few seconds.
// The two handlers alternate sample by sample, so that a slower minute of
// the machine weighs on both. Medians in milliseconds, and runts / runc as a
// ratio (below 1: runts is faster). Measurements, never assertions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { CriNode, startNode, stopNode, which } from '../test/e2e/cri/node';
import { readCalls, traceWrappers } from '../test/e2e/cri/trace';
import { RUNTS } from '../test/e2e/host';
import { containerConfig, podConfig } from '../test/e2e/cri/pod';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const N = Number(opt('iterations', '15'));
const JSON_OUT = opt('json', path.join(__dirname, 'results', 'cri-latest.json'));
const HANDLERS = ['runts', 'runc'];
const TRACE = args.includes('--trace');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;

// One pod with one running container; its start time; its ids.
async function podStart(node: CriNode, handler: string): Promise<{ ms: number; pod: string; ctr: string }> {
  const rt = node.cri.runtime;
  const spec = podConfig(node);
  const t0 = now();
  const { pod_sandbox_id: pod } = await rt.RunPodSandbox({ config: spec.config, runtime_handler: handler }, 120000);
  const container = containerConfig(node, spec, 'c', ['sleep', '100000']);
  const { container_id: ctr } = await rt.CreateContainer({ pod_sandbox_id: pod, config: container, sandbox_config: spec.config }, 120000);
  await rt.StartContainer({ container_id: ctr }, 120000);
  return { ms: now() - t0, pod, ctr };
}

async function removePod(node: CriNode, pod: string): Promise<void> {
  await node.cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  await node.cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
}

async function main() {
  process.stderr.write(`bench-cri: starting the node (${N} samples per row)\n`);
  const traceDir = TRACE ? fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bench-cri-trace-')) : undefined;
  if (traceDir) fs.chmodSync(traceDir, 0o755);
  const node = await startNode({ binaries: traceDir ? traceWrappers(traceDir, { runts: RUNTS, runc: which('runc') ?? '/usr/sbin/runc' }) : undefined });
  // The windows (start, end) of the measured operations, for --trace.
  const windows: { row: string; handler: string; t0: number; t1: number }[] = [];
  const stop = () => stopNode(node);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      stop();
      process.exit(130);
    });
  }
  const samples: Record<string, Record<string, number[]>> = { 'pod start': {}, ExecSync: {} };
  try {
    for (const h of HANDLERS) for (const row of Object.keys(samples)) samples[row][h] = [];
    // One unmeasured pod each: images unpacked, caches warm.
    for (const h of HANDLERS) await removePod(node, (await podStart(node, h)).pod);
    for (let i = 0; i < N; i++) {
      for (const h of i % 2 ? [...HANDLERS].reverse() : HANDLERS) {
        const w0 = Date.now();
        const p = await podStart(node, h);
        windows.push({ row: 'pod start', handler: h, t0: w0, t1: Date.now() });
        samples['pod start'][h].push(p.ms);
        await removePod(node, p.pod);
      }
    }
    const running: Record<string, { pod: string; ctr: string }> = {};
    for (const h of HANDLERS) running[h] = await podStart(node, h);
    for (const h of HANDLERS) await node.cri.runtime.ExecSync({ container_id: running[h].ctr, cmd: ['true'], timeout: 10 });
    for (let i = 0; i < N; i++) {
      for (const h of i % 2 ? [...HANDLERS].reverse() : HANDLERS) {
        const t0 = now();
        const w0 = Date.now();
        const r = await node.cri.runtime.ExecSync({ container_id: running[h].ctr, cmd: ['true'], timeout: 10 });
        if (r.exit_code !== 0) throw new Error(`ExecSync under ${h} exited ${r.exit_code}`);
        samples.ExecSync[h].push(now() - t0);
        windows.push({ row: 'ExecSync', handler: h, t0: w0, t1: Date.now() });
      }
    }
    for (const h of HANDLERS) await removePod(node, running[h].pod);
  } finally {
    stop();
  }
  // --trace: the runtime calls inside each measured window (wall clock, ms).
  const trace: Record<string, Record<string, Record<string, { perOp: number; medianMs: number; example: string }>>> = {};
  if (traceDir) {
    const calls = readCalls(traceDir);
    fs.rmSync(traceDir, { recursive: true, force: true });
    for (const row of Object.keys(samples)) {
      trace[row] = {};
      for (const h of HANDLERS) {
        const ws = windows.filter((w) => w.row === row && w.handler === h);
        const inside = calls.filter((c) => c.handler === h && c.t1 !== undefined && ws.some((w) => c.t0 >= w.t0 - 1 && c.t1! <= w.t1 + 1));
        const by: Record<string, number[]> = {};
        const example: Record<string, string> = {};
        for (const c of inside) {
          (by[c.command] ??= []).push(c.t1! - c.t0);
          example[c.command] ??= c.argv;
        }
        trace[row][h] = Object.fromEntries(Object.entries(by).map(([cmd, ms]) => [cmd, { perOp: ms.length / ws.length, medianMs: median(ms), example: example[cmd] }]));
      }
    }
  }
  const rows = Object.entries(samples).map(([row, by]) => {
    const m = Object.fromEntries(HANDLERS.map((h) => [h, median(by[h])]));
    return { row, medians: m, ratio: m.runts / m.runc, samples: by };
  });
  const w = (s: string, n: number) => s.padEnd(n);
  process.stdout.write(`${w('row', 12)}${w('runts ms', 10)}${w('runc ms', 10)}runts/runc\n`);
  for (const r of rows) process.stdout.write(`${w(r.row, 12)}${w(r.medians.runts.toFixed(1), 10)}${w(r.medians.runc.toFixed(1), 10)}${r.ratio.toFixed(2)}\n`);
  for (const [row, by] of Object.entries(trace)) {
    for (const [h, cmds] of Object.entries(by)) {
      const list = Object.entries(cmds).map(([cmd, v]) => `${cmd} ${v.perOp === 1 ? '' : `x${v.perOp.toFixed(1)} `}${v.medianMs.toFixed(1)} ms`);
      process.stdout.write(`  ${row}, ${h}: ${list.join(', ') || 'no calls'}\n`);
    }
  }
  fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), iterations: N, rows, ...(TRACE ? { trace } : {}) }, null, 2) + '\n');
  process.stderr.write(`bench-cri: wrote ${JSON_OUT}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench-cri: ${e?.stack ?? e}\n`);
  process.exit(1);
});
