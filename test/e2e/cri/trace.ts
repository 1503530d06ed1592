// The runtime calls a node's shims make, timed: each handler's BinaryName
// becomes a wrapper that logs a line when a call starts and another when it
// ends, and runs the real runtime under it. Used by cri-systemd.test.ts
// (which calls StopPodSandbox made and how long each took under emulation)
// and bench/cri.ts --trace.
//
// The shim starts its runtime with a parent-death signal (SIGKILL) and kills
// it when the request's deadline passes (containerd's CRI gives an exit's
// cleanup, the runtime's `delete`, 10 s). The wrapper keeps that: the real
// runtime gets the same parent-death signal from setpriv, so a call the shim
// gives up on dies as it would unwrapped, and shows as started, never ended.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Call {
  handler: string;
  t0: number; // ms since the epoch
  t1?: number; // undefined: never ended (killed, or still running)
  rc?: number;
  command: string; // create, start, kill --all, ...
  argv: string;
}

// A wrapper per handler (handler -> the real binary) in dir, logging to
// dir/calls.log; handler -> the wrapper, for startNode's binaries.
export function traceWrappers(dir: string, real: Record<string, string>): Record<string, string> {
  const log = path.join(dir, 'calls.log');
  const out: Record<string, string> = {};
  for (const [h, bin] of Object.entries(real)) {
    const w = path.join(dir, `trace-${h}`);
    fs.writeFileSync(
      w,
      [
        '#!/bin/sh',
        't0=$(date +%s%N)',
        `echo "start ${h} $t0 $$ $*" >> ${log}`,
        `setpriv --pdeathsig KILL ${bin} "$@"`,
        'rc=$?',
        `echo "end ${h} $t0 $(date +%s%N) $rc $$" >> ${log}`,
        'exit $rc',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    out[h] = w;
  }
  return out;
}

// The runtime command of a call: the first word after the global options
// (--root X, --log X, --log-format X, --systemd-cgroup).
export function commandOf(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (['--root', '--log', '--log-format', '--criu'].includes(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return argv[i] === 'kill' && argv.includes('--all') ? 'kill --all' : argv[i];
  }
  return '?';
}

export function readCalls(dir: string): Call[] {
  const log = path.join(dir, 'calls.log');
  if (!fs.existsSync(log)) return [];
  const calls = new Map<string, Call>();
  for (const l of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const [kind, handler, t0, ...rest] = l.split(' ');
    if (kind === 'start') {
      const [pid, ...argv] = rest;
      calls.set(`${handler} ${t0} ${pid}`, { handler, t0: Number(t0) / 1e6, command: commandOf(argv), argv: argv.join(' ') });
    } else if (kind === 'end') {
      const [t1, rc, pid] = rest;
      const c = calls.get(`${handler} ${t0} ${pid}`);
      if (c) Object.assign(c, { t1: Number(t1) / 1e6, rc: Number(rc) });
    }
  }
  return [...calls.values()].sort((a, b) => a.t0 - b.t0);
}

// One line per call, for a test's comments: when it started (s after
// since), the command, the container (its id's first 12), how long, its
// exit status or that it never ended.
export function describeCalls(calls: Call[], since: number): string[] {
  return calls.map((c) => {
    // The container: the CRI's ids are 64 hex digits (kill's signal comes after).
    const words = c.argv.split(' ');
    const id = [...words].reverse().find((w) => /^[0-9a-f]{64}$/.test(w)) ?? words[words.length - 1] ?? '';
    const took = c.t1 === undefined ? 'never ended (killed by the shim?)' : `${((c.t1 - c.t0) / 1000).toFixed(1)} s, exit ${c.rc}`;
    return `${((c.t0 - since) / 1000).toFixed(0).padStart(5)} s  ${c.handler} ${c.command.padEnd(10)} ${id.slice(0, 12).padEnd(12)} ${took}`;
  });
}
