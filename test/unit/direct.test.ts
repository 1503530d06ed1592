// start, delete and kill without Node: the record create writes (directRecord),
// and bin/runts carrying it out (native/direct/) or handing the command to
// Node. The launcher is built here with a stand-in for node that says it ran,
// and the "cgroups" are plain directories, so this needs gcc, not root.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { directRecord, Saved, SPEC_VERSION, statusOf, toState, writeSaved } from '../../src/container/state';
import { formatTable, listContainers } from '../../src/container/list';
import { readStat } from '../../src/sys/proc';

const REPO = path.join(__dirname, '..', '..');
// The launcher's sources, as native/Makefile builds bin/runts from them.
const LAUNCHER_SOURCES = ['launcher.c', ...fs.readdirSync(path.join(REPO, 'native', 'direct')).filter((f) => f.endsWith('.c')).sort().map((f) => path.join('direct', f))].map((f) => path.join(REPO, 'native', f));

const saved = (over: Partial<Saved> = {}): Saved => ({
  ociVersion: '1.3.0',
  id: 'c1',
  pid: 4242,
  startTime: '777',
  bundle: '/b',
  created: '2026-11-25T00:00:00.000Z',
  rootfs: '/b/rootfs',
  pidNamespace: true,
  owner: '0',
  hooks: { poststart: undefined, poststop: undefined },
  cgroup: { path: '/runts/c1', dirs: ['/cg/cpu/runts/c1', '/cg/memory/runts/c1'], created: ['/cg/cpu/runts', '/cg/cpu/runts/c1', '/cg/memory/runts/c1'] },
  ...over,
});

const LISTED = 'oci 1.3.0\nbundle /b\nrootfs-json "/b/rootfs"\ncreated 2026-11-25T00:00:00.000Z\nowner root\n';

t.test('directRecord: the pid, its start time, the cgroups and the parents to try, deepest first; what state and list print', async (t) => {
  t.equal(
    directRecord(saved()),
    `runts-direct 2\npid 4242\nstarttime 777\ncgroup /cg/cpu/runts/c1\ncgroup /cg/memory/runts/c1\nparent /cg/memory/runts\nparent /cg/cpu/runts\n${LISTED}listed\n`,
  );
  t.equal(directRecord(saved({ cgroup: undefined })), `runts-direct 2\npid 4242\nstarttime 777\n${LISTED}listed\n`, 'no cgroup: nothing to remove');
  t.equal(
    directRecord(saved({ cgroup: undefined, annotations: { b: '1', 10: 'x "q" \u00fc', 'a\nb': 'c\\d' } }), { version: 1, dir: '/cg/freezer/runts/c1' }),
    `runts-direct 2\npid 4242\nstarttime 777\n${LISTED}freezer 1 /cg/freezer/runts/c1\nannotation "10": "x \\"q\\" \u00fc"\nannotation "b": "1"\nannotation "a\\nb": "c\\\\d"\nlisted\n`,
    'annotations as JSON.stringify writes them, in its order; the freezer to read',
  );
  for (const bundle of ['/b\u00fcndle', '/b"q', '/b\\x']) {
    t.equal(directRecord(saved({ cgroup: undefined, bundle })), 'runts-direct 2\npid 4242\nstarttime 777\n', `a bundle path a table cannot pad by bytes, or JSON must escape (${JSON.stringify(bundle)}): state and list in Node`);
  }
  t.equal(directRecord(saved({ cgroup: undefined, owner: '1000' }))?.includes('\nowner 1000\n'), true, 'an owner other than root by number');
});

t.test('directRecord: a systemd unit\'s container gets one, with the unit and its manager named', async (t) => {
  const cg = '/sys/fs/cgroup/system.slice/runts-c1.scope';
  t.equal(
    directRecord(saved({ cgroup: { path: '/system.slice/runts-c1.scope', dirs: [cg], created: [cg], systemd: { unit: 'runts-c1.scope', user: false } } }), { version: 2, dir: cg }),
    `runts-direct 2\npid 4242\nstarttime 777\nsystemd system runts-c1.scope\ncgroup ${cg}\n${LISTED}freezer 2 ${cg}\nlisted\n`,
    'the scope\'s cgroup (no parents: the slice is systemd\'s), its freezer, and the unit',
  );
  const user = '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice/runts-c1.scope';
  t.match(
    directRecord(saved({ cgroup: { path: user.slice('/sys/fs/cgroup'.length), dirs: [user], created: [user], systemd: { unit: 'runts-c1.scope', user: true } } })),
    /\nsystemd user runts-c1\.scope\n/,
    'a user manager\'s unit (rootless) says so',
  );
});

t.test('direct/state.c prints the spec version state.ts does', async (t) => {
  t.match(fs.readFileSync(path.join(REPO, 'native', 'direct', 'state.c'), 'utf8'), `#define SPEC_VERSION "${SPEC_VERSION}"`);
});

t.test('directRecord: none where start or delete must run in Node', async (t) => {
  const hook = [{ path: '/bin/true' }];
  t.equal(directRecord(saved({ hooks: { poststart: hook } })), undefined, 'poststart hooks');
  t.equal(directRecord(saved({ hooks: { poststop: hook } })), undefined, 'poststop hooks');
  t.equal(directRecord(saved({ hooks: { poststart: [], poststop: [] } })) !== undefined, true, 'empty hook lists are no hooks');
  t.equal(directRecord(saved({ hostMounts: '/b/rootfs' })), undefined, 'mounts in the host\'s namespace');
  t.equal(
    directRecord(saved({ cgroup: { path: '/x', dirs: ['/cg/cpu/x'], created: [] } })),
    undefined,
    'a cgroup runts did not make (delete may not remove it, nor kill what is in it)',
  );
  t.equal(directRecord(saved({ cgroup: { path: '/a\nb', dirs: ['/cg/a\nb'], created: ['/cg/a\nb'] } })), undefined, 'a newline in a path');
});

// The launcher with a stand-in for node that prints its arguments.
function buildLauncher(t: any): { dir: string; runts: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-direct-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'bin'));
  const fakeNode = path.join(dir, 'node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\nshift\necho "node ran: $*"\n', { mode: 0o755 });
  // No runts-init here: the launcher's helper start fails, and Node (here
  // the stand-in) would spawn one itself.
  const runts = path.join(dir, 'bin', 'runts');
  const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-DRUNTS_NODE="${fakeNode}"`, '-o', runts, ...LAUNCHER_SOURCES], {
    encoding: 'utf8',
  });
  t.equal(cc.status, 0, cc.stderr);
  return { dir, runts };
}

interface Container {
  root: string;
  state: string; // the container's directory
  cgroups: string[];
  parent: string;
}

// A container's directory as create leaves it, with "cgroup" directories
// under dir/cg and a record naming process pid.
function makeContainer(dir: string, id: string, pid: number, startTime: string): Container {
  const root = path.join(dir, 'root');
  const state = path.join(root, id);
  fs.mkdirSync(state, { recursive: true });
  const parent = path.join(dir, 'cg', 'runts');
  const cgroups = ['cpu', 'memory'].map((h) => path.join(parent, `${id}-${h}`));
  for (const c of cgroups) fs.mkdirSync(c, { recursive: true });
  fs.writeFileSync(path.join(state, 'lock'), '');
  fs.writeFileSync(path.join(state, 'state.json'), '{}');
  fs.writeFileSync(path.join(state, 'config.json'), '{}');
  const lines = ['runts-direct 1', `pid ${pid}`, `starttime ${startTime}`, ...cgroups.map((c) => `cgroup ${c}`), `parent ${parent}`];
  fs.writeFileSync(path.join(state, 'direct'), lines.join('\n') + '\n');
  return { root, state, cgroups, parent };
}

function child(t: any, args: string[]): ChildProcess {
  const c = spawn(args[0], args.slice(1), { stdio: 'ignore' });
  t.teardown(() => c.kill('SIGKILL'));
  return c;
}

const exited = (c: ChildProcess) => new Promise<string | null>((res) => (c.exitCode !== null || c.signalCode !== null ? res(c.signalCode) : c.on('exit', (_code, sig) => res(sig))));

t.test('delete of a stopped container: its cgroups, the empty parent and its directory go, without Node', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const gone = spawnSync('true');
  const c = makeContainer(dir, 'c1', gone.pid!, '1');
  const r = spawnSync(runts, ['--root', c.root, 'delete', 'c1'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '', 'node did not run');
  t.equal(r.stderr, '');
  for (const p of [...c.cgroups, c.parent, c.state]) t.notOk(fs.existsSync(p), `${path.relative(dir, p)} removed`);
});

// Rootless (docs/rootless.md): without --root, $XDG_RUNTIME_DIR/runts, as
// src/rootless.ts says, for root of a user namespace (unshare -r, no root
// needed) unless USER is root; a user without XDG_RUNTIME_DIR goes to Node.
const canUnshare = spawnSync('unshare', ['--user', '--map-root-user', 'true']).status === 0;
t.test('the default root when rootless: $XDG_RUNTIME_DIR/runts', { skip: canUnshare ? false : 'unshare --user is not allowed here' }, async (t) => {
  const { dir, runts } = buildLauncher(t);
  const gone = spawnSync('true');
  const c = makeContainer(dir, 'c1', gone.pid!, '1');
  const xdg = path.join(dir, 'xdg');
  fs.mkdirSync(xdg);
  fs.symlinkSync(c.root, path.join(xdg, 'runts'));
  fs.chmodSync(dir, 0o755);
  const asNsRoot = (user: string, args: string[]) =>
    spawnSync('unshare', ['--user', '--map-root-user', 'env', '-i', `XDG_RUNTIME_DIR=${xdg}`, `USER=${user}`, runts, ...args], { encoding: 'utf8' });
  const kept = asNsRoot('root', ['delete', 'c1']);
  t.equal(kept.status, 0, kept.stderr);
  t.ok(fs.existsSync(c.state), 'USER=root: /run/runts, not the XDG directory');
  const r = asNsRoot('someone', ['delete', 'c1']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '', 'node did not run');
  t.notOk(fs.existsSync(c.state), 'deleted from $XDG_RUNTIME_DIR/runts');
  if (process.getuid?.() === 0) {
    const n = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'env', '-i', runts, 'delete', '-f', 'x'], { encoding: 'utf8' });
    t.match(n.stdout, /^node ran:/, 'not root and no XDG_RUNTIME_DIR: Node says why');
  }
});

t.test('delete: a cgroup it cannot remove is a warning, on stderr or in --log only', async (t) => {
  const { dir, runts } = buildLauncher(t);
  for (const format of ['text', 'json']) {
    const c = makeContainer(dir, `c-${format}`, spawnSync('true').pid!, '1');
    fs.writeFileSync(path.join(c.cgroups[0], 'busy'), '');
    const r = spawnSync(runts, ['--root', c.root, 'delete', `c-${format}`], { encoding: 'utf8' });
    t.equal(r.status, 0, 'still exit status 0');
    t.equal(r.stderr, `runts: warning: delete: cannot remove cgroup ${c.cgroups[0]}: ENOTEMPTY\n`, 'named on stderr');
    t.notOk(fs.existsSync(c.state), 'the state directory went all the same');
    const log = path.join(dir, `log.${format}`);
    const c2 = makeContainer(dir, `d-${format}`, spawnSync('true').pid!, '1');
    fs.writeFileSync(path.join(c2.cgroups[0], 'busy'), '');
    const r2 = spawnSync(runts, ['--log', log, '--log-format', format, '--root', c2.root, 'delete', `d-${format}`], { encoding: 'utf8' });
    t.equal(r2.stderr, '', `with --log (${format}) nothing on stderr`);
    const line = fs.readFileSync(log, 'utf8');
    const msg = `delete: cannot remove cgroup ${c2.cgroups[0]}: ENOTEMPTY`;
    if (format === 'json') {
      const j = JSON.parse(line);
      t.same([j.level, j.msg], ['warning', msg], 'a json line as src/log.ts writes it');
      t.match(j.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } else t.match(line, new RegExp(`^time="[^"]+Z" level=warning msg=${JSON.stringify(msg).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n$`), 'a text line as src/log.ts writes it');
  }
});

t.test('delete of a live process: without --force Node says why; with it the process is killed first', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const sleeper = child(t, ['sleep', '30']);
  const c = makeContainer(dir, 'c1', sleeper.pid!, readStat(sleeper.pid!)!.startTime);
  const r = spawnSync(runts, ['--root', c.root, 'delete', 'c1'], { encoding: 'utf8' });
  t.equal(r.stdout, `node ran: --root ${c.root} delete c1\n`, 'left to Node');
  t.ok(fs.existsSync(path.join(c.state, 'direct')) && c.cgroups.every((g) => fs.existsSync(g)), 'nothing touched');
  t.equal(spawnSync('flock', ['-n', path.join(c.state, 'lock'), 'true']).status, 0, 'and the lock is free again');
  t.equal(sleeper.exitCode, null, 'the process lives');
  const f = spawnSync(runts, ['--root', c.root, 'delete', '--force', 'c1'], { encoding: 'utf8' });
  t.equal(f.status, 0, f.stderr);
  t.equal(f.stdout, '', 'node did not run');
  t.equal(await exited(sleeper), 'SIGKILL', 'the process was killed');
  t.notOk(fs.existsSync(c.state), 'its directory is gone');
  t.notOk(fs.existsSync(c.parent), 'and its cgroups');
});

t.test('delete: what is left in the cgroup (no pid namespace: children outlive the first process) is killed', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const c = makeContainer(dir, 'c1', spawnSync('true').pid!, '1');
  const left = [child(t, ['sleep', '30']), child(t, ['sleep', '31'])];
  // cgroup.procs as the kernel lists it, here a plain file (so that this
  // "cgroup" cannot be removed: a warning), the last line without its newline.
  fs.writeFileSync(path.join(c.cgroups[0], 'cgroup.procs'), `${left[0].pid}\n${left[1].pid}`);
  const r = spawnSync(runts, ['--root', c.root, 'delete', 'c1'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(await Promise.all(left.map(exited)), ['SIGKILL', 'SIGKILL'], 'both killed');
  t.notOk(fs.existsSync(c.state), 'its directory is gone');
});

t.test('delete -f of a container that is not there: nothing to do, exit 0, no Node (as runc)', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const r = spawnSync(runts, ['--root', path.join(dir, 'root'), 'delete', '-f', 'nothere'], { encoding: 'utf8' });
  t.same([r.status, r.stdout, r.stderr], [0, '', '']);
  const n = spawnSync(runts, ['--root', path.join(dir, 'root'), 'delete', 'nothere'], { encoding: 'utf8' });
  t.match(n.stdout, /^node ran:/, 'without -f, Node says it does not exist');
});

// A stand-in for the init at the barrier: opens the fifo for writing
// (blocking until start opens it), writes what the init would, and execs
// sleep with the fifo closed, as the init's close-on-exec does.
function waitingInit(t: any, barrier: string, says: string): ChildProcess {
  spawnSync('mkfifo', [barrier]);
  return child(t, ['sh', '-c', `exec 3>"$1"; printf '${says}' >&3; exec sleep 30 3>&-`, 'init', barrier]);
}

t.test('start of a created container: releases the barrier and waits for the exec, without Node', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const c = makeContainer(dir, 'c1', 0, '');
  const init = waitingInit(t, path.join(c.state, 'barrier'), 'x');
  const startTime = readStat(init.pid!)!.startTime;
  fs.writeFileSync(path.join(c.state, 'direct'), `runts-direct 1\npid ${init.pid}\nstarttime ${startTime}\n`);
  const r = spawnSync(runts, ['--root', c.root, 'start', 'c1'], { encoding: 'utf8' });
  t.same([r.status, r.stdout, r.stderr], [0, '', ''], 'exit 0, node did not run');
  t.equal(fs.readFileSync(`/proc/${init.pid}/cmdline`, 'utf8'), 'sleep\x0030\x00', 'the process went on to exec its program');
  t.notOk(fs.existsSync(path.join(c.state, 'barrier')), 'the barrier is gone');
  const again = spawnSync(runts, ['--root', c.root, 'start', 'c1'], { encoding: 'utf8' });
  t.equal(again.stdout, `node ran: --root ${c.root} start c1\n`, 'started already: Node says why');
});

t.test('start: a failure the init reports is the error, on stderr and in --log, exit 1', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const c = makeContainer(dir, 'c1', 0, '');
  const init = waitingInit(t, path.join(c.state, 'barrier'), 'xerror exec "nothere": ENOENT\\n');
  fs.writeFileSync(path.join(c.state, 'direct'), `runts-direct 1\npid ${init.pid}\nstarttime ${readStat(init.pid!)!.startTime}\n`);
  const log = path.join(dir, 'log');
  const r = spawnSync(runts, ['--root', c.root, '--log', log, '--log-format', 'json', 'start', 'c1'], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.equal(r.stderr, 'runts: start: exec "nothere": ENOENT\n');
  t.equal(r.stdout, '', 'node did not run');
  t.same(
    (({ level, msg }) => ({ level, msg }))(JSON.parse(fs.readFileSync(log, 'utf8'))),
    { level: 'error', msg: 'start: exec "nothere": ENOENT' },
    'the json log line containerd reads',
  );
});

t.test('kill: the signal to the live process, by name (any case, with or without SIG) or number, without Node or the lock', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const cases: [string[], string][] = [[[], 'SIGTERM'], [['KILL'], 'SIGKILL'], [['sigusr1'], 'SIGUSR1'], [['Hup'], 'SIGHUP'], [['2'], 'SIGINT']];
  for (const [signal, expected] of cases) {
    const sleeper = child(t, ['sleep', '30']);
    const c = makeContainer(dir, `k${expected}`, sleeper.pid!, readStat(sleeper.pid!)!.startTime);
    // Somebody holds the container's lock: kill does not wait for it.
    const holder = child(t, ['flock', path.join(c.state, 'lock'), 'sleep', '30']);
    await new Promise((res) => setTimeout(res, 100));
    const r = spawnSync(runts, ['--root', c.root, 'kill', `k${expected}`, ...signal], { encoding: 'utf8', timeout: 5000 });
    t.same([r.status, r.stdout, r.stderr], [0, '', ''], `kill ${signal.join(' ') || '(no signal)'}: exit 0, node did not run`);
    t.equal(await exited(sleeper), expected, `the process got ${expected}`);
    holder.kill('SIGKILL');
  }
});

t.test('kill: what it leaves to Node (a stopped container, --all without the freezer in the record, a signal it does not know)', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const stopped = makeContainer(dir, 'gone', spawnSync('true').pid!, '1');
  const sleeper = child(t, ['sleep', '30']);
  const live = makeContainer(dir, 'live', sleeper.pid!, readStat(sleeper.pid!)!.startTime);
  const cases = [
    ['--root', stopped.root, 'kill', 'gone'],
    ['--root', live.root, 'kill', '--all', 'live', 'KILL'], // a record without the freezer (version 1)
    ['--root', live.root, 'kill', '--all', 'true', 'live'], // yargs's value of --all
    ['--root', live.root, 'kill', '-a', '-a', 'live'],
    ['--root', live.root, 'kill', 'live', 'RTMIN+1'],
    ['--root', live.root, 'kill', 'live', 'NOSUCH'],
    ['--root', live.root, 'kill', 'live', '0'],
    ['--root', live.root, 'kill', 'live', '65'],
    ['--root', live.root, 'kill', 'live', 'TERM', 'extra'],
  ];
  for (const args of cases) t.equal(spawnSync(runts, args, { encoding: 'utf8' }).stdout, `node ran: ${args.join(' ')}\n`, args.slice(2).join(' '));
  t.equal(sleeper.exitCode, null, 'the process lives');
});

// kill --all without Node (native/direct/kill.c) against Node's signalAll
// (src/cgroups/signal.ts), each on its own copy of the same fake cgroup
// tree (plain files; the pids in cgroup.procs are real sleepers): the same
// processes get the same signals, and the freezer, cgroup.kill and the
// other files end the same.
type KillCase = { name: string; version: 1 | 2; sig: string; files: Record<string, string>; sub?: boolean; stopped?: boolean; got: string; after: Record<string, string> };
const KILL_CASES: KillCase[] = [
  { name: 'v2, SIGUSR1: frozen, each process (a child cgroup\'s too) signalled, thawed', version: 2, sig: 'USR1', files: { 'cgroup.freeze': '0', 'cgroup.events': 'populated 1\nfrozen 1\n', 'cgroup.kill': '' }, sub: true, got: 'SIGUSR1', after: { 'cgroup.freeze': '0', 'cgroup.kill': '' } },
  { name: 'v2, SIGKILL: cgroup.kill, nothing frozen, no process signalled one by one', version: 2, sig: 'KILL', files: { 'cgroup.freeze': '0', 'cgroup.events': 'populated 1\nfrozen 0\n', 'cgroup.kill': '' }, got: 'alive', after: { 'cgroup.freeze': '0', 'cgroup.kill': '1' } },
  { name: 'v2 without cgroup.kill, SIGKILL: frozen, each process killed, thawed', version: 2, sig: '9', files: { 'cgroup.freeze': '0', 'cgroup.events': 'populated 1\nfrozen 1\n' }, sub: true, got: 'SIGKILL', after: { 'cgroup.freeze': '0' } },
  { name: 'v1 freezer, SIGTERM: FROZEN, each process signalled, THAWED', version: 1, sig: 'TERM', files: { 'freezer.state': 'THAWED\n' }, got: 'SIGTERM', after: { 'freezer.state': 'THAWED' } },
  { name: 'no freezer file: a warning, each process signalled all the same', version: 2, sig: 'HUP', files: {}, got: 'SIGHUP', after: {} },
  { name: 'a stopped container: what is left in its cgroup is signalled', version: 2, sig: 'KILL', files: { 'cgroup.freeze': '0', 'cgroup.events': 'frozen 1\n' }, stopped: true, got: 'SIGKILL', after: { 'cgroup.freeze': '0' } },
];

async function killAllOutcome(t: any, c: KillCase, how: (root: string, id: string, record: { path: string; dirs: string[] }, mount: string) => Promise<string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-killall-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mount = path.join(dir, 'cg');
  const cg = path.join(mount, 'runts', 'c1');
  fs.mkdirSync(cg, { recursive: true });
  const sleepers = [child(t, ['sleep', '30']), child(t, ['sleep', '30'])];
  for (const [f, v] of Object.entries(c.files)) fs.writeFileSync(path.join(cg, f), v);
  fs.writeFileSync(path.join(cg, 'cgroup.procs'), `${sleepers[0].pid}\n`);
  if (c.sub) {
    fs.mkdirSync(path.join(cg, 'sub'));
    fs.writeFileSync(path.join(cg, 'sub', 'cgroup.procs'), `${sleepers[1].pid}\n`);
  } else fs.appendFileSync(path.join(cg, 'cgroup.procs'), `${sleepers[1].pid}\n`);
  const root = path.join(dir, 'root');
  const state = path.join(root, 'c1');
  fs.mkdirSync(state, { recursive: true });
  const pid = c.stopped ? spawnSync('true').pid! : sleepers[0].pid!;
  const s = saved({ id: 'c1', pid, startTime: c.stopped ? '1' : readStat(pid)!.startTime, cgroup: { path: '/runts/c1', dirs: [cg], created: [cg] } });
  writeSaved(state, s, { version: c.version, dir: cg });
  const stderr = await how(root, 'c1', { path: '/runts/c1', dirs: [cg] }, mount);
  await new Promise((res) => setTimeout(res, 300));
  const signals = sleepers.map((p) => p.signalCode ?? (p.exitCode === null ? 'alive' : `exit ${p.exitCode}`));
  const files = Object.fromEntries(fs.readdirSync(cg).filter((f) => f !== 'cgroup.procs' && f !== 'sub').map((f) => [f, fs.readFileSync(path.join(cg, f), 'utf8')]));
  return { signals, files, warned: stderr.replace(/\/tmp\/runts-killall-\w+/g, 'TMP') };
}

t.test('kill --all without Node does what Node\'s signalAll does', async (t) => {
  const { runts } = buildLauncher(t);
  for (const c of KILL_CASES) {
    const direct = await killAllOutcome(t, c, async (root, id) => {
      const r = spawnSync(runts, ['--root', root, 'kill', '--all', id, c.sig], { encoding: 'utf8', timeout: 20000 });
      t.same([r.status, r.stdout], [0, ''], `${c.name}: exit 0, node did not run`);
      return r.stderr;
    });
    const node = await killAllOutcome(t, c, async (_root, _id, record, mount) => {
      // In a child, as the CLI runs it (its warnings on fd 2): the built modules.
      const layout = { kind: c.version === 1 ? 'v1' : 'v2', hierarchies: [{ mountpoint: mount, version: c.version, controllers: c.version === 1 ? ['freezer'] : [] }] };
      const script = `const { signalAll } = require(${JSON.stringify(path.join(REPO, 'build', 'cgroups', 'signal.js'))});
        const { parseSignal } = require(${JSON.stringify(path.join(REPO, 'build', 'container', 'kill.js'))});
        const send = (p, sig) => { try { process.kill(p, sig); } catch (e) { if (e.code !== 'ESRCH') throw e; } };
        signalAll(${JSON.stringify(record)}, parseSignal(${JSON.stringify(c.sig)}), send, { layout: ${JSON.stringify(layout)} });`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
      t.equal(r.status, 0, `${c.name}: Node's signalAll ran`);
      return r.stderr;
    });
    t.same(direct, node, c.name);
    t.same(direct.signals, [c.got, c.got], `${c.name}: ${c.got} (both processes)`);
    t.match(direct.files, c.after, `${c.name}: the files after`);
  }
});

t.test('what the launcher leaves to Node, untouched', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const gone = spawnSync('true');
  const c = makeContainer(dir, 'c1', gone.pid!, '1');
  const cases = [
    ['--root', c.root, '--debug', 'delete', 'c1'],
    ['--root', c.root, 'delete', '--bogus', 'c1'],
    ['--root', c.root, 'delete', '-f', '-f', 'c1'],
    ['--root', c.root, '--root', c.root, 'delete', 'c1'],
    ['--root', c.root, '--log-format', 'xml', 'delete', 'c1'],
    ['--root', c.root, 'delete', 'c1', 'c2'],
    ['--root', c.root, 'delete', '--', 'c1'],
    ['--root', c.root, 'delete', 'c/1'],
    ['--root', c.root, 'start', '-f', 'c1'],
    ['--root', c.root, 'start', 'c1'], // not created: no barrier
  ];
  for (const args of cases) {
    const r = spawnSync(runts, args, { encoding: 'utf8' });
    t.equal(r.stdout, `node ran: ${args.join(' ')}\n`, args.join(' '));
  }
  t.ok(fs.existsSync(path.join(c.state, 'direct')) && c.cgroups.every((g) => fs.existsSync(g)), 'nothing touched');
  fs.writeFileSync(path.join(c.state, 'direct'), 'runts-direct 3\npid 1\nstarttime 1\n');
  t.match(spawnSync(runts, ['--root', c.root, 'delete', 'c1'], { encoding: 'utf8' }).stdout, /^node ran/, 'a record of another version');
  fs.rmSync(path.join(c.state, 'state.json'));
  fs.writeFileSync(path.join(c.state, 'direct'), `runts-direct 1\npid ${gone.pid}\nstarttime 1\n`);
  t.match(spawnSync(runts, ['--root', c.root, 'delete', 'c1'], { encoding: 'utf8' }).stdout, /^node ran/, 'no state.json');
});

// state and list: what Node would print (state.ts, list.ts), from real
// records with live, exited and waiting processes; the freezer files fake.
t.test('state and list without Node print what Node prints', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const root = path.join(dir, 'root');
  const freezerDir = path.join(dir, 'freezer');
  fs.mkdirSync(freezerDir, { recursive: true });
  const live = child(t, ['sleep', '30']);
  const make = (id: string, pid: number, startTime: string, over: Partial<Saved> = {}, freezer?: { version: 1 | 2; dir: string }) => {
    const state = path.join(root, id);
    fs.mkdirSync(state, { recursive: true });
    const s = saved({ id, pid, startTime, cgroup: undefined, created: `2026-11-25T00:00:0${id.length}.000Z`, ...over });
    writeSaved(state, s, freezer);
    return { state, saved: s };
  };
  const running = make('running', live.pid!, readStat(live.pid!)!.startTime, { annotations: { b: '1', 10: 'x "q" \u00fc', 'a\nb': 'c\\d' }, owner: '1000' });
  const created = make('created-one', live.pid!, readStat(live.pid!)!.startTime, { bundle: '/a/much/longer/bundle/path' });
  fs.writeFileSync(path.join(created.state, 'barrier'), '');
  const stopped = make('stopped', spawnSync('true').pid!, '1');
  const reused = make('reused', live.pid!, 'not-its-start-time');
  for (const c of [running, created, stopped, reused]) {
    const r = spawnSync(runts, ['--root', root, 'state', c.saved.id], { encoding: 'utf8' });
    t.same([r.status, r.stderr], [0, ''], `state ${c.saved.id}: exit 0`);
    t.equal(r.stdout, JSON.stringify(toState(c.saved, statusOf(c.saved, c.state)), null, 2) + '\n', `state ${c.saved.id}: as Node prints it (${statusOf(c.saved, c.state)})`);
  }
  const entries = listContainers(root);
  const lists: [string[], string][] = [
    [[], formatTable(entries)],
    [['--format', 'json'], JSON.stringify(entries) + '\n'],
    [['-f', 'json'], JSON.stringify(entries) + '\n'],
    [['--format=table'], formatTable(entries)],
    [['-q'], entries.map((e) => e.id + '\n').join('')],
  ];
  for (const [args, expected] of lists) {
    const r = spawnSync(runts, ['--root', root, 'ls', ...args], { encoding: 'utf8' });
    t.same([r.status, r.stderr], [0, ''], `list ${args.join(' ')}: exit 0`);
    t.equal(r.stdout, expected, `list ${args.join(' ') || '(a table)'}: as Node prints it`);
  }
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  t.equal(spawnSync(runts, ['--root', empty, 'list'], { encoding: 'utf8' }).stdout, formatTable([]), 'no containers: the header');
  t.equal(spawnSync(runts, ['--root', empty, 'list', '--format', 'json'], { encoding: 'utf8' }).stdout, '[]\n');

  // paused: a v1 freezer frozen by itself (not by a parent), or v2's cgroup.freeze
  const v1 = path.join(freezerDir, 'v1');
  fs.mkdirSync(v1);
  const p1 = make('paused-v1', live.pid!, readStat(live.pid!)!.startTime, {}, { version: 1, dir: v1 });
  const status = (id: string) => JSON.parse(spawnSync(runts, ['--root', root, 'state', id], { encoding: 'utf8' }).stdout).status;
  for (const [state, self, expected] of [['FROZEN', '1', 'paused'], ['FREEZING', '1', 'paused'], ['FROZEN', '0', 'running'], ['THAWED', '0', 'running']]) {
    fs.writeFileSync(path.join(v1, 'freezer.state'), `${state}\n`);
    fs.writeFileSync(path.join(v1, 'freezer.self_freezing'), `${self}\n`);
    t.equal(status(p1.saved.id), expected, `v1 ${state}, self_freezing ${self}: ${expected}`);
  }
  const v2 = path.join(freezerDir, 'v2');
  fs.mkdirSync(v2);
  make('paused-v2', live.pid!, readStat(live.pid!)!.startTime, {}, { version: 2, dir: v2 });
  for (const [freeze, expected] of [['1', 'paused'], ['0', 'running']]) {
    fs.writeFileSync(path.join(v2, 'cgroup.freeze'), `${freeze}\n`);
    t.equal(status('paused-v2'), expected, `v2 cgroup.freeze ${freeze}: ${expected}`);
  }
});

t.test('state and list: what they leave to Node', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const root = path.join(dir, 'root');
  const live = child(t, ['sleep', '30']);
  const state = path.join(root, 'c1');
  fs.mkdirSync(state, { recursive: true });
  writeSaved(state, saved({ id: 'c1', pid: live.pid!, startTime: readStat(live.pid!)!.startTime, cgroup: undefined }));
  const node = (args: string[]) => spawnSync(runts, args, { encoding: 'utf8' }).stdout === `node ran: ${args.join(' ')}\n`;
  for (const args of [
    ['--root', root, '--debug', 'state', 'c1'],
    ['--root', root, 'state', 'nosuch'],
    ['--root', root, 'state', 'c1', 'extra'],
    ['--root', root, 'list', '--format', 'yaml'],
    ['--root', root, 'list', 'extra'],
    ['--root', root, 'list', '-q', '-q'],
    ['--root', path.join(dir, 'nosuch'), 'list'],
  ]) {
    t.ok(node(args), args.slice(2).join(' '));
  }
  // A container whose record lacks what state and list print (made by an
  // older runts, or with a bundle path they would have to escape), or a
  // create under way (a directory without a record): Node, for all of list.
  fs.mkdirSync(path.join(root, 'c2-under-way'));
  t.ok(node(['--root', root, 'list']), 'a create under way');
  fs.rmdirSync(path.join(root, 'c2-under-way'));
  t.notOk(node(['--root', root, 'list']), 'without it, no Node');
  fs.writeFileSync(path.join(state, 'direct'), `runts-direct 1\npid ${live.pid}\nstarttime ${readStat(live.pid!)!.startTime}\n`);
  t.ok(node(['--root', root, 'state', 'c1']), 'a version 1 record: state');
  t.ok(node(['--root', root, 'list']), 'a version 1 record: list');
});

// --systemd-cgroup (containerd with SystemdCgroup = true, podman, docker on
// systemd hosts): the record as create writes it for a scope; start, state,
// kill and kill --all without Node, delete left to Node (it stops the unit
// over D-Bus), untouched, unless the system manager has dropped the unit
// (the stock-host VM tests that: test/e2e/systemd.test.ts).
t.test('a systemd unit\'s container: start, state, kill and kill --all without Node; delete is Node\'s', async (t) => {
  const { dir, runts } = buildLauncher(t);
  const root = path.join(dir, 'root');
  const state = path.join(root, 'sd1');
  fs.mkdirSync(state, { recursive: true });
  fs.writeFileSync(path.join(state, 'lock'), '');
  const scope = path.join(dir, 'cg', 'system.slice', 'runts-sd1.scope');
  fs.mkdirSync(scope, { recursive: true });
  fs.writeFileSync(path.join(scope, 'cgroup.freeze'), '0\n');
  const init = waitingInit(t, path.join(state, 'barrier'), 'x');
  const other = child(t, ['sleep', '30']);
  fs.writeFileSync(path.join(scope, 'cgroup.procs'), `${init.pid}\n${other.pid}\n`);
  const s = saved({ id: 'sd1', pid: init.pid!, startTime: readStat(init.pid!)!.startTime, cgroup: { path: '/system.slice/runts-sd1.scope', dirs: [scope], created: [scope], systemd: { unit: 'runts-sd1.scope', user: false } } });
  writeSaved(state, s, { version: 2, dir: scope });
  const run = (...args: string[]) => spawnSync(runts, ['--root', root, ...args], { encoding: 'utf8', timeout: 20000 });

  const st = run('state', 'sd1');
  t.same([st.status, st.stderr], [0, ''], 'state: exit 0');
  t.equal(st.stdout, JSON.stringify(toState(s, 'created'), null, 2) + '\n', 'state: created, as Node prints it');
  const started = run('start', 'sd1');
  t.same([started.status, started.stdout, started.stderr], [0, '', ''], 'start: exit 0, node did not run');
  t.notOk(fs.existsSync(path.join(state, 'barrier')), 'start: the barrier is gone');
  t.equal(JSON.parse(run('state', 'sd1').stdout).status, 'running', 'state: running');
  const deleted = run('delete', '--force', 'sd1');
  t.equal(deleted.stdout, `node ran: --root ${root} delete --force sd1\n`, 'delete --force: Node\'s (the unit is stopped over D-Bus)');
  t.ok(fs.existsSync(path.join(state, 'direct')) && fs.existsSync(scope), 'delete touched nothing');
  const hup = run('kill', '--all', 'sd1', 'HUP');
  t.same([hup.status, hup.stdout, hup.stderr], [0, '', ''], 'kill --all: exit 0, node did not run');
  t.same(await Promise.all([init, other].map(exited)), ['SIGHUP', 'SIGHUP'], 'kill --all: every process in the scope\'s cgroup got SIGHUP');
  t.equal(fs.readFileSync(path.join(scope, 'cgroup.freeze'), 'utf8'), '0', 'kill --all: the scope thawed again');
  // Stopped, but is the unit still loaded? Only the system manager's
  // transient directory says (there is none on a host without systemd).
  const unitFile = '/run/systemd/transient/runts-sd1.scope';
  if (!fs.existsSync(path.dirname(unitFile)) || fs.existsSync(unitFile)) {
    const after = run('delete', 'sd1');
    t.equal(after.stdout, `node ran: --root ${root} delete sd1\n`, `delete of the stopped container: Node's while systemd may have the unit (${fs.existsSync(path.dirname(unitFile)) ? `${unitFile} is there` : `no ${path.dirname(unitFile)}`})`);
    t.ok(fs.existsSync(path.join(state, 'direct')) && fs.existsSync(scope), 'delete touched nothing');
  }
  // A user manager's unit (rootless), or one an older record names without
  // its manager: Node's, whatever the system manager says.
  for (const line of ['systemd user runts-sd1.scope', 'systemd runts-sd1.scope']) {
    fs.writeFileSync(path.join(state, 'direct'), fs.readFileSync(path.join(state, 'direct'), 'utf8').replace(/^systemd .*$/m, line));
    const after = run('delete', 'sd1');
    t.equal(after.stdout, `node ran: --root ${root} delete sd1\n`, `delete of the stopped container, record "${line}": Node's`);
    t.ok(fs.existsSync(path.join(state, 'direct')) && fs.existsSync(scope), 'delete touched nothing');
  }

  // kill of a live one (a second container, a sleeper as its process)
  const state2 = path.join(root, 'sd2');
  fs.mkdirSync(state2);
  fs.writeFileSync(path.join(state2, 'lock'), '');
  const sleeper = child(t, ['sleep', '30']);
  writeSaved(state2, saved({ id: 'sd2', pid: sleeper.pid!, startTime: readStat(sleeper.pid!)!.startTime, cgroup: { path: '/system.slice/runts-sd2.scope', dirs: [scope], created: [scope], systemd: { unit: 'runts-sd2.scope', user: true } } }), { version: 2, dir: scope });
  const k = run('kill', 'sd2', 'USR1');
  t.same([k.status, k.stdout, k.stderr], [0, '', ''], 'kill: exit 0, node did not run');
  t.equal(await exited(sleeper), 'SIGUSR1', 'kill: the process got SIGUSR1');
});
