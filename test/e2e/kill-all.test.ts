// `kill --all` (StopPodSandbox, the shim's kill with --all) without Node
// (native/direct/kill.c) and through Node (src/container/kill.ts, run as
// `node build/light.js`), held to the same behaviour on real containers:
// every process in the cgroup gets the signal (its handler ran, or it is
// gone), the freezer is thawed after, and a stopped container's leftovers
// are signalled. The C path runs through a copy of bin/runts built with a
// stand-in for node that only says it ran (exit 99): a kill that reaches
// the processes proves the C path ran it.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle, newId, procsInCgroup, REPO, runts, state, stateDir, tempDir, waitFor } from './lib';

type T = Parameters<Parameters<typeof t.test>[1]>[0];
const SOURCES = ['launcher.c', ...fs.readdirSync(path.join(REPO, 'native', 'direct')).filter((f) => f.endsWith('.c')).sort().map((f) => path.join('direct', f))].map((f) => path.join(REPO, 'native', f));
const problem = process.getuid?.() !== 0 ? 'needs root' : spawnSync('gcc', ['--version']).status !== 0 ? 'needs gcc' : undefined;

function withoutNode(t: T): string {
  const dir = tempDir(t, 'runts-e2e-nonode-');
  fs.mkdirSync(path.join(dir, 'bin'));
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\necho "node ran"\nexit 99\n', { mode: 0o755 });
  const bin = path.join(dir, 'bin', 'runts');
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', bin, ...SOURCES], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
  return bin;
}

// The two ways to run `kill --all ID SIG`: each must exit 0 with nothing on stdout.
type Killer = (args: string[]) => { status: number | null; stdout: string; stderr: string };
let built: string | undefined; // one build for the file (its temp dir goes at the end)
const paths = (): [string, Killer][] => {
  const bin = (built ??= withoutNode(t as unknown as T));
  const run = (cmd: string, pre: string[]) => (args: string[]) => spawnSync(cmd, [...pre, '--root', stateDir(), ...args], { encoding: 'utf8', timeout: 30000 });
  return [
    ['without Node', run(bin, [])],
    ['through Node', run(process.execPath, [path.join(REPO, 'build', 'light.js')])],
  ];
};

// The container's cgroup path: runts's default, /runts/<id>.
const procs = (id: string) => procsInCgroup(`/runts/${id}`);

// Three processes (sh as PID 1 and two children), each recording a SIGUSR1
// in /got.<pid> of the rootfs.
const TRAPPER = 'trap "echo x > /got.$$" USR1; while :; do sleep 0.1; done';

t.test('kill --all ID USR1, then KILL: every process of a running container, the freezer thawed after (with and without Node)', { skip: problem }, async (t) => {
  for (const [how, kill] of paths()) {
    const b = makeBundle(t, { args: ['sh', '-c', `sh -c '${TRAPPER}' & sh -c '${TRAPPER}' & ${TRAPPER}`], edit: (c) => (c.root.readonly = false) });
    const id = newId(t);
    t.equal(runts(['run', '--detach', '--bundle', b.dir, id]).status, 0, `${how}: run --detach`);
    t.ok(await waitFor(() => procs(id).length >= 3, 10000, 50), `${how}: three processes in the cgroup`);
    const got = () => fs.readdirSync(b.rootfs).filter((f) => f.startsWith('got.'));
    const r = kill(['kill', '--all', id, 'USR1']);
    t.same([r.status, r.stdout], [0, ''], `${how}: kill --all USR1 exits 0`, { stderr: r.stderr });
    t.ok(await waitFor(() => got().length === 3, 10000, 50), `${how}: each of the three processes got SIGUSR1`, { got: got() });
    t.equal(state(id)?.status, 'running', `${how}: the container runs on, not left paused (the freezer thawed)`);
    const k = kill(['kill', '-a', id, 'KILL']);
    t.same([k.status, k.stdout], [0, ''], `${how}: kill -a KILL exits 0`, { stderr: k.stderr });
    t.ok(await waitFor(() => procs(id).length === 0, 10000, 50), `${how}: no process left in the cgroup`);
    t.ok(await waitFor(() => state(id)?.status === 'stopped', 10000, 50), `${how}: stopped`);
    t.equal(runts(['delete', id]).status, 0, `${how}: deleted`);
  }
});

t.test('kill --all of a stopped container: what is left in its cgroup (no PID namespace) is killed (with and without Node)', { skip: problem }, async (t) => {
  for (const [how, kill] of paths()) {
    const b = makeBundle(t, {
      args: ['sh', '-c', 'sleep 1000 & sleep 1000 & exit 0'],
      edit: (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid')),
    });
    const id = newId(t);
    t.equal(runts(['run', '--detach', '--bundle', b.dir, id]).status, 0, `${how}: run --detach`);
    t.ok(await waitFor(() => state(id)?.status === 'stopped' && procs(id).length === 2, 10000, 50), `${how}: the container stopped, two sleeps left in its cgroup`);
    const plain = runts(['kill', id, 'KILL']);
    t.equal(plain.status, 1, `${how}: kill without --all refuses a stopped container`);
    t.match(plain.stderr, /container not running/, `${how}: as runc words it`);
    const r = kill(['kill', '--all', id, 'KILL']);
    t.same([r.status, r.stdout], [0, ''], `${how}: kill --all exits 0`, { stderr: r.stderr });
    t.ok(await waitFor(() => procs(id).length === 0, 10000, 50), `${how}: the leftovers are gone`);
    t.equal(runts(['delete', id]).status, 0, `${how}: deleted`);
  }
});
