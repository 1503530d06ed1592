// End-to-end tests of the container lifecycle: bin/runts against the real
// kernel, as root. What a test believes is what /proc and the cgroup
// filesystems say, not what runts reports about itself.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  cgroupDirs,
  fdTargets,
  isAlive,
  isOneLineError,
  makeBundle,
  newId,
  nsLink,
  procCmdline,
  procExe,
  procsInCgroup,
  procStatus,
  remember,
  REPO,
  RUNTS,
  runts,
  runtsAsync,
  spawnHelper,
  state,
  stateDir,
  statusField,
  tempDir,
  cgroupMountpoints,
  waitFor,
  writeConfig,
} from './lib';

type T = Test;

const NAMESPACES = ['pid', 'mnt', 'net', 'ipc', 'uts', 'cgroup'];

// A process that exits 0 on SIGTERM (PID 1 of a pid namespace ignores
// signals it has no handler for, so a plain `sleep` would not) and reports
// the other catchable signals it gets on its stdout.
const TRAPPER = [
  'sh',
  '-c',
  'for s in HUP USR1 USR2; do trap "echo got-$s" $s; done; trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.05; done',
];

function created(t: T, bundle: string, id: string, extra: string[] = []): number {
  const r = runts(['create', '--bundle', bundle, ...extra, id]);
  t.equal(r.status, 0, `create ${id} exits 0`, { stderr: r.stderr });
  const s = state(id);
  if (!s?.pid) throw new Error(`create ${id}: no pid in state (${r.stderr.trim()})`);
  return remember(s.pid);
}

function started(t: T, id: string): void {
  const r = runts(['start', id]);
  t.equal(r.status, 0, `start ${id} exits 0`, { stderr: r.stderr });
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// Nothing of the container is left: its state directory, its cgroup
// directories in every hierarchy, any live process in its cgroup, the pid.
async function assertGone(t: T, id: string, pid?: number): Promise<void> {
  const dir = path.join(stateDir(), id);
  const cg = `/runts/${id}`;
  await waitFor(() => procsInCgroup(cg).length === 0 && (pid === undefined || !isAlive(pid)), 3000);
  t.notOk(fs.existsSync(dir), `no state directory ${dir}`);
  for (const d of cgroupDirs(id)) t.notOk(fs.existsSync(d), `no cgroup directory ${d}`);
  t.same(procsInCgroup(cg), [], `no live process in cgroup ${cg}`);
  if (pid !== undefined) t.notOk(isAlive(pid), `process ${pid} is gone`);
}

// ---------------------------------------------------------------- the lifecycle

t.test('create, start, kill, delete: what the kernel sees at each step', async (t) => {
  const b = makeBundle(t, { args: TRAPPER, edit: (c) => {
    c.annotations = { 'org.example.e2e': 'yes' };
    // `runts spec` adds a cgroup namespace only on a v2 host, as runc's.
    if (!c.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' });
  } });
  const id = newId(t);
  const pid = created(t, b.dir, id);

  // state: the runtime-spec fields
  const s = state(id)!;
  t.match(s, { id, status: 'created', pid, bundle: fs.realpathSync(b.dir), annotations: { 'org.example.e2e': 'yes' } }, 'state after create');
  t.match(s.ociVersion, /^1\.\d+\.\d+/, 'ociVersion is a runtime-spec version');
  for (const k of ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations']) t.ok(k in s, `state has ${k}`);

  // the process exists, in new namespaces
  t.ok(isAlive(pid), `process ${pid} exists`);
  for (const ns of NAMESPACES) {
    const mine = nsLink('self', ns);
    const its = nsLink(pid, ns);
    t.ok(its, `/proc/${pid}/ns/${ns} readable`);
    t.not(its, mine, `${ns} namespace differs from the host's (${its} vs ${mine})`);
  }

  // only the native init waits: a sealed memfd copy of runts-init, small
  t.match(procExe(pid), /memfd:runts-init/, '/proc/<pid>/exe is the memfd copy of runts-init');
  t.match(procCmdline(pid)[0], /runts-init$/, 'cmdline is runts-init');
  const rss = Number(/^(\d+) kB$/.exec(statusField(pid, 'VmRSS') ?? '')?.[1]);
  t.ok(rss > 0 && rss < 4096, `VmRSS of the waiting init is small (${rss} kB < 4 MiB)`);

  // its cgroup: /runts/<id> in every hierarchy, holding just this process
  const cgLines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  t.ok(cgLines.length > 0 && cgLines.every((l) => l.endsWith(`:/runts/${id}`)), `/proc/${pid}/cgroup is /runts/${id} everywhere`, { cgLines });
  for (const d of cgroupDirs(id)) {
    t.ok(fs.existsSync(d), `cgroup directory ${d} exists`);
    const procs = readFile(path.join(d, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
    t.same(procs, [pid], `${d}/cgroup.procs holds only the container's process`);
  }

  // start: the same process execs the program
  started(t, id);
  t.match(state(id), { status: 'running', pid }, 'state after start: running, same pid');
  t.ok(await waitFor(() => !/runts-init/.test(procExe(pid) ?? '')), 'the process has exec()ed the program');
  t.equal(procCmdline(pid)[0], 'sh', 'cmdline is the container program');
  t.not(procStatus(pid)?.State?.[0], 'Z', 'the program is running');

  // kill (default SIGTERM): the program traps it and exits
  const k = runts(['kill', id]);
  t.equal(k.status, 0, 'kill exits 0', { stderr: k.stderr });
  t.ok(await waitFor(() => !isAlive(pid)), 'the process exits on SIGTERM');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'state becomes stopped');

  // delete: state, cgroups and process gone
  const d = runts(['delete', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);
  t.equal(runts(['state', id]).status, 1, 'state after delete fails');
});

t.test('kill: default SIGTERM, names with and without SIG, numbers', async (t) => {
  const b = makeBundle(t, { args: TRAPPER });
  const sleeper = makeBundle(t);
  const id = newId(t);
  const cr = runts(['create', '--bundle', b.dir, id]);
  t.equal(cr.status, 0, 'create exits 0', { stderr: cr.stderr });
  const pid = remember(state(id)!.pid!);
  started(t, id);
  const out = () => readFile(cr.outFile); // the container's stdout is the one create was given
  t.ok(await waitFor(() => out().includes('ready')), 'the container is ready');

  for (const [sig, seen] of [['USR1', 'got-USR1'], ['SIGUSR2', 'got-USR2'], ['1', 'got-HUP']]) {
    const r = runts(['kill', id, sig]);
    t.equal(r.status, 0, `kill ${sig} exits 0`, { stderr: r.stderr });
    t.ok(await waitFor(() => out().includes(seen)), `the process received ${sig} (printed ${seen})`);
  }
  t.ok(isAlive(pid), 'still running after the trapped signals');
  const bad = runts(['kill', id, 'NOSUCHSIG']);
  t.equal(bad.status, 1, 'an unknown signal name: exit 1');
  t.ok(isOneLineError(bad.stderr), 'one line of error', { stderr: bad.stderr });
  t.ok(isAlive(pid), 'an unknown signal does nothing');

  const r = runts(['kill', id]);
  t.equal(r.status, 0, 'kill with no signal exits 0');
  t.ok(await waitFor(() => out().includes('got-TERM')), 'the default signal is SIGTERM');
  t.ok(await waitFor(() => !isAlive(pid)), 'the process exited');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'state: stopped');

  for (const sig of ['KILL', 'SIGKILL', '9']) {
    const sid = newId(t);
    const spid = created(t, sleeper.dir, sid);
    started(t, sid);
    const k = runts(['kill', sid, sig]);
    t.equal(k.status, 0, `kill ${sig} exits 0`, { stderr: k.stderr });
    t.ok(await waitFor(() => !isAlive(spid)), `kill ${sig}: the process is gone`);
    t.ok(await waitFor(() => state(sid)?.status === 'stopped'), `kill ${sig}: state stopped`);
  }
});

// ---------------------------------------------------------------- errors on the lifecycle

t.test('start on a running container: an error, and no effect', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const pid = created(t, b.dir, id);
  started(t, id);
  t.ok(await waitFor(() => procCmdline(pid)[0] === 'sleep'), 'running sleep');
  const r = runts(['start', id]);
  t.equal(r.status, 1, 'second start: exit 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, /running/, 'the error says it is running');
  t.match(state(id), { status: 'running', pid }, 'still running, same pid');
  t.ok(isAlive(pid), 'the process is alive');
  t.same(procCmdline(pid), ['sleep', '30'], 'the process is unchanged');
});

t.test('commands on an unknown ID: exit 1, one line naming it, no stack trace', async (t) => {
  const id = newId(t); // never created
  const cmds = [['start', id], ['state', id], ['kill', id], ['kill', id, 'KILL'], ['delete', id]];
  const results = await Promise.all(cmds.map((cmd) => runtsAsync(cmd).done)); // independent: run them together
  for (const [i, cmd] of cmds.entries()) {
    const r = results[i];
    t.equal(r.status, 1, `${cmd.join(' ')}: exit 1`);
    t.ok(isOneLineError(r.stderr), `${cmd.join(' ')}: one line, no stack trace`, { stderr: r.stderr });
    t.match(r.stderr, id, `${cmd.join(' ')}: the error names the ID`);
    t.equal(r.stdout, '', `${cmd.join(' ')}: nothing on stdout`);
  }
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory was made');
});

t.test('delete on a running container without --force: an error, the container still runs', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const pid = created(t, b.dir, id);
  started(t, id);
  const r = runts(['delete', id]);
  t.equal(r.status, 1, 'delete: exit 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, /running/, 'the error says it is running');
  t.ok(isAlive(pid), 'the process is alive');
  t.match(state(id), { status: 'running', pid }, 'state: still running');
  t.ok(fs.existsSync(path.join(stateDir(), id)), 'state directory kept');
  for (const d of cgroupDirs(id)) t.ok(fs.existsSync(d), `cgroup ${d} kept`);
});

t.test('delete --force kills, then deletes (running and created containers)', async (t) => {
  const b = makeBundle(t);
  const running = newId(t);
  const rpid = created(t, b.dir, running);
  started(t, running);
  const r = runts(['delete', '--force', running]);
  t.equal(r.status, 0, 'delete --force of a running container exits 0', { stderr: r.stderr });
  await assertGone(t, running, rpid);

  const waiting = newId(t);
  const wpid = created(t, b.dir, waiting);
  const w = runts(['delete', '-f', waiting]);
  t.equal(w.status, 0, 'delete -f of a created container exits 0', { stderr: w.stderr });
  await assertGone(t, waiting, wpid);
});

t.test('start, delete and kill without Node: create leaves bin/runts a record of what they must do, only where no hook needs Node', async (t) => {
  // native/direct/ carries the record out (test/unit/direct.test.ts checks
  // that Node does not run); here, that it names what the kernel has.
  const b = makeBundle(t);
  const id = newId(t);
  const pid = created(t, b.dir, id);
  const record = readFile(path.join(stateDir(), id, 'direct')).split('\n');
  t.equal(record[0], 'runts-direct 2', 'a record beside state.json');
  t.ok(record.includes(`pid ${pid}`), 'naming the container\'s process');
  const startTime = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  t.ok(record.includes(`starttime ${startTime}`), 'and its start time, as /proc/<pid>/stat has it');
  const named = record.filter((l) => l.startsWith('cgroup ')).map((l) => l.slice(7)).sort();
  t.same(named, cgroupDirs(id).sort(), 'and its cgroup directory in every hierarchy');
  for (const d of named) t.same(readFile(path.join(d, 'cgroup.procs')).split('\n').filter(Boolean).map(Number), [pid], `${d} holds the process`);
  started(t, id);
  t.ok(await waitFor(() => procCmdline(pid)[0] === 'sleep'), 'start: the process execs the program');
  const d = runts(['delete', '-f', id]);
  t.equal(d.status, 0, 'delete -f exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);

  for (const kind of ['poststart', 'poststop']) {
    const H = tempDir(t, 'runts-e2e-hooks-');
    const hb = makeBundle(t, { edit: (c) => (c.hooks = { [kind]: [hook(kind, H)] }) });
    const hid = newId(t);
    const hpid = created(t, hb.dir, hid);
    t.notOk(fs.existsSync(path.join(stateDir(), hid, 'direct')), `with a ${kind} hook: no record, Node runs start and delete`);
    started(t, hid);
    const hd = runts(['delete', '-f', hid]);
    t.equal(hd.status, 0, 'delete -f exits 0', { stderr: hd.stderr });
    await assertGone(t, hid, hpid);
    t.ok(await waitFor(() => readFile(path.join(H, 'order')) === `${kind}\n`), `the ${kind} hook ran`);
  }
});

t.test('delete of a container without its own pid namespace: no process of it remains', async (t) => {
  // Killing the first process does not end its children here; delete must end them all.
  const b = makeBundle(t, {
    args: ['sh', '-c', 'sleep 31 & sleep 32 & exec sleep 33'],
    edit: (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid')),
  });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  started(t, id);
  t.ok(await waitFor(() => procsInCgroup(`/runts/${id}`).length === 3), 'three processes in its cgroup');
  const children = procsInCgroup(`/runts/${id}`).filter((p) => p !== pid).map(remember);
  const k = runts(['kill', id, 'KILL']);
  t.equal(k.status, 0, 'kill KILL exits 0');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'stopped once its process is gone');
  t.ok(children.every(isAlive), 'kill without --all signals only the first process: its children outlive it');
  const d = runts(['delete', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);
  for (const c of children) t.notOk(isAlive(c), `child ${c} is gone`);
});

t.test('kill on a stopped container: an error; delete of a stopped one needs no --force', async (t) => {
  const b = makeBundle(t, { args: ['true'] });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  started(t, id);
  t.ok(await waitFor(() => !isAlive(pid)), 'the program exited');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'state: stopped');
  const r = runts(['kill', id, 'KILL']);
  t.equal(r.status, 1, 'kill: exit 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, /stopped/, 'the error says it is stopped');
  const d = runts(['delete', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);
});

t.test('create with an ID already in use: an error, the first container unaffected', async (t) => {
  const first = makeBundle(t);
  const second = makeBundle(t, { args: ['sleep', '31'] });
  const id = newId(t);
  const pid = created(t, first.dir, id);
  const before = state(id);
  const r = runts(['create', '--bundle', second.dir, id]);
  t.equal(r.status, 1, 'second create: exit 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, /already exists/, 'the error says the ID exists');
  t.match(r.stderr, id, 'the error names the ID');
  t.same(state(id), before, 'state unchanged');
  t.ok(isAlive(pid), 'the first process is alive');
  t.match(procExe(pid), /memfd:runts-init/, 'still waiting in the init');
  for (const d of cgroupDirs(id)) {
    t.same(readFile(path.join(d, 'cgroup.procs')).split('\n').filter(Boolean).map(Number), [pid], `${d} still holds the first process only`);
  }
  started(t, id);
  t.ok(await waitFor(() => procCmdline(pid).join(' ') === 'sleep 30'), 'the first container starts its own program');
  t.match(state(id), { status: 'running', pid, bundle: fs.realpathSync(first.dir) }, 'and runs from its own bundle');
});

t.test('invalid container IDs are rejected by every command', async (t) => {
  const b = makeBundle(t);
  const root = stateDir();
  const entriesBefore = fs.readdirSync(root).sort();
  const outside = [path.resolve(root, '../x'), path.join(root, 'a'), path.join(root, '.hidden')];
  const cgOutside = cgroupDirs('x').map((d) => path.join(path.dirname(path.dirname(d)), 'x')); // /runts/../x
  const existedBefore = new Set([...outside, ...cgOutside].filter((p) => fs.existsSync(p)));
  const cmds = ['../x', '.hidden', 'a/b'].flatMap((id) =>
    [['create', '--bundle', b.dir, id], ['run', '--bundle', b.dir, id], ['start', id], ['state', id], ['kill', id], ['delete', '--force', id]],
  );
  const results = await Promise.all(cmds.map((cmd) => runtsAsync(cmd).done)); // independent: run them together
  for (const [i, cmd] of cmds.entries()) {
    const r = results[i];
    const what = `${cmd[0]} ${JSON.stringify(cmd[cmd.length - 1])}`;
    t.equal(r.status, 1, `${what}: exit 1`);
    t.ok(isOneLineError(r.stderr), `${what}: one line of error`, { stderr: r.stderr });
    t.match(r.stderr, /invalid/, `${what}: says the ID is invalid`);
  }
  t.same(fs.readdirSync(root).sort(), entriesBefore, 'nothing was made under --root');
  for (const p of [...outside, ...cgOutside]) if (!existedBefore.has(p)) t.notOk(fs.existsSync(p), `nothing made at ${p}`);
});

// ---------------------------------------------------------------- run

t.test('run: exits with the container process exit status, leaves nothing', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'echo hello-from-run; exit 7'] });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 7, 'run exits 7', { stderr: r.stderr });
  t.equal(r.stdout, 'hello-from-run\n', "the container's stdout is run's stdout");
  await assertGone(t, id);
});

t.test('run in the foreground passes the signals it gets on to the container process, and exits with its status', async (t) => {
  const b = makeBundle(t, { args: TRAPPER });
  const id = newId(t);
  const run = runtsAsync(['run', '--bundle', b.dir, id]);
  const out = () => readFile(run.outFile);
  t.ok(await waitFor(() => out().includes('ready'), 10000), 'the container is ready');
  const pid = remember(state(id)!.pid!);
  for (const [sig, seen] of [['SIGUSR1', 'got-USR1'], ['SIGHUP', 'got-HUP']] as const) {
    run.child.kill(sig);
    t.ok(await waitFor(() => out().includes(seen)), `${sig} to runts reached the process (it printed ${seen})`);
  }
  t.ok(isAlive(pid), 'still running after the trapped signals');
  run.child.kill('SIGTERM');
  const r = await run.done;
  t.ok(out().includes('got-TERM'), 'SIGTERM reached it too');
  t.equal(r.status, 0, 'runts exits with the status of the process (0 from its trap)', { stderr: r.stderr });
  await assertGone(t, id, pid);
});

t.test('delete --force after a create killed midway removes its cgroup directories and what runs in them', async (t) => {
  const id = newId(t);
  const scratch = tempDir(t, 'runts-e2e-hook-');
  // The hook holds create at the createRuntime step, with the container's process made.
  const b = makeBundle(t, {
    edit: (c) => (c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo $$ > ${scratch}/hook.pid; cat > ${scratch}/state.json; exec sleep 30`] }] }),
  });
  t.teardown(() => {
    try {
      process.kill(Number(readFile(`${scratch}/hook.pid`)), 'SIGKILL');
    } catch {
      /* not started, or gone */
    }
  });
  const create = runtsAsync(['create', '--bundle', b.dir, id]);
  t.ok(await waitFor(() => readFile(`${scratch}/state.json`).includes('"pid"'), 10000), 'create reached its createRuntime hook');
  const pid = remember(JSON.parse(readFile(`${scratch}/state.json`)).pid);
  create.child.kill('SIGKILL');
  await create.done;
  t.notOk(fs.existsSync(path.join(stateDir(), id, 'state.json')), 'no state.json: killed before it was written');
  t.ok(cgroupDirs(id).every((d) => fs.existsSync(d)), 'the killed create left its cgroup directories');
  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
  await assertGone(t, id, pid);
});

// Every process on the host, with its parent.
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      out.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  return out;
}

// A process's descendants, from the kernel's lists of each thread's
// children (a few small files: quick enough to read just before a kill).
function descendants(pid: number): number[] {
  const out: number[] = [];
  const childrenOf = (p: number): number[] => {
    try {
      return fs.readdirSync(`/proc/${p}/task`).flatMap((tid) => fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  for (let i = -1, cur = pid; ; cur = out[++i]) {
    for (const c of childrenOf(cur)) out.push(remember(c));
    if (i + 1 >= out.length) return out;
  }
}

// Live processes with an fd on something under dir (the init holds the
// container's lock and barrier from the start).
function holdersOf(dir: string): number[] {
  const out: number[] = [];
  for (const pid of parents().keys()) {
    if (!isAlive(pid)) continue;
    if (Object.values(fdTargets(pid)).some((l) => l.startsWith(`${dir}/`))) out.push(pid);
  }
  return out;
}

// create killed by SIGKILL right after each milestone of --debug (and at
// once, before Node says anything), then delete --force: nothing of it may
// stay. Where the kill lands after a milestone varies; every milestone is a
// point where create has made something more.
const CREATE_STEPS = ['(at once)', 'create: begin', 'create: config valid', 'create: init spawned', 'create: plan compiled', 'create: cgroup made', 'create: limits written', 'create: container process ready'];

t.test('create killed at each step: delete --force leaves no process, mount, cgroup or state', async (t) => {
  const b = makeBundle(t);
  const rootfs = fs.realpathSync(b.rootfs);
  const last = CREATE_STEPS[CREATE_STEPS.length - 1];
  for (const milestone of CREATE_STEPS) {
    // The kill lands a moment after the milestone: a create that finished
    // first is tried again (after its last milestone, finishing is fine).
    let killed = false;
    for (let attempt = 0; attempt < 10 && !killed; attempt++) {
      const id = newId(t);
      const dir = path.join(stateDir(), id);
      const create = runtsAsync(['--debug', 'create', '--bundle', b.dir, id]);
      if (milestone !== '(at once)') {
        // Polled without pause: the kill should land as soon after the milestone as it can.
        const end = Date.now() + 20000;
        while (!readFile(create.errFile).includes(`debug: ${milestone} at `) && Date.now() < end) {
          /* poll */
        }
      }
      const family = descendants(create.child.pid!);
      create.child.kill('SIGKILL');
      const r = await create.done;
      killed = r.signal === 'SIGKILL' || milestone === last;
      const what = `${milestone}${r.signal === 'SIGKILL' ? '' : ' (create finished first)'}`;
      const d = runts(['delete', '--force', id]);
      t.equal(d.status, 0, `${what}: delete --force`, { stderr: d.stderr });
      await waitFor(() => family.every((p) => !isAlive(p)) && holdersOf(dir).length === 0 && procsInCgroup(`/runts/${id}`).length === 0, 5000);
      t.same(family.filter(isAlive), [], `${what}: no process create started lives`);
      t.same(holdersOf(dir), [], `${what}: no process holds the container's files`);
      t.same(procsInCgroup(`/runts/${id}`), [], `${what}: no process in its cgroup`);
      t.same(cgroupDirs(id).filter((c) => fs.existsSync(c)), [], `${what}: no cgroup directory`);
      t.notOk(fs.existsSync(dir), `${what}: no state directory`);
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(rootfs) || l.includes(`/${id}`));
      t.same(mounts, [], `${what}: no mount of its rootfs or state`);
    }
    t.ok(killed, `${milestone}: a create was killed there`);
  }
});

t.test('state and list, which bin/runts prints without Node, say what Node says, for created, running, paused and stopped containers', async (t) => {
  const b = makeBundle(t, { edit: (c) => (c.annotations = { 'org.example/quote': 'a "b" \\ c', 'ünïcode': 'é\nline' }) });
  const ids = [newId(t), newId(t), newId(t), newId(t)];
  const [createdId, runningId, pausedId, stoppedId] = ids;
  for (const id of ids) created(t, b.dir, id);
  for (const id of ids.slice(1)) started(t, id);
  t.equal(runts(['pause', pausedId]).status, 0, 'pause');
  t.equal(runts(['kill', stoppedId, 'KILL']).status, 0, 'kill');
  t.ok(await waitFor(() => state(stoppedId)?.status === 'stopped'), 'stopped');
  const statuses = ['created', 'running', 'paused', 'stopped'];
  ids.forEach((id, k) => {
    const native = runts(['state', id]);
    const node = runts(['--debug', 'state', id]); // --debug is Node's
    t.equal(native.stdout, node.stdout, `state of the ${statuses[k]} container`);
    t.equal(JSON.parse(native.stdout).status, statuses[k]);
  });
  for (const args of [[], ['--format', 'json'], ['-q']]) {
    const native = runts(['list', ...args]);
    t.equal(native.stdout, runts(['--debug', 'list', ...args]).stdout, `list ${args.join(' ') || '(a table)'}`);
    for (const id of ids) t.ok(native.stdout.includes(id), `list ${args.join(' ')} names ${id}`);
  }
  t.equal(runts(['resume', pausedId]).status, 0, 'resume');
});

t.test('run: 128+signal when the container process is killed', async (t) => {
  // PID 1 of a pid namespace cannot kill itself (the kernel drops signals it
  // sends to itself without a handler, even SIGKILL), so the process that
  // kills itself runs without a pid namespace of its own.
  const noPidNs = (c: Record<string, any>) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid'));
  for (const [sig, code] of [[9, 137], [15, 143]]) {
    const b = makeBundle(t, { args: ['sh', '-c', `kill -${sig} $$; sleep 5`], edit: noPidNs });
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, code, `sh -c 'kill -${sig} $$': run exits ${code}`, { stderr: r.stderr });
    await assertGone(t, id);
  }

  // And in a pid namespace, killed from outside with runts kill while run waits.
  const b = makeBundle(t);
  const id = newId(t);
  const { done } = runtsAsync(['run', '--bundle', b.dir, id]);
  t.ok(await waitFor(() => state(id)?.status === 'running', 10000), 'the container runs');
  const pid = state(id)?.pid;
  if (pid) remember(pid);
  t.ok(await waitFor(() => pid !== undefined && procCmdline(pid)[0] === 'sleep'), 'running sleep');
  const k = runts(['kill', id, 'KILL']);
  t.equal(k.status, 0, 'kill KILL exits 0', { stderr: k.stderr });
  const r = await done;
  t.equal(r.status, 137, 'run exits 137', { stderr: r.stderr });
  await assertGone(t, id, pid);
});

// flock(1) -n: can somebody else take the container's lock right now?
function lockIsFree(id: string): boolean {
  return spawnSync('flock', ['-n', path.join(stateDir(), id, 'lock'), 'true']).status === 0;
}

t.test('run and exec in the foreground: the waiter between runts and the process', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const run = runtsAsync(['run', '--bundle', b.dir, id]);
  t.ok(await waitFor(() => state(id)?.status === 'running', 10000), 'the container runs');
  const pid = remember(state(id)!.pid!);
  const waiter = Number(statusField(pid, 'PPid'));
  remember(waiter);
  t.equal(Number(statusField(waiter, 'PPid')), run.child.pid, "the container process's parent is a child of runts run");
  t.match(procExe(waiter), /memfd:runts-init/, 'that child is the (sealed) runts-init');
  t.equal(statusField(waiter, 'Threads'), '1', 'one thread');
  const cgLines = fs.readFileSync(`/proc/${waiter}/cgroup`, 'utf8').trim().split('\n');
  t.ok(cgLines.every((l) => !l.endsWith(`/runts/${id}`)), "the waiter is in none of the container's cgroups", { cgLines });
  const fds = fdTargets(waiter);
  t.same([0, 1, 2].map((fd) => fds[fd]), ['/dev/null', '/dev/null', '/dev/null'], 'its stdio is /dev/null');
  const others = Object.entries(fds).filter(([fd]) => Number(fd) > 2).map(([, target]) => target.replace(/\[\d+\]$/, '[]')).sort();
  // (bin/runts started it early: its exit status goes to runts over their socket)
  t.same(others, [path.join(stateDir(), id, 'lock'), 'pipe:[]', 'socket:[]'], 'besides, only a pipe from stage 0, the lock file (unlocked) and its socket to runts', { fds });
  t.ok(lockIsFree(id), 'the container is not locked while it runs');
  process.kill(waiter, 'SIGINT');
  process.kill(waiter, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  t.ok(isAlive(waiter) && isAlive(pid), 'SIGINT and SIGTERM (a terminal\'s ^C, say) do not end the waiter');

  // exec: the same, with its own waiter.
  const ex = runtsAsync(['exec', id, 'sleep', '31']);
  const execPid = await (async () => {
    let found: number | undefined;
    await waitFor(() => {
      found = procsInCgroup(`/runts/${id}`).find((p) => procCmdline(p).join(' ') === 'sleep 31');
      return found !== undefined;
    }, 10000);
    return found;
  })();
  t.ok(execPid, 'the exec\'d process runs');
  if (execPid) {
    remember(execPid);
    const execWaiter = Number(statusField(execPid, 'PPid'));
    t.equal(Number(statusField(execWaiter, 'PPid')), ex.child.pid, "the exec'd process's parent is a child of runts exec");
    process.kill(execPid, 'SIGKILL');
  }
  const er = await ex.done;
  t.equal(er.status, 137, 'exec exits 137 when its process is killed', { stderr: er.stderr });

  const k = runts(['kill', id, 'KILL']);
  t.equal(k.status, 0, 'kill KILL', { stderr: k.stderr });
  const r = await run.done;
  t.equal(r.status, 137, 'run exits 137', { stderr: r.stderr });
  t.notOk(isAlive(waiter), 'the waiter is gone');
  await assertGone(t, id, pid);
});

t.test('cgroup namespace: rooted at the container\'s cgroup in every hierarchy', async (t) => {
  for (const withNs of [true, false]) {
    const b = makeBundle(t, {
      args: ['cat', '/proc/self/cgroup'],
      edit: (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'cgroup');
        if (withNs) c.linux.namespaces.push({ type: 'cgroup' });
      },
    });
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, 0, `run (${withNs ? 'with' : 'without'} a cgroup namespace)`, { stderr: r.stderr });
    const lines = r.stdout.trim().split('\n');
    const want = withNs ? ':/' : `:/runts/${id}`;
    t.ok(lines.length > 0 && lines.every((l) => l.endsWith(want)), `/proc/self/cgroup in the container: every line ends with ${want}`, { lines });
    t.ok(lines.some((l) => l.startsWith('0::')), 'the cgroup2 hierarchy is among them');
  }
});

t.test('run --detach: returns while the container runs', async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const t0 = Date.now();
  const r = runts(['run', '--detach', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'run --detach exits 0', { stderr: r.stderr });
  t.ok(Date.now() - t0 < 10000, 'and does not wait for the container');
  const s = state(id);
  t.match(s, { status: 'running' }, 'state: running');
  const pid = remember(s!.pid!);
  t.ok(await waitFor(() => procCmdline(pid).join(' ') === 'sleep 30'), 'the process runs the program');
  t.ok(isAlive(pid), 'the process is alive');
  t.not(nsLink(pid, 'pid'), nsLink('self', 'pid'), 'in its own pid namespace');
});

// ---------------------------------------------------------------- options and config

t.test('--pid-file: the host pid of the container process', async (t) => {
  const b = makeBundle(t);
  const dir = tempDir(t);
  const id = newId(t);
  const pidFile = path.join(dir, 'container.pid');
  const pid = created(t, b.dir, id, ['--pid-file', pidFile]);
  const text = readFile(pidFile);
  t.match(text, /^\d+\n?$/, 'the pid file holds a number');
  t.equal(Number(text), pid, "it is the state's pid");
  t.ok(isAlive(pid), 'a live process');
  t.not(nsLink(pid, 'pid'), nsLink('self', 'pid'), 'in a new pid namespace: the host pid, not 1');
  t.match(readFile(`/proc/${pid}/cgroup`), `:/runts/${id}`, "in the container's cgroup");
  t.match(procExe(pid), /memfd:runts-init/, 'the waiting init');

  // relative to the working directory, and with run --detach
  const id2 = newId(t);
  const r = runts(['run', '-d', '--pid-file', 'rel.pid', '--bundle', b.dir, id2], { cwd: dir });
  t.equal(r.status, 0, 'run -d --pid-file rel.pid exits 0', { stderr: r.stderr });
  const pid2 = remember(Number(readFile(path.join(dir, 'rel.pid'))));
  t.equal(pid2, state(id2)?.pid, 'the relative pid file is in the working directory and holds the pid');
  t.ok(await waitFor(() => procCmdline(pid2).join(' ') === 'sleep 30'), 'that pid runs the program');
});

t.test('hostname: set in the container, not on the host', async (t) => {
  const name = `e2e-host-${Math.random().toString(36).slice(2, 8)}`;
  const hostBefore = os.hostname();
  const b = makeBundle(t, { args: ['hostname'], edit: (c) => (c.hostname = name) });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'run exits 0', { stderr: r.stderr });
  t.equal(r.stdout.trim(), name, 'hostname inside the container');
  t.equal(os.hostname(), hostBefore, 'the host keeps its hostname');
});

t.test('joining a network namespace by path', async (t) => {
  const helper = spawnHelper(t, 'unshare', ['--net', '--uts', 'sleep', '1000']);
  const hpid = remember(helper.pid!);
  t.ok(await waitFor(() => procCmdline(hpid)[0] === 'sleep' && nsLink(hpid, 'net') !== nsLink('self', 'net')), 'helper in its own net namespace');
  const target = nsLink(hpid, 'net');
  const b = makeBundle(t, {
    edit: (c) => (c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === 'network' ? { type: 'network', path: `/proc/${hpid}/ns/net` } : n))),
  });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  t.equal(nsLink(pid, 'net'), target, "the container's net namespace is the helper's");
  t.not(nsLink(pid, 'uts'), nsLink(hpid, 'uts'), 'the other namespaces are its own (uts is not the helper’s)');
  t.not(nsLink(pid, 'uts'), nsLink('self', 'uts'), '(nor the host’s)');
  started(t, id);
  t.ok(await waitFor(() => procCmdline(pid)[0] === 'sleep'), 'it runs');
  t.equal(nsLink(pid, 'net'), target, 'still in that namespace after start');
  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete --force exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);
  t.ok(isAlive(hpid), 'the namespace owner is left alone');
  t.equal(nsLink(hpid, 'net'), target, 'and its namespace is unchanged');
});

// A CRI container joins its pod's namespaces by path; namespaced sysctls and
// the hostname are then set in those namespaces (runc's rule), and refused
// only where the container would be in the host's own.
t.test('sysctls, hostname and domainname in network, IPC and UTS namespaces joined by path', async (t) => {
  const helper = spawnHelper(t, 'unshare', ['--net', '--ipc', '--uts', 'sleep', '1000']);
  const hpid = remember(helper.pid!);
  t.ok(await waitFor(() => procCmdline(hpid)[0] === 'sleep' && nsLink(hpid, 'uts') !== nsLink('self', 'uts')), 'helper in its own namespaces');
  const inHelper = (ns: string, ...cmd: string[]) => spawnSync('nsenter', ['-t', String(hpid), ns, ...cmd], { encoding: 'utf8' }).stdout.trim();
  const hostValue = (f: string) => fs.readFileSync(`/proc/sys/${f}`, 'utf8').trim();
  const before = { port: hostValue('net/ipv4/ip_unprivileged_port_start'), shm: hostValue('kernel/shmmni'), dom: hostValue('kernel/domainname'), host: os.hostname() };
  const join = (c: Record<string, any>) => {
    const paths: Record<string, string> = { network: 'net', ipc: 'ipc', uts: 'uts' };
    c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (paths[n.type] ? { type: n.type, path: `/proc/${hpid}/ns/${paths[n.type]}` } : n));
  };
  const b = makeBundle(t, {
    args: ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni /proc/sys/kernel/domainname; hostname'],
    edit: (c) => {
      join(c);
      c.hostname = 'pod-host';
      c.linux.sysctl = { 'net.ipv4.ip_unprivileged_port_start': '77', 'kernel/shmmni': '1234', 'kernel.domainname': 'pod.example' };
    },
  });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'run exits 0', { stderr: r.stderr });
  t.same(r.stdout.trim().split('\n'), ['77', '1234', 'pod.example', 'pod-host'], 'the container sees the values');
  t.equal(inHelper('-n', 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start'), '77', 'the joined network namespace has the sysctl');
  t.equal(inHelper('-i', 'cat', '/proc/sys/kernel/shmmni'), '1234', 'the joined IPC namespace has the sysctl (written with slashes)');
  t.equal(inHelper('-u', 'cat', '/proc/sys/kernel/domainname'), 'pod.example', 'the joined UTS namespace has the domain name');
  t.equal(inHelper('-u', 'hostname'), 'pod-host', 'and the hostname');
  t.same({ port: hostValue('net/ipv4/ip_unprivileged_port_start'), shm: hostValue('kernel/shmmni'), dom: hostValue('kernel/domainname'), host: os.hostname() }, before, "the host's values are unchanged");

  // The host's own namespaces, by path: refused, naming the field, nothing left.
  for (const [type, file, key] of [['network', 'net', 'net.ipv4.ip_unprivileged_port_start'], ['ipc', 'ipc', 'kernel.shmmni'], ['uts', 'uts', 'kernel.domainname']]) {
    const hb = makeBundle(t, {
      edit: (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === type ? { type, path: `/proc/${process.pid}/ns/${file}` } : n));
        c.linux.sysctl = { [key]: '1' };
      },
    });
    const hid = newId(t);
    const h = runts(['create', '--bundle', hb.dir, hid]);
    t.equal(h.status, 1, `${key} in the host's ${type} namespace joined by path is refused`);
    t.match(h.stderr, new RegExp(`^runts: config\\.json: /linux/sysctl/${key.replace(/\./g, '\\.')}: /linux/namespaces/\\d+/path is the host's ${type} namespace`), 'naming the sysctl and the path');
    t.equal(state(hid), undefined, 'nothing left');
  }
  t.same({ port: hostValue('net/ipv4/ip_unprivileged_port_start'), shm: hostValue('kernel/shmmni'), dom: hostValue('kernel/domainname') }, { port: before.port, shm: before.shm, dom: before.dom }, 'still unchanged');
});

// ---------------------------------------------------------------- hooks

// A hook that appends its name to <dir>/order, its mount namespace to
// <dir>/<name>.mnt and its stdin to <dir>/<name>.json.
function hook(name: string, dir: string, before = ''): Record<string, unknown> {
  return {
    path: '/bin/sh',
    args: ['sh', '-c', `${before}readlink /proc/self/ns/mnt > ${dir}/${name}.mnt; cat > ${dir}/${name}.json; echo ${name} >> ${dir}/order`],
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  };
}

t.test('hooks: each kind runs, in order, where it should, with the state on stdin', async (t) => {
  const H = tempDir(t, 'runts-e2e-hooks-');
  const b = makeBundle(t, {
    mkdirs: ['hooks'],
    edit: (c) => {
      c.hooks = {
        prestart: [hook('prestart', H)],
        createRuntime: [hook('createRuntime', H)],
        createContainer: [hook('createContainer', H)], // host /bin/sh, host path: before pivot_root
        startContainer: [hook('startContainer', '/hooks')], // the rootfs' /bin/sh, after pivot_root
        poststart: [hook('poststart', H)],
        poststop: [hook('poststop', H)],
      };
      c.mounts.push({ destination: '/hooks', type: 'bind', source: H, options: ['rbind', 'rw'] });
    },
  });
  const order = () => readFile(path.join(H, 'order')).split('\n').filter(Boolean);
  const json = (name: string) => JSON.parse(readFile(path.join(H, `${name}.json`)) || 'null');
  const mnt = (name: string) => readFile(path.join(H, `${name}.mnt`)).trim();
  const bundle = fs.realpathSync(b.dir);
  const hostMnt = nsLink('self', 'mnt');

  const id = newId(t);
  const pid = created(t, b.dir, id);
  const containerMnt = nsLink(pid, 'mnt');
  t.same(order(), ['prestart', 'createRuntime', 'createContainer'], 'create ran prestart, createRuntime, createContainer, in that order');
  for (const name of ['prestart', 'createRuntime', 'createContainer']) {
    t.match(json(name), { id, pid, bundle, status: 'created' }, `${name} got the state on stdin`);
  }
  t.equal(mnt('prestart'), hostMnt, "prestart ran in the runtime's mount namespace");
  t.equal(mnt('createRuntime'), hostMnt, "createRuntime ran in the runtime's mount namespace");
  t.equal(mnt('createContainer'), containerMnt, "createContainer ran in the container's mount namespace");

  started(t, id);
  t.ok(await waitFor(() => order().length >= 5), 'start ran two more hooks');
  t.same(order().slice(0, 3), ['prestart', 'createRuntime', 'createContainer'], 'after the create hooks');
  t.same(order().slice(3).sort(), ['poststart', 'startContainer'], 'startContainer and poststart ran');
  t.match(json('startContainer'), { id, pid, bundle }, 'startContainer got the state on stdin');
  t.match(json('poststart'), { id, pid, bundle, status: 'running' }, 'poststart got the state on stdin');
  t.equal(mnt('startContainer'), containerMnt, "startContainer ran in the container's mount namespace");
  t.equal(mnt('poststart'), hostMnt, "poststart ran in the runtime's mount namespace");

  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  t.equal(order()[order().length - 1], 'poststop', 'poststop ran last');
  t.equal(order().length, 6, 'each hook ran once');
  t.match(json('poststop'), { id, bundle, status: 'stopped' }, 'poststop got the state on stdin');
  t.equal(mnt('poststop'), hostMnt, "poststop ran in the runtime's mount namespace");
});

t.test('hooks: poststart runs after the program is executed (after startContainer), before start returns', async (t) => {
  // runtime-spec lifecycle: startContainer hooks, then the user program is
  // run, then the poststart hooks, and start returns after them. A slow
  // startContainer hook makes a wrong order visible every time.
  const H = tempDir(t, 'runts-e2e-hooks-');
  const b = makeBundle(t, {
    mkdirs: ['hooks'],
    edit: (c) => {
      c.hooks = { startContainer: [hook('startContainer', '/hooks', 'sleep 0.3; ')], poststart: [hook('poststart', H)] };
      c.mounts.push({ destination: '/hooks', type: 'bind', source: H, options: ['rbind', 'rw'] });
    },
  });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  const r = runts(['start', id]);
  t.equal(r.status, 0, 'start exits 0', { stderr: r.stderr });
  const exeAtReturn = procExe(pid);
  const orderAtReturn = readFile(path.join(H, 'order')).split('\n').filter(Boolean);
  t.notMatch(exeAtReturn, /runts-init/, 'when start returns, the program has been executed');
  t.same(orderAtReturn, ['startContainer', 'poststart'], 'startContainer ran before poststart, both before start returned');
});

t.test('a failing prestart, createRuntime or createContainer hook fails create and leaves nothing behind', async (t) => {
  for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
    await t.test(kind, async (t) => {
      const H = tempDir(t, 'runts-e2e-hooks-');
      const b = makeBundle(t, {
        edit: (c) => (c.hooks = { [kind]: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${H}/state.json; echo hook-says-no >&2; exit 3`] }] }),
      });
      const id = newId(t);
      const r = runts(['create', '--bundle', b.dir, id]);
      t.equal(r.status, 1, 'create exits 1');
      t.match(r.stderr, `error running ${kind} hook #0: /hooks/${kind}/0`, 'the error names the hook, in runc\'s words');
      t.match(r.stderr, /exit status 3/, 'and how it failed');
      t.notMatch(r.stderr, /\n\s+at .+:\d+/, 'no stack trace');
      const seen = JSON.parse(readFile(path.join(H, 'state.json')) || '{}');
      t.match(seen, { id, status: 'created' }, 'the hook ran and got the state');
      t.type(seen.pid, 'number', 'with a pid');
      await assertGone(t, id, seen.pid);
      t.equal(runts(['state', id]).status, 1, 'no such container afterwards');
    });
  }
});

t.test('a failing startContainer hook makes start fail and stops the container', async (t) => {
  // runtime-spec lifecycle step 7: if a startContainer hook fails, the
  // runtime MUST generate an error, stop the container, and go on to delete.
  const b = makeBundle(t, { edit: (c) => (c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }) });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  const r = runts(['start', id]);
  t.equal(r.status, 1, 'start exits 1');
  t.match(r.stderr, /^runts: .*error running startContainer hook #0/m, 'runts reports the failed hook');
  t.ok(await waitFor(() => !isAlive(pid)), 'the container process is gone');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'state: stopped');
  const d = runts(['delete', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  await assertGone(t, id, pid);
});

t.test('a failing poststart or poststop hook only warns, and the hooks after it still run', async (t) => {
  // runtime-spec lifecycle steps 10 and 13: the runtime MUST log a warning,
  // but the remaining hooks and the lifecycle continue as if it had succeeded.
  const H = tempDir(t, 'runts-e2e-hooks-');
  const fail = { path: '/bin/sh', args: ['sh', '-c', 'echo hook-says-no >&2; exit 3'] };
  const b = makeBundle(t, {
    edit: (c) => (c.hooks = { poststart: [fail, hook('poststart', H)], poststop: [fail, hook('poststop', H)] }),
  });
  const order = () => readFile(path.join(H, 'order')).split('\n').filter(Boolean);
  const id = newId(t);
  const pid = created(t, b.dir, id);
  const s = runts(['start', id]);
  t.equal(s.status, 0, 'start exits 0');
  t.match(s.stderr, /warning.*error running poststart hook #0/, 'start warns about the poststart hook');
  t.same(order(), ['poststart'], 'the poststart hook after the failing one ran before start returned');
  t.match(JSON.parse(readFile(path.join(H, 'poststart.json')) || 'null'), { id, pid, status: 'running' }, 'with the state on stdin');
  t.ok(await waitFor(() => procCmdline(pid)[0] === 'sleep'), 'the container runs');
  t.match(state(id), { status: 'running' }, 'state: running');
  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete exits 0');
  t.match(d.stderr, /warning.*error running poststop hook #0/, 'delete warns about the poststop hook');
  t.same(order(), ['poststart', 'poststop'], 'the poststop hook after the failing one ran');
  await assertGone(t, id, pid);

  // run goes through the same start and delete.
  fs.rmSync(path.join(H, 'order'), { force: true });
  const b2 = makeBundle(t, {
    args: ['true'],
    edit: (c) => (c.hooks = { poststart: [fail, hook('poststart', H)], poststop: [fail, hook('poststop', H)] }),
  });
  const id2 = newId(t);
  const r = runts(['run', '--bundle', b2.dir, id2]);
  t.equal(r.status, 0, 'run exits 0', { stderr: r.stderr });
  t.match(r.stderr, /warning.*error running poststart hook #0/, 'run warns about the poststart hook');
  t.match(r.stderr, /warning.*error running poststop hook #0/, 'and about the poststop hook');
  t.same(order(), ['poststart', 'poststop'], 'run ran the hooks after each failing one');
  await assertGone(t, id2);
});

// ---------------------------------------------------------------- bad configs and failing steps

t.test('bad config: not JSON: the error names line and column', async (t) => {
  const b = makeBundle(t);
  fs.writeFileSync(b.configPath, '{\n  "ociVersion": "1.3.0",\n  "root": {path: "rootfs"}\n}\n');
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, /config\.json/, 'names config.json');
  t.match(r.stderr, /line 3, column 12/, 'names line 3, column 12');
  await assertGone(t, id);
});

t.test('bad config: a schema error names the JSON pointer', async (t) => {
  const b = makeBundle(t, { edit: (c) => (c.linux.namespaces[2].type = 'netwrk') });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, '/linux/namespaces/2/type', 'names /linux/namespaces/2/type');
  t.match(r.stderr, 'must be one of', 'says what is allowed');
  t.match(r.stderr, 'netwrk', 'quotes the bad value');
  await assertGone(t, id);
});

t.test('bad config: a missing root path is named', async (t) => {
  const b = makeBundle(t, { edit: (c) => delete c.root.path });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, '/root/path', 'names /root/path');
  await assertGone(t, id);
});

t.test('a failing step in the init fails create, names the step, and leaves nothing behind', async (t) => {
  const b = makeBundle(t, { edit: (c) => c.mounts.push({ destination: '/x', type: 'nonexistentfs', source: 'none' }) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
  t.match(r.stderr, 'mount nonexistentfs on /x: ENODEV', 'names the step and the errno');
  await assertGone(t, id);
  const run = runts(['run', '--bundle', b.dir, id]);
  t.equal(run.status, 1, 'run fails the same way');
  t.match(run.stderr, 'mount nonexistentfs on /x: ENODEV', 'with the same message');
  await assertGone(t, id);
});

// A v1 cpuset cgroup with no cpus refuses tasks. One that exists before the
// container is used as it is (runts never changes a cgroup it did not make),
// so joining it fails at the init's start-up, before the plan: the error must
// still reach the caller (the init waits for the plan before it exits).
// A failure in the init's start-up: a cgroupsPath whose last name is a
// file of the cgroup the init makes first (cgroup.procs): "there already",
// then not a directory to fill (v1 cpuset) or join (ENOTDIR).
// (This used to be a pre-made v1 cpuset cgroup left empty, whose join failed
// with ENOSPC; runts now fills it from its parent, as runc does:
// mounts-parity.test.ts.)
t.test('a failure at the init\'s start-up (making its cgroups) is reported, not lost; what it made is removed', async (t) => {
  for (const cmd of ['create', 'run']) {
    const id = newId(t);
    const cgName = `runts-e2e-notdir-${id}`;
    const b = makeBundle(t, { edit: (c) => (c.linux.cgroupsPath = `/${cgName}/cgroup.procs`) });
    const r = runts([cmd, '--bundle', b.dir, id]);
    t.equal(r.status, 1, `${cmd} exits 1`);
    t.ok(isOneLineError(r.stderr), 'one line of error', { stderr: r.stderr });
    t.match(r.stderr, /(create|join) cgroup \/sys\/fs\/cgroup\/.*\/cgroup\.procs: ENOTDIR/, 'naming the cgroup and the errno', { stderr: r.stderr });
    t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
    for (const m of cgroupMountpoints()) {
      const made = path.join(m, cgName);
      t.notOk(fs.existsSync(made), `no cgroup ${made} left (runts made it)`);
      try { fs.rmdirSync(made); } catch { /* not there, as it should be */ }
    }
  }
});

// ---------------------------------------------------------------- user namespace

t.test('user namespace: the mappings are in place, the process is uid 100000 on the host', async (t) => {
  const b = makeBundle(t, {
    edit: (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    },
  });
  const id = newId(t);
  const pid = created(t, b.dir, id);
  const map = (f: string) => readFile(`/proc/${pid}/${f}`).trim().split(/\s+/).map(Number);
  t.same(map('uid_map'), [0, 100000, 65536], '/proc/<pid>/uid_map');
  t.same(map('gid_map'), [0, 100000, 65536], '/proc/<pid>/gid_map');
  t.not(nsLink(pid, 'user'), nsLink('self', 'user'), 'a user namespace of its own');
  t.same(statusField(pid, 'Uid')?.split(/\s+/), ['100000', '100000', '100000', '100000'], 'Uid on the host: 100000');
  t.same(statusField(pid, 'Gid')?.split(/\s+/), ['100000', '100000', '100000', '100000'], 'Gid on the host: 100000');
  started(t, id);
  t.ok(await waitFor(() => procCmdline(pid).join(' ') === 'sleep 30'), 'the program runs');
  t.same(statusField(pid, 'Uid')?.split(/\s+/), ['100000', '100000', '100000', '100000'], 'the program is uid 100000 on the host');

  writeConfig(b, (c) => (c.process.args = ['id', '-u']));
  const id2 = newId(t);
  const r = runts(['run', '--bundle', b.dir, id2]);
  t.equal(r.status, 0, 'run exits 0', { stderr: r.stderr });
  t.equal(r.stdout.trim(), '0', 'and it is uid 0 inside');
});

// ---------------------------------------------------------------- list

t.test('list: table, --format json and -q show the containers', async (t) => {
  const b = makeBundle(t);
  const bundle = fs.realpathSync(b.dir);
  const a = newId(t);
  const apid = created(t, b.dir, a);
  const c = newId(t);
  const r = runts(['run', '-d', '--bundle', b.dir, c]);
  t.equal(r.status, 0, 'run -d exits 0', { stderr: r.stderr });
  const cpid = remember(state(c)!.pid!);

  const table = runts(['list']);
  t.equal(table.status, 0, 'list exits 0');
  const lines = table.stdout.trim().split('\n');
  t.same(lines[0].split(/\s+/), ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], 'table header');
  const row = (id: string) => lines.find((l) => l.split(/\s+/)[0] === id)?.split(/\s+/);
  t.same(row(a)?.slice(0, 4), [a, String(apid), 'created', bundle], `row for ${a}`);
  t.same(row(c)?.slice(0, 4), [c, String(cpid), 'running', bundle], `row for ${c}`);

  const json = runts(['list', '--format', 'json']);
  t.equal(json.status, 0, 'list --format json exits 0');
  const entries = JSON.parse(json.stdout) as { id: string; pid: number; status: string; bundle: string }[];
  t.match(entries.find((e) => e.id === a), { id: a, pid: apid, status: 'created', bundle }, `json entry for ${a}`);
  t.match(entries.find((e) => e.id === c), { id: c, pid: cpid, status: 'running', bundle }, `json entry for ${c}`);
  for (const e of entries.filter((e) => e.id === a || e.id === c)) t.ok(isAlive(e.pid), `pid ${e.pid} of ${e.id} is alive`);

  const q = runts(['list', '-q']);
  t.equal(q.status, 0, 'list -q exits 0');
  const ids = q.stdout.split('\n').filter(Boolean);
  t.ok(ids.includes(a) && ids.includes(c), '-q lists both IDs, one a line', { ids });

  runts(['delete', '--force', a]);
  t.notOk(runts(['list', '-q']).stdout.split('\n').includes(a), 'a deleted container is no longer listed');
});

// bin/runts starts runts-init while Node starts (native/launcher.c, "the
// early init"). Run in a pid namespace of its own, with its own /proc, so
// that every runts-init in it is this command's.
function liveInitsAfter(t: T, runtsArgs: string[]): { status: string; alive: string[] } {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    `${[RUNTS, '--root', stateDir(), ...runtsArgs].map(q).join(' ')} >/dev/null 2>&1; echo "status=$?"`,
    'sleep 0.3',
    'for p in /proc/[0-9]*; do',
    '  exe=$(readlink $p/exe 2>/dev/null) || continue',
    '  case "$exe" in *runts-init*) [ "$(cut -d" " -f3 $p/stat)" = Z ] || echo "alive ${p#/proc/} $exe";; esac',
    'done',
  ].join('\n');
  const r = spawnSync('unshare', ['--fork', '--pid', '--mount-proc', 'sh', '-c', script], { encoding: 'utf8', timeout: 20000 });
  t.equal(r.status, 0, 'unshare --pid --mount-proc', { stderr: r.stderr });
  const lines = r.stdout.split('\n');
  return { status: lines.find((l) => l.startsWith('status='))?.slice(7) ?? '', alive: lines.filter((l) => l.startsWith('alive ')) };
}

t.test('an init that bin/runts started early ends when create fails before needing it', async (t) => {
  const b = makeBundle(t);
  writeConfig(b, (c) => {
    (c.process as { args?: string[] }).args = [];
  });
  const bad = liveInitsAfter(t, ['create', '--bundle', b.dir, newId(t)]);
  t.equal(bad.status, '1', 'create of an invalid config fails');
  t.same(bad.alive, [], 'no runts-init is left alive');
  const dry = liveInitsAfter(t, ['create', '--dry-run', '--bundle', makeBundle(t).dir, newId(t)]);
  t.equal(dry.status, '0', 'create --dry-run');
  t.same(dry.alive, [], 'none started, none left');
});

t.test('without bin/runts (node bin/runts.js), runts spawns the init itself', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'exit 7'] });
  const id = newId(t);
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'runts.js'), '--root', stateDir(), 'run', '--bundle', b.dir, id], { encoding: 'utf8', timeout: 20000 });
  t.equal(r.status, 7, 'run passes the exit status through', { stderr: r.stderr });
  t.equal(state(id), undefined, 'and deletes the container');
  const d = newId(t);
  // stdio not pipes: the created container keeps it open (stderr to a file, for the message)
  const errFile = path.join(tempDir(t, 'runts-e2e-stderr-'), 'stderr');
  const errFd = fs.openSync(errFile, 'w');
  const c = spawnSync(process.execPath, [path.join(REPO, 'bin', 'runts.js'), '--root', stateDir(), 'create', '--bundle', makeBundle(t).dir, d], { stdio: ['ignore', 'ignore', errFd], timeout: 20000 });
  fs.closeSync(errFd);
  t.equal(c.status, 0, 'create', { stderr: readFile(errFile), signal: c.signal, error: c.error?.message });
  t.equal(state(d)?.status, 'created');
  t.equal(runts(['delete', '--force', d]).status, 0, 'delete');
});

t.test('where the early init or helper may not take runts\'s lock (pidfd_getfd refused), runts forks one of its own', async (t) => {
  // A seccomp filter that refuses pidfd_getfd, around the whole command.
  const dir = tempDir(t, 'runts-e2e-nopidfd-');
  const src = path.join(dir, 'nopidfd.c');
  fs.writeFileSync(
    src,
    `#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
int main(int argc, char **argv) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_getfd, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { sizeof f / sizeof f[0], f };
  if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) return 125;
  execv(argv[1], argv + 1);
  return 126;
}
`,
  );
  const cc = spawnSync('gcc', ['-O2', '-o', path.join(dir, 'nopidfd'), src], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) {
    t.skip(`cannot build the seccomp wrapper (gcc: ${cc.error?.message ?? cc.stderr.trim()})`);
    return;
  }
  const b = makeBundle(t, { args: ['sh', '-c', 'exit 5'] });
  const id = newId(t);
  const r = spawnSync(path.join(dir, 'nopidfd'), [RUNTS, '--root', stateDir(), '--debug', 'run', '--bundle', b.dir, id], { encoding: 'utf8', timeout: 20000 });
  t.match(r.stderr, /the early init cannot take our lock here \(pidfd_getfd: EPERM\): forking an init/, 'the early init said so', { stderr: r.stderr });
  t.equal(r.status, 5, 'and run works all the same: the exit status comes through');
  t.equal(state(id), undefined, 'the container is deleted');
  // start and delete: their early helper may not take the lock fd either.
  const c = newId(t);
  const under = (args: string[], stderr: 'pipe' | 'ignore' = 'pipe') =>
    spawnSync(path.join(dir, 'nopidfd'), [RUNTS, '--root', stateDir(), ...args], { stdio: ['ignore', 'ignore', stderr], encoding: 'utf8', timeout: 20000 });
  // (create's container keeps create's stdio: no pipe there)
  t.equal(under(['create', '--bundle', makeBundle(t).dir, c], 'ignore').status, 0, 'create');
  const s = under(['start', c]);
  t.equal(s.status, 0, 'start', { stderr: s.stderr });
  t.equal(state(c)?.status, 'running');
  const d = under(['delete', '--force', c]);
  t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
  t.equal(state(c), undefined, 'gone');
});
