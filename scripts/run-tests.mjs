#!/usr/bin/env node
// Runs every test file with tap and ends with the plain summary line CI reads:
// "N passed, N failed, N skipped", counting each file's top-level subtests.
//
// Without arguments (make test) it runs the host's suite, then boots the
// stock-host VM (scripts/v2-host: systemd as PID 1, pure cgroup v2,
// AppArmor) and runs the stock-host suite there (STOCK_HOST_TESTS), then
// boots it a second time as the other stock host (systemd in its hybrid
// cgroup layout: v1 controllers and name=systemd; SELinux permissive instead
// of AppArmor) for STOCK_HOST_HYBRID_SELINUX_TESTS (the SELinux tests and the systemd driver), counting the guests' tap
// output the same way: one summary line covers all three. RUNTS_SKIP_VM=1
// leaves the VM out for a quick local loop, never when CI=true.
// With arguments (test files or directories), only those, on the host.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// The tests whose subject is the stock host (the v2 tests and the systemd
// driver): they skip on this kind of development host, and run in the VM.
export const STOCK_HOST_TESTS = [
  'test/e2e/cgroups.test.ts',
  'test/e2e/checkpoint.test.ts',
  'test/e2e/rootless.test.ts',
  'test/e2e/systemd.test.ts',
  'test/e2e/lsm.test.ts',
  'test/e2e/docker.test.ts',
  'test/e2e/engines-systemd.test.ts',
  'test/e2e/cri-systemd.test.ts',
];
// engines-systemd.test.ts (podman as root and rootless, containerd's shim,
// with their systemd cgroup manager) joined once make-rootfs.sh stopped
// costing each test file a minute in the VM (it adds its 85 s and a file's
// start-up: scripts/v2-host/README.md, "How long"). cri-systemd.test.ts (a
// pod's whole life through containerd's CRI with SystemdCgroup = true) joined
// after a fresh clone's make test took 22 minutes with the rest (issue 31).

// The second boot: SELinux, on a hybrid host: the SELinux tests, and the
// systemd driver on the other shape of stock host (v1 controllers and
// name=systemd; systemd.test.ts's names say the shape).
export const STOCK_HOST_HYBRID_SELINUX_TESTS = ['test/e2e/lsm.test.ts', 'test/e2e/systemd.test.ts'];

const args = process.argv.slice(2);
const dirs = args.length ? args : ['test/unit', 'test/e2e'];
// Each argument is a directory of *.test.ts files or one such file.
const files = dirs.flatMap((d) => {
  if (d.endsWith('.test.ts')) return [d];
  try {
    return readdirSync(d).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(d, f));
  } catch {
    return [];
  }
});
const withVm = args.length === 0 && (process.env.RUNTS_SKIP_VM !== '1' || process.env.CI === 'true');

const counts = { passed: 0, failed: 0, skipped: 0 };
// Top-level subtests of a file are indented by four spaces.
const count = (line) => {
  const m = /^ {4}(not )?ok \d+ - (.*)$/.exec(line);
  if (!m) return;
  if (/# (SKIP|TODO)\b/i.test(m[2])) counts.skipped++;
  else if (m[1]) counts.failed++;
  else counts.passed++;
};

// Runs a command, shows its output as it comes and counts its tap lines;
// resolves to its exit status. A run that failed without a failing subtest
// (a file that crashed before reporting, a VM that did not boot) counts as
// one failure.
function run(cmd, argv, env) {
  return new Promise((resolve) => {
    const before = counts.failed;
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      lines.forEach((l) => count(l.replace(/\r$/, '')));
    });
    child.on('close', (code) => {
      if (pending) count(pending);
      if (code !== 0 && counts.failed === before) counts.failed++;
      resolve(code);
    });
  });
}

const started = Date.now();
const hostCode = await run('node_modules/.bin/tap', ['--reporter=tap', '--disable-coverage', '--timeout=600', '--jobs=2', ...files], { TAP_RCFILE: '/dev/null' });
let vmCode = 0;
if (withVm) {
  const hostSeconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`\n# host suite: ${hostSeconds} s; now the stock-host VM (scripts/v2-host/run.sh ${STOCK_HOST_TESTS.join(' ')})\n`);
  // No smoke test (the suite covers it); under emulation a file may take
  // far longer than on the host.
  vmCode = await run('scripts/v2-host/run.sh', STOCK_HOST_TESTS, {
    TAP_ARGS: '--reporter=tap',
    TAP_TIMEOUT: process.env.TAP_TIMEOUT ?? '1800',
    RUNTS_V2_SMOKE: process.env.RUNTS_V2_SMOKE ?? '0',
    RUNTS_V2_TIMEOUT: process.env.RUNTS_V2_TIMEOUT ?? '3600',
  });
  const vmSeconds = Math.round((Date.now() - started) / 1000) - hostSeconds;
  process.stdout.write(`# stock-host VM: ${vmSeconds} s\n`);
  process.stdout.write(`\n# now the hybrid SELinux stock host (RUNTS_V2_MODE=hybrid RUNTS_V2_SELINUX=1 scripts/v2-host/run.sh ${STOCK_HOST_HYBRID_SELINUX_TESTS.join(' ')})\n`);
  const hybridCode = await run('scripts/v2-host/run.sh', STOCK_HOST_HYBRID_SELINUX_TESTS, {
    RUNTS_V2_MODE: 'hybrid',
    RUNTS_V2_SELINUX: '1',
    TAP_ARGS: '--reporter=tap',
    TAP_TIMEOUT: process.env.TAP_TIMEOUT ?? '1800',
    RUNTS_V2_SMOKE: '0', // the smoke test reads v2 paths; systemd.test.ts covers a run there
    RUNTS_V2_TIMEOUT: process.env.RUNTS_V2_TIMEOUT ?? '3600',
  });
  vmCode = vmCode || hybridCode;
  process.stdout.write(`# hybrid SELinux VM: ${Math.round((Date.now() - started) / 1000) - hostSeconds - vmSeconds} s\n`);
} else if (args.length === 0) {
  process.stdout.write('\n# stock-host VM skipped (RUNTS_SKIP_VM=1)\n');
}
const { passed, failed, skipped } = counts;
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || hostCode !== 0 || vmCode !== 0 ? 1 : 0);
