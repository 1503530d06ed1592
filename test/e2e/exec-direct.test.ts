// exec without Node (native/direct/exec.c), end to end. Each exec here runs
// through a copy of bin/runts built with a stand-in for node that only says
// it ran (exit 99): an exec that reaches the process proves the C path ran
// it, and one that falls back says "node ran". What the process is comes
// from the kernel: /proc/<pid>/status, its cgroups, namespaces and fds.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { isAlive, launcherWithoutNode, makeBundle, newId, nsLink, procCmdline, procStatus, REPO, runts, state, stateDir, tempDir, waitFor } from './lib';

const HERE = __dirname;

type T = Parameters<Parameters<typeof t.test>[1]>[0];

const withoutNode = launcherWithoutNode;

function fast(bin: string, args: string[], opts: { stdio?: any[]; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(bin, ['--root', stateDir(), ...args], { encoding: 'utf8', timeout: 20000, cwd: REPO, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'], env: opts.env });
}

const SECCOMP = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };

function started(t: T, edit?: (c: any) => void) {
  const b = makeBundle(t, { args: ['sleep', '60'], edit });
  const id = newId(t);
  const r = runts(['run', '--detach', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'run --detach', { stderr: r.stderr });
  return { b, id, pid: state(id)!.pid! };
}

function processFile(t: T, proc: object): string {
  const file = path.join(tempDir(t), 'process.json');
  fs.writeFileSync(file, JSON.stringify(proc));
  return file;
}

const capBits = (line: string) => BigInt('0x' + line);

t.test('exec --process without Node: user, groups, capabilities, cwd, env, rlimits, oom_score_adj, no_new_privs and the seccomp filter, from /proc', async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t, (c) => (c.linux.seccomp = SECCOMP));
  const proc = {
    terminal: false,
    user: { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 18 },
    args: ['sh', '-c', 'cat /proc/self/status; echo "oom=$(cat /proc/self/oom_score_adj)"; echo "cwd=$(pwd)"; echo "foo=$FOO home=$HOME"; echo "nofile=$(ulimit -n)"; echo "umask=$(umask)"; mkdir /tmp/x 2>&1 || echo mkdir-refused'],
    env: ['PATH=/bin:/usr/bin', 'FOO=bar'],
    cwd: '/tmp',
    capabilities: { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] },
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }],
    noNewPrivileges: true,
    oomScoreAdj: 345,
  };
  const r = fast(bin, ['exec', '--process', processFile(t, proc), id]);
  t.equal(r.status, 0, 'exec', { stdout: r.stdout, stderr: r.stderr });
  t.notMatch(r.stdout, /node ran/, 'Node never started');
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(r.stdout)?.[1].trim();
  t.equal(field('Uid')?.split(/\s+/)[0], '1000', 'uid');
  t.equal(field('Gid')?.split(/\s+/)[0], '1001', 'gid');
  t.same(field('Groups')?.split(/\s+/), ['5', '7'], 'additional groups');
  t.equal(capBits(field('CapBnd')!), (1n << 5n) | 1n, 'bounding: CAP_KILL and CAP_CHOWN');
  for (const set of ['CapEff', 'CapPrm', 'CapInh', 'CapAmb']) t.equal(capBits(field(set)!), 1n << 5n, `${set}: CAP_KILL`);
  t.equal(field('NoNewPrivs'), '1', 'no_new_privs');
  t.equal(field('Seccomp'), '2', "the container's seccomp filter");
  t.match(r.stdout, /mkdir-refused/, 'and it refuses what it refuses');
  t.match(r.stdout, /^cwd=\/tmp$/m, 'cwd');
  t.match(r.stdout, /^foo=bar home=\/$/m, 'env, and HOME added from the container (uid 1000 has no passwd line: /)');
  t.match(r.stdout, /^nofile=321$/m, 'RLIMIT_NOFILE');
  t.match(r.stdout, /^umask=0022$/m, 'umask');
  t.match(r.stdout, /^oom=345$/m, 'oom_score_adj');
});

t.test('exec ID CMD without Node: the container\'s process with the command; exit status; HOME from /etc/passwd', async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t);
  let r = fast(bin, ['exec', id, 'sh', '-c', 'echo "home=$HOME"; echo err >&2; exit 7']);
  t.equal(r.status, 7, 'the exit status passed through', { stderr: r.stderr });
  t.match(r.stdout, /^home=\/root$/m, "root's HOME from the container's /etc/passwd");
  t.match(r.stderr, /^err$/m, 'stderr');
  r = fast(bin, ['exec', id, 'sh', '-c', 'kill -TERM $$']);
  t.equal(r.status, 128 + 15, 'killed by a signal: 128+signal');
  const log = path.join(tempDir(t), 'log.json');
  r = fast(bin, ['--log', log, '--log-format', 'json', 'exec', id, 'no-such-program']);
  t.equal(r.status, 255, "exec's own failure: 255, as runc");
  t.equal(r.stderr, 'runts: exec: unable to start container process: exec: "no-such-program": executable file not found in $PATH: /args/0\n', 'the message Node gives');
  const line = JSON.parse(fs.readFileSync(log, 'utf8'));
  t.same({ ...line, time: undefined }, { level: 'error', msg: 'exec: unable to start container process: exec: "no-such-program": executable file not found in $PATH: /args/0', time: undefined }, 'its --log line');
});

t.test('exec --detach --pid-file without Node: the process joins every namespace and the cgroups, is not PID 1', async (t) => {
  const bin = withoutNode(t);
  const { id, pid } = started(t, (c) => {
    if (!c.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' });
  });
  const pidFile = path.join(tempDir(t), 'exec.pid');
  const r = fast(bin, ['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '30']);
  t.equal(r.status, 0, 'exec --detach', { stdout: r.stdout, stderr: r.stderr });
  const epid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(epid > 0 && isAlive(epid), 'the pid file names a live process');
  t.same(procCmdline(epid), ['sleep', '30'], 'it runs the program by the time exec returns');
  // exec returns at the process's execve (the socket's EOF), not at the
  // init's `ready` before it: what the kernel says of the pid (its program,
  // its LSM label) is the program's at once (issue 32).
  const early: string[] = [];
  for (let i = 0; i < 10; i++) {
    const f = path.join(tempDir(t), `e${i}.pid`);
    // stdout and stderr not pipes: the program would hold them open
    const e = fast(bin, ['exec', '--detach', '--pid-file', f, id, 'sleep', '31'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const cmd = procCmdline(Number(fs.readFileSync(f, 'utf8'))).join(' ');
    if (e.status !== 0 || cmd !== 'sleep 31') early.push(`status ${e.status}, cmdline "${cmd}"`);
  }
  t.same(early, [], 'ten more: each runs its program when exec returns');
  for (const ns of ['pid', 'net', 'mnt', 'ipc', 'uts', 'cgroup']) t.equal(nsLink(epid, ns), nsLink(pid, ns), `same ${ns} namespace as the container`);
  t.equal(fs.readFileSync(`/proc/${epid}/cgroup`, 'utf8'), fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), 'same cgroups');
  t.not(procStatus(epid)!.NSpid.split(/\s+/)[1], '1', 'not PID 1');
});

t.test('exec --detach of a missing program, of one whose execve fails, and of a good one: the same through C, Node with the early init and Node with its own (status, message, a pid file only for a process that runs its program), runc beside', async (t) => {
  const bin = withoutNode(t);
  const { b, id } = started(t);
  fs.writeFileSync(path.join(b.rootfs, 'run.sh'), '#!/bin/bash\necho never\n', { mode: 0o755 }); // no bash in busybox
  const dir = tempDir(t);
  // stdout and stderr in files: a detached program inherits them, and a pipe would stay open while it runs
  let n = 0;
  const viaFiles = (cmd: string, args: string[]) => {
    const out = path.join(dir, `out${n}`), err = path.join(dir, `err${n++}`);
    const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
    const r = spawnSync(cmd, args, { timeout: 20000, cwd: REPO, stdio: ['ignore', fds[0], fds[1]] });
    fds.forEach((fd) => fs.closeSync(fd));
    return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  };
  // --cwd is an option the C path leaves to Node; node bin/runts.js has no early init and forks its own.
  t.match(fast(bin, ['exec', '--detach', '--cwd', '/', id, 'true']).stdout, /^node ran$/m, 'exec --detach --cwd is Node\'s');
  const paths: [string, (pidFile: string, cmd: string[]) => ReturnType<typeof viaFiles>][] = [
    ['C', (pf, cmd) => viaFiles(bin, ['--root', stateDir(), 'exec', '--detach', '--pid-file', pf, id, ...cmd])],
    ['Node, early init', (pf, cmd) => viaFiles(path.join(REPO, 'bin', 'runts'), ['--root', stateDir(), 'exec', '--detach', '--cwd', '/', '--pid-file', pf, id, ...cmd])],
    ['Node, its own init', (pf, cmd) => viaFiles(process.execPath, [path.join(REPO, 'bin', 'runts.js'), '--root', stateDir(), 'exec', '--detach', '--cwd', '/', '--pid-file', pf, id, ...cmd])],
  ];
  for (const [how, exec] of paths) {
    let pf = path.join(dir, `${n}.pid`);
    let r = exec(pf, ['no-such-program']);
    t.equal(r.status, 255, `${how}, missing program: exec's own failure, 255`);
    t.equal(r.stderr, 'runts: exec: unable to start container process: exec: "no-such-program": executable file not found in $PATH: /args/0\n', `${how}, missing program: runc's words, the field`);
    t.notOk(fs.existsSync(pf), `${how}, missing program: no pid file`);

    pf = path.join(dir, `${n}.pid`);
    r = exec(pf, ['/run.sh']);
    t.equal(r.status, 255, `${how}, execve fails: 255`);
    t.equal(r.stderr, 'exec /run.sh: no such file or directory\nrunts: exec: exec /run.sh: no such file or directory: /args/0\n', `${how}, execve fails: the process's line (runc's init's), then exec's`);
    t.notOk(fs.existsSync(pf), `${how}, execve fails: no pid file`);

    // The pid file names the program at once: exec returned at its execve, not at the init's `ready` before it.
    const early: string[] = [];
    for (let i = 0; i < 5; i++) {
      pf = path.join(dir, `${n}.pid`);
      r = exec(pf, ['sleep', '31']);
      const pid = fs.existsSync(pf) ? Number(fs.readFileSync(pf, 'utf8')) : 0;
      const cmd = pid ? procCmdline(pid).join(' ') : '';
      if (r.status !== 0 || r.stdout + r.stderr !== '' || cmd !== 'sleep 31') early.push(`status ${r.status}, cmdline "${cmd}", ${r.stdout}${r.stderr}`);
    }
    t.same(early, [], `${how}, a good program: status 0, nothing said, the pid file names it running, five times`);
  }

  if (spawnSync('runc', ['--version']).status !== 0) return t.skip('runc is not installed: no comparison');
  const rb = makeBundle(t, { args: ['sleep', '60'] });
  fs.writeFileSync(path.join(rb.rootfs, 'run.sh'), '#!/bin/bash\necho never\n', { mode: 0o755 });
  const root = tempDir(t, 'runts-e2e-runc-root-');
  const rid = `e2e-runc-${path.basename(dir).slice(-6)}`;
  t.teardown(() => void spawnSync('runc', ['--root', root, 'delete', '--force', rid]));
  t.equal(viaFiles('runc', ['--root', root, 'run', '--detach', '--bundle', rb.dir, rid]).status, 0, 'runc run --detach');
  let pf = path.join(dir, 'runc-missing.pid');
  let r = viaFiles('runc', ['--root', root, 'exec', '--detach', '--pid-file', pf, rid, 'no-such-program']);
  t.equal(r.status, 255, 'runc, missing program: 255');
  t.match(r.stderr, 'unable to start container process: exec: \\"no-such-program\\": executable file not found in $PATH', 'runc, missing program: the same words');
  t.notOk(fs.existsSync(pf), 'runc, missing program: no pid file');
  // runc 1.5 closes its pipe before the execve: a failed one is only on the process's stderr (docs/runc-differences.md)
  pf = path.join(dir, 'runc-execve.pid');
  r = viaFiles('runc', ['--root', root, 'exec', '--detach', '--pid-file', pf, rid, '/run.sh']);
  t.equal(r.status, 0, 'runc, execve fails: 0, unlike runts');
  t.equal(r.stderr, 'exec /run.sh: no such file or directory\n', 'runc, execve fails: the same line from the process');
  pf = path.join(dir, 'runc-good.pid');
  r = viaFiles('runc', ['--root', root, 'exec', '--detach', '--pid-file', pf, rid, 'sleep', '31']);
  t.equal(r.status, 0, 'runc, a good program: 0');
  t.ok(await waitFor(() => procCmdline(Number(fs.readFileSync(pf, 'utf8'))).join(' ') === 'sleep 31'), 'runc, a good program: the pid file names it');
});

t.test('exec --preserve-fds without Node: fds 3.. reach the process, and no other fd', async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'passed.txt');
  fs.writeFileSync(file, 'through fd 3\n');
  const pidFile = path.join(dir, 'p.pid');
  const fd = fs.openSync(file, 'r');
  const r = fast(bin, ['exec', '--detach', '--pid-file', pidFile, '--preserve-fds', '1', id, 'sleep', '30'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  fs.closeSync(fd);
  t.equal(r.status, 0, 'exec', { stdout: r.stdout, stderr: r.stderr });
  const epid = Number(fs.readFileSync(pidFile, 'utf8'));
  // Until it has exec'd, the init still holds its socket.
  t.ok(await waitFor(() => procCmdline(epid)[0] === 'sleep'), 'the program runs');
  t.same(fs.readdirSync(`/proc/${epid}/fd`).map(Number).sort((a, b) => a - b), [0, 1, 2, 3], 'stdio and the preserved fd');
  t.equal(fs.readlinkSync(`/proc/${epid}/fd/3`), file, 'fd 3 is the file runts was given');
});

function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import pty, socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;
}

t.test(`exec --tty --console-socket without Node: the pty master reaches the socket, consoleSize applied${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t);
  const sock = path.join(tempDir(t), 'console.sock');
  const receiver = spawn('python3', [path.join(HERE, 'console-receiver.py'), sock, 'stty size; tty; exit 3\r', '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => receiver.kill('SIGKILL'));
  let out = '';
  receiver.stdout.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening'), 60000), 'receiver listening');
  const proc = { terminal: true, consoleSize: { height: 21, width: 77 }, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'TERM=xterm'], cwd: '/' };
  const done = new Promise<number | null>((resolve) => {
    const c = spawn(bin, ['--root', stateDir(), 'exec', '--console-socket', sock, '--process', processFile(t, proc), id], { stdio: 'ignore' });
    c.once('exit', (code) => resolve(code));
  });
  const code = await done;
  await new Promise((r) => (receiver.exitCode !== null ? r(null) : receiver.once('exit', r)));
  t.equal(code, 3, 'the shell\'s exit status');
  t.match(out, /name:\/dev\/pts\/\d+/, 'the slave name came with the fd');
  t.match(out, /21 77/, 'consoleSize');
  t.match(out, /\/dev\/pts\/\d+/, 'the shell runs on the pty');
});

t.test('exec in the foreground without Node forwards signals to the process', async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t);
  const child = spawn(bin, ['--root', stateDir(), 'exec', id, 'sh', '-c', 'trap "exit 42" TERM; echo ready; while true; do sleep 0.1; done'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('ready')), 'the process runs');
  child.kill('SIGTERM');
  const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  t.equal(code, 42, 'SIGTERM reached the process, whose status is exec\'s');
});

// Whether the launcher has exec'd (its /proc/<pid>/exe is bin) and blocks
// sig now. exe first: the child Node forked blocks every signal until it
// execs, and the mask read after exe names bin is the launcher's own.
function blocks(pid: number, bin: string, sig: number): boolean {
  try {
    if (fs.readlinkSync(`/proc/${pid}/exe`) !== bin) return false;
    const blk = /^SigBlk:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return blk !== undefined && ((BigInt('0x' + blk) >> BigInt(sig - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

t.test('exec in the foreground without Node: a signal sent as soon as it can be taken, before the process is ready, reaches the process', async (t) => {
  const bin = fs.realpathSync(withoutNode(t));
  const { id } = started(t);
  for (let i = 0; i < 5; i++) {
    const child = spawn(bin, ['--root', stateDir(), 'exec', id, 'sleep', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (code, sig) => r([code, sig])));
    // At once: a synchronous loop, no timer between the check and the kill.
    const until = Date.now() + 20000;
    let held = false;
    while (!(held = blocks(child.pid!, bin, 15)) && Date.now() < until);
    child.kill('SIGTERM');
    const [code, sig] = await exited;
    t.ok(held, `run ${i}: exec held SIGTERM from its start (SigBlk in /proc/<pid>/status)`);
    t.notMatch(out, /node ran/, `run ${i}: Node never started`);
    t.same([code, sig], [128 + 15, null], `run ${i}: exec's status is the process's, killed by SIGTERM (exec itself was not killed)`, { out });
    if (!held || code !== 128 + 15) break;
  }
  t.same(procCmdline(state(id)!.pid!), ['sleep', '60'], 'the container goes on');
});

t.test('exec falls back to Node, having started nothing, for what the C path does not take', async (t) => {
  const bin = withoutNode(t);
  const { id, pid } = started(t);
  const base = { user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/' };
  const cases: [string, string[]][] = [
    ['--env', ['exec', '-e', 'A=b', id, 'true']],
    ['--user', ['exec', '-u', '1:1', id, 'true']],
    ['a terminal without --console-socket', ['exec', '-t', id, 'true']],
    ['--ignore-paused', ['exec', '--ignore-paused', id, 'true']],
    ['an AppArmor profile this host cannot apply (not enabled, or not loaded)', ['exec', '--process', processFile(t, { ...base, apparmorProfile: 'runts-e2e-not-loaded' }), id]],
    ['a malformed SELinux label', ['exec', '--process', processFile(t, { ...base, selinuxLabel: 'u:r' }), id]],
    ['an unknown field', ['exec', '--process', processFile(t, { ...base, other: 1 }), id]],
    ['a uid that is not an integer', ['exec', '--process', processFile(t, { ...base, user: { uid: 1.5, gid: 0 } }), id]],
    ['a container that does not exist', ['exec', 'no-such-container', 'true']],
  ];
  for (const [what, args] of cases) {
    const r = fast(bin, args);
    t.equal(r.status, 99, what, { stderr: r.stderr });
    t.match(r.stdout, /^node ran$/m, `${what}: Node runs it`);
  }
  t.ok(isAlive(pid), 'the container is untouched');
  runts(['kill', id, 'KILL']);
  t.ok(await waitFor(() => !isAlive(pid)), 'stopped');
  const r = fast(bin, ['exec', id, 'true']);
  t.equal(r.status, 99, 'a stopped container: Node says so');
});

// What containerd's shim (go-runc) and podman's conmon run, logged from
// test/e2e/engines.test.ts: the argument orders and a process.json of each.
const ENGINE_CAPS = ['CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];
const engineProcess = (args: string[], terminal: boolean) => ({
  terminal,
  user: { uid: 0, gid: 0, additionalGids: [0] },
  args,
  env: ['container=podman', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'HOME=/root'],
  cwd: '/',
  capabilities: { bounding: ENGINE_CAPS, effective: ENGINE_CAPS, permitted: ENGINE_CAPS },
  rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }, { type: 'RLIMIT_NPROC', hard: 1024, soft: 1024 }],
  noNewPrivileges: true,
});

t.test(`exec exactly as engines send it takes the C path: containerd's shim and conmon, with and without a terminal${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const bin = withoutNode(t);
  const { id, pid } = started(t, (c) => (c.linux.seccomp = SECCOMP));
  const dir = tempDir(t);
  const log = path.join(dir, 'log.json');
  const plain = processFile(t, engineProcess(['sleep', '30'], false));
  const tty = processFile(t, engineProcess(['sleep', '30'], true));
  const forms: [string, (pidFile: string, sock: string) => string[], boolean][] = [
    ['containerd', (p) => ['--log', log, '--log-format', 'json', 'exec', '--process', plain, '--detach', '--pid-file', p, id], false],
    ['containerd -t', (p, s) => ['--log', log, '--log-format', 'json', 'exec', '--process', tty, '--console-socket', s, '--detach', '--pid-file', p, id], true],
    ['conmon', (p) => ['exec', '--pid-file', p, '--process', plain, '--detach', id], false],
    ['conmon -t', (p, s) => ['exec', '--pid-file', p, '--process', tty, '--detach', '--tty', '--console-socket', s, id], true],
  ];
  for (const [engine, argv, terminal] of forms) {
    const pidFile = path.join(dir, `${engine.replace(/\W/g, '')}.pid`);
    const sock = path.join(dir, `${engine.replace(/\W/g, '')}.sock`);
    let out = '';
    if (terminal) {
      const receiver = spawn('python3', [path.join(HERE, 'console-receiver.py'), sock, '', '30'], { stdio: ['ignore', 'pipe', 'inherit'] });
      t.teardown(() => receiver.kill('SIGKILL'));
      receiver.stdout.on('data', (d) => (out += d));
      t.ok(await waitFor(() => out.includes('listening'), 60000), `${engine}: console receiver listening`);
    }
    const r = fast(bin, argv(pidFile, sock));
    t.equal(r.status, 0, `${engine}: exec`, { stdout: r.stdout, stderr: r.stderr });
    t.notMatch(r.stdout, /node ran/, `${engine}: Node never started`);
    const epid = Number(fs.readFileSync(pidFile, 'utf8'));
    t.ok(await waitFor(() => procCmdline(epid)[0] === 'sleep'), `${engine}: the program runs`);
    const st = procStatus(epid)!;
    t.equal(BigInt('0x' + st.CapBnd), 0xa80425fbn, `${engine}: the 14 capabilities`);
    t.equal(st.NoNewPrivs, '1', `${engine}: no_new_privs`);
    t.equal(st.Seccomp, '2', `${engine}: the container's seccomp filter`);
    t.equal(nsLink(epid, 'pid'), nsLink(pid, 'pid'), `${engine}: the container's pid namespace`);
    if (terminal) {
      t.ok(await waitFor(() => /name:\/dev\/pts\/\d+/.test(out)), `${engine}: the pty master reached the console socket`);
      t.match(fs.readlinkSync(`/proc/${epid}/fd/0`), /^\/dev\/pts\/\d+$/, `${engine}: the process runs on the pty`);
    }
    process.kill(epid, 'SIGKILL');
  }
});

// Issue 30: a foreground exec --pidfd-socket of a program that exits at once
// used to fail with ESRCH now and then (the pidfd was opened from the host
// after the process could be reaped). The process now waits until runts has
// sent it. Many times, through the C path and through Node's.
t.test(`exec --pidfd-socket of /bin/true: the pidfd is always sent, through C and through Node${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const bin = withoutNode(t);
  const { id } = started(t);
  const sock = path.join(tempDir(t), 'pidfd.sock');
  const receiver = spawn('python3', [path.join(HERE, 'pidfd-receiver.py'), sock, 'loop'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => receiver.kill('SIGKILL'));
  let out = '';
  receiver.stdout.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening'), 60000), 'receiver listening');
  const N = 25;
  const paths: [string, () => { status: number | null; stdout: string; stderr: string }][] = [
    ['C', () => fast(bin, ['exec', '--pidfd-socket', sock, id, '/bin/true'])],
    // --cwd is an option the C path leaves to Node
    ['Node', () => runts(['exec', '--cwd', '/', '--pidfd-socket', sock, id, '/bin/true'])],
  ];
  for (const [how, run] of paths) {
    const failures: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = run();
      if (r.status !== 0 || /node ran/.test(r.stdout)) failures.push(`status ${r.status}: ${r.stdout}${r.stderr}`);
    }
    t.same(failures, [], `${how}: ${N} execs of /bin/true with --pidfd-socket, each exit 0`);
  }
  t.ok(await waitFor(() => (out.match(/^msg:setns fds:1$/gm) ?? []).length === 2 * N), `the receiver got ${2 * N} pidfds, each "setns"`, { out });
});
