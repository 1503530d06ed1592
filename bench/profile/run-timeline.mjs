#!/usr/bin/env node
// Phases of one foreground `run` of /bin/true, from a light strace
// (--seccomp-bpf, only a few syscalls traced), median over K runs:
//   startup   execve(runtime) -> first mkdir (node boot + module loading + argv)
//   prepare   first mkdir -> the runtime's first clone (state dir, cgroups, plan)
//   init      that clone -> execve(/bin/true) (the init's whole plan)
//   container execve(/bin/true) -> its exit
//   teardown  /bin/true's exit -> the last rmdir (wait, delete: cgroups, state)
//   exit      last rmdir -> exit_group of the runtime
//   node bench/profile/run-timeline.mjs RUNTIME_BIN BUNDLE [K]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const [bin, bundle, kArg] = process.argv.slice(2);
if (!bin || !bundle) {
  process.stderr.write('usage: run-timeline.mjs RUNTIME_BIN BUNDLE [K]\n');
  process.exit(2);
}
const K = Number(kArg) || 7;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-timeline-'));
const phases = { startup: [], prepare: [], init: [], container: [], teardown: [], exit: [], total: [] };
try {
  for (let i = 0; i < K; i++) {
    const out = path.join(tmp, `t${i}`);
    const id = `tl${process.pid}-${i}`;
    const r = spawnSync('strace', ['--seccomp-bpf', '-f', '-ttt', '-e', 'trace=execve,clone,clone3,mkdir,mkdirat,rmdir,unlinkat,exit_group', '-o', out, bin, '--root', path.join(tmp, 'root'), 'run', '--bundle', bundle, id], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`run ${id} failed (status ${r.status})`);
    const lines = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const t = (l) => Number(l.split(/\s+/)[1]);
    const mainPid = lines[0].split(/\s+/)[0];
    const first = (re, pid) => lines.find((l) => re.test(l) && (!pid || l.startsWith(pid + ' ')));
    const last = (re, pid) => [...lines].reverse().find((l) => re.test(l) && (!pid || l.startsWith(pid + ' ')));
    const t0 = t(lines[0]);
    // Any thread or child: Go runs syscalls on whichever thread it likes.
    const mk = first(/ mkdir(at)?\(.*= 0$/);
    const cl = lines.find((l) => t(l) >= t(mk) && / clone3?\(/.test(l) && !l.includes('CLONE_THREAD'));
    const ex = first(/execve\("\/bin\/true"/);
    const exPid = ex.split(/\s+/)[0];
    const exEnd = first(/\+\+\+ exited/, exPid);
    const rm = last(/ (rmdir\(|unlinkat\(.*AT_REMOVEDIR).*= 0$/);
    const end = last(/\+\+\+ exited/, mainPid);
    const seq = [t0, t(mk), t(cl), t(ex), t(exEnd), t(rm), t(end)];
    const names = ['startup', 'prepare', 'init', 'container', 'teardown', 'exit'];
    names.forEach((n, k) => phases[n].push((seq[k + 1] - seq[k]) * 1000));
    phases.total.push((seq[6] - seq[0]) * 1000);
  }
} finally {
  spawnSync('sh', ['-c', `for d in ${path.join(tmp, 'root')}/*; do [ -d "$d" ] && ${bin} --root ${path.join(tmp, 'root')} delete -f "$(basename "$d")"; done`], { stdio: 'ignore' });
  fs.rmSync(tmp, { recursive: true, force: true });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`${bin} run /bin/true under strace --seccomp-bpf, median of ${K} (ms):`);
for (const [n, xs] of Object.entries(phases)) console.log(`${median(xs).toFixed(1).padStart(8)}  ${n}`);
