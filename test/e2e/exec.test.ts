// exec, terminals and seccomp, end to end: what the kernel says about the
// processes runts starts (namespaces, cgroups, status lines), and what a
// person at a terminal sees.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { makeBundle, newId, nsLink, procCmdline, procStatus, runts, RUNTS, stateDir, state, tempDir, waitFor, isAlive } from './lib';

const HERE = __dirname;

function started(t: Parameters<Parameters<typeof t.test>[1]>[0], args: string[] = ['sleep', '60'], edit?: (c: any) => void) {
  const b = makeBundle(t, { args, edit });
  const id = newId(t);
  const r = runts(['run', '--detach', '--bundle', b.dir, id]);
  t.equal(r.status, 0, 'run --detach', { stderr: r.stderr });
  const pid = state(id)!.pid!;
  return { b, id, pid };
}

function cgroupOf(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
}

t.test('exec joins every namespace and the cgroup of the container, and is not PID 1', async (t) => {
  // `runts spec` leaves the cgroup namespace out on a v1 or hybrid host (as runc's): asked for here.
  const { id, pid } = started(t, ['sleep', '60'], (c) => {
    if (!c.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' });
  });
  const dir = tempDir(t);
  const pidFile = path.join(dir, 'exec.pid');
  const r = runts(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '30']);
  t.equal(r.status, 0, 'exec --detach', { stderr: r.stderr });
  const epid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(epid > 0 && isAlive(epid), 'the pid file names a live process');
  for (const ns of ['pid', 'net', 'mnt', 'ipc', 'uts', 'cgroup']) {
    t.equal(nsLink(epid, ns), nsLink(pid, ns), `same ${ns} namespace as the container`);
    t.not(nsLink(epid, ns), nsLink('self', ns), `not the host's ${ns} namespace`);
  }
  t.equal(cgroupOf(epid), cgroupOf(pid), 'same cgroups');
  const nspid = procStatus(epid)!.NSpid.split(/\s+/);
  t.equal(nspid.length, 2, 'has a pid in the container namespace');
  t.not(nspid[1], '1', 'is not PID 1 there');
  const d = runts(['delete', '--force', id]);
  t.equal(d.status, 0, 'delete --force');
  t.ok(await waitFor(() => !isAlive(epid)), 'the exec process is gone with the container');
});

t.test('exec in the foreground: stdio, exit status, overrides', async (t) => {
  const { id } = started(t);
  let r = runts(['exec', id, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  t.equal(r.status, 7, 'exit status passed through');
  t.match(r.stdout, /^out$/m);
  t.match(r.stderr, /^err$/m);
  r = runts(['exec', '-e', 'FOO=bar', '--cwd', '/tmp', '-u', '1000:1001', '-g', '5', id, 'sh', '-c', 'echo $FOO; pwd; id -u; id -g; id -G']);
  t.equal(r.status, 0, 'exec with overrides', { stderr: r.stderr });
  t.same(r.stdout.trim().split('\n'), ['bar', '/tmp', '1000', '1001', '1001 5'], 'env, cwd, user and groups applied');
  r = runts(['exec', '--cap', 'CAP_SYS_ADMIN', id, 'grep', 'CapEff', '/proc/self/status']);
  const eff = BigInt('0x' + r.stdout.trim().split(/\s+/)[1]);
  t.ok(eff & (1n << 21n), 'CAP_SYS_ADMIN added');
  r = runts(['exec', id, 'grep', 'CapEff', '/proc/self/status']);
  t.notOk(BigInt('0x' + r.stdout.trim().split(/\s+/)[1]) & (1n << 21n), 'and not there without --cap');
  r = runts(['exec', '--no-new-privs', id, 'grep', 'NoNewPrivs', '/proc/self/status']);
  t.match(r.stdout, /NoNewPrivs:\s+1/);
  r = runts(['exec', id, 'sh', '-c', 'kill -TERM $$']);
  t.equal(r.status, 143, '128+signal when the process is killed');
  r = runts(['exec', id, 'no-such-program']);
  t.equal(r.status, 255, 'a missing program fails');
  t.match(r.stderr, /executable file not found/);
  r = runts(['exec', id, 'ps', '-o', 'stat,comm']);
  t.notMatch(r.stdout, /^Z/m, 'no zombie left in the container');
});

t.test('exec --process process.json, and validation of it', async (t) => {
  const { id } = started(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'process.json');
  fs.writeFileSync(file, JSON.stringify({ cwd: '/', user: { uid: 2, gid: 2 }, args: ['sh', '-c', 'id -u; echo $X'], env: ['X=from-file', 'PATH=/bin'] }));
  let r = runts(['exec', '--process', file, id]);
  t.equal(r.status, 0, 'exec --process', { stderr: r.stderr });
  t.same(r.stdout.trim().split('\n'), ['2', 'from-file']);
  fs.writeFileSync(file, JSON.stringify({ cwd: '/', user: { uid: 'x', gid: 2 }, args: ['true'] }));
  r = runts(['exec', '--process', file, id]);
  t.equal(r.status, 255, "exec's own failure: 255, as runc");
  t.match(r.stderr, /process\.json: \/user\/uid: must be of type integer/);
});

t.test('exec --preserve-fds passes fds 3.. to the process, and no other fd', async (t) => {
  const { id } = started(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'passed.txt');
  fs.writeFileSync(file, 'through fd 3\n');
  const pidFile = path.join(dir, 'p.pid');
  const fd = fs.openSync(file, 'r');
  const res = spawnSync(RUNTS, ['--root', stateDir(), 'exec', '--detach', '--pid-file', pidFile, '--preserve-fds', '1', id, 'sleep', '30'], { stdio: ['ignore', 'ignore', 'ignore', fd], timeout: 20000 });
  fs.closeSync(fd);
  t.equal(res.status, 0, 'exec --detach --preserve-fds 1');
  const epid = Number(fs.readFileSync(pidFile, 'utf8'));
  // exec --detach returns at the init's `notify ready`, before it closes its
  // socket and execs: list the fds once the program runs.
  t.ok(await waitFor(() => procCmdline(epid)[0] === 'sleep'), 'the program runs');
  const fds = fs.readdirSync(`/proc/${epid}/fd`).map(Number).sort((a, b) => a - b);
  t.same(fds, [0, 1, 2, 3], 'exactly stdio and the one preserved fd');
  t.equal(fs.readlinkSync(`/proc/${epid}/fd/3`), file, 'fd 3 is the file runts was given');
});

t.test('exec into a stopped container, or a paused one without --ignore-paused: errors', async (t) => {
  const { id, pid } = started(t, ['sleep', '60']);
  t.equal(runts(['pause', id]).status, 0, 'pause');
  let r = runts(['exec', id, 'true']);
  t.equal(r.status, 255, "exec's own failure: 255, as runc");
  t.match(r.stderr, /paused/);
  t.equal(runts(['resume', id]).status, 0, 'resume');
  runts(['kill', id, 'KILL']);
  t.ok(await waitFor(() => !isAlive(pid)), 'stopped');
  r = runts(['exec', id, 'true']);
  t.equal(r.status, 255);
  t.match(r.stderr, /stopped/);
});

function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import pty, socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;
}

t.test(`a terminal through a real pty: prompt, typed command, window size, Ctrl-C${hasPython() ? '' : ' # SKIP python3 with socket.recv_fds is not installed'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const b = makeBundle(t, { args: ['sh'], edit: (c) => (c.process.terminal = true) });
  const id = newId(t);
  const steps = [[1.5, 'stty size; tty\r'], [0.5, 'sleep 30\r'], [0.7, '\u0003'], [0.5, 'echo after-ctrl-$((20+1))\r'], [0.5, 'exit 4\r']];
  const res = spawnSync('python3', [path.join(HERE, 'pty-drive.py'), '33', '101', JSON.stringify(steps), '--', RUNTS, '--root', stateDir(), 'run', '--bundle', b.dir, id], { encoding: 'utf8', timeout: 30000 });
  t.match(res.stdout, /\/ # /, 'the shell prompt appears');
  t.match(res.stdout, /33 101/, 'the window size is seen inside');
  t.match(res.stdout, /\/dev\/pts\/0/, 'stdin is the container pty');
  t.match(res.stdout, /after-ctrl-21/, 'Ctrl-C interrupted sleep and the shell went on');
  t.match(res.stdout, /EXIT=4/, 'runts exits with the shell status');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'run removed the container');
});

t.test(`--console-socket receives the pty master (SCM_RIGHTS), consoleSize applied${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const b = makeBundle(t, { args: ['sh'], edit: (c) => {
    c.process.terminal = true;
    c.process.consoleSize = { height: 20, width: 70 };
  } });
  const id = newId(t);
  const sock = path.join(tempDir(t), 'console.sock');
  const receiver = spawn('python3', [path.join(HERE, 'console-receiver.py'), sock, 'stty size; ls -l /dev/console; exit\r', '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  receiver.stdout.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening')), 'receiver listening');
  const c = runts(['create', '--bundle', b.dir, '--console-socket', sock, id]);
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  t.equal(runts(['start', id]).status, 0, 'start');
  await new Promise((r) => receiver.once('exit', r));
  t.match(out, /name:\/dev\/pts\/\d+/, 'the slave name came with the fd');
  t.match(out, /20 70/, 'consoleSize');
  t.match(out, /136,\s+\d+ .*\/dev\/console/, '/dev/console is the pty');
  const bad = runts(['create', '--bundle', b.dir, newId(t)]);
  t.equal(bad.status, 1, 'terminal without --console-socket: create fails');
  t.match(bad.stderr, /console-socket/);
});

t.test('seccomp: EPERM, errnoRet, KILL and argument conditions; the filter shows in /proc', async (t) => {
  const policy = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
      { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 100 },
      { names: ['getpriority'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  const { id, pid } = started(t, ['sleep', '60'], (c) => (c.linux.seccomp = policy));
  const st = procStatus(pid)!;
  t.equal(st.Seccomp, '2', 'the container process runs in filter mode');
  t.equal(st.Seccomp_filters, '1', 'one filter');
  let r = runts(['exec', id, 'mkdir', '/tmp/x']);
  t.not(r.status, 0, 'mkdir refused');
  t.match(r.stderr, /Operation not permitted/, 'with EPERM');
  r = runts(['exec', id, 'rmdir', '/tmp']);
  t.match(r.stderr, /Network is down/, 'errnoRet 100 (ENETDOWN)');
  r = runts(['exec', id, 'sh', '-c', 'ls / >/dev/null && echo allowed']);
  t.match(r.stdout, /allowed/, 'what the filter allows still works');
  r = runts(['exec', id, 'kill', '-USR1', '1']);
  t.not(r.status, 0, 'kill(pid, SIGUSR1) matched the argument condition');
  r = runts(['exec', id, 'kill', '-CONT', '1']);
  t.equal(r.status, 0, 'kill with another signal is allowed', { stderr: r.stderr });
  r = runts(['exec', id, 'renice', '-n', '1', '-p', '1']);
  t.equal(r.status, 128 + 31, 'KILL_PROCESS kills with SIGSYS');
});

t.test('seccomp with noNewPrivileges false is still loaded', async (t) => {
  const policy = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
  const b = makeBundle(t, { args: ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /tmp/y && echo made'], edit: (c) => {
    c.process.noNewPrivileges = false;
    c.linux.seccomp = policy;
  } });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.match(r.stdout, /NoNewPrivs:\s+0/);
  t.match(r.stdout, /Seccomp:\s+2/);
  t.notMatch(r.stdout, /made/, 'mkdir refused');
});

t.test('an unknown seccomp action or flag is a validation error naming it', async (t) => {
  const b = makeBundle(t, { edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_BOGUS'] }) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /\/linux\/seccomp\/flags\/0/);
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'nothing left behind');
});

t.test(`seccomp SCMP_ACT_NOTIFY: the listener gets the fd and the state, and answers${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const dir = tempDir(t);
  const sock = path.join(dir, 'agent.sock');
  const stateFile = path.join(dir, 'state.json');
  const agent = spawn('python3', [path.join(HERE, 'seccomp-listener.py'), sock, stateFile, '28', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => agent.kill('SIGKILL'));
  let out = '';
  agent.stdout.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening')), 'agent listening');
  const b = makeBundle(t, { args: ['sh', '-c', 'mkdir /tmp/zz; echo rc=$?'], edit: (c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'hello', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
  } });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id], { timeout: 20000 });
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.match(r.stderr, /No space left on device/, 'mkdir got the errno the agent answered (ENOSPC)');
  t.ok(await waitFor(() => /syscall \d+ from \d+/.test(out)), 'the agent saw the notification');
  const st = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  t.match(st, { ociVersion: '1.3.0', fds: ['seccompFd'], metadata: 'hello', state: { id } }, 'the seccomp state came with the fd');
  t.type(st.pid, 'number');
});

t.test('socket activation: with LISTEN_FDS set, run --preserve-fds passes the fds with LISTEN_FDS and LISTEN_PID=1', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3'] });
  const file = path.join(tempDir(t), 'sock.txt');
  fs.writeFileSync(file, 'listening\n');
  const fd = fs.openSync(file, 'r');
  const res = spawnSync(RUNTS, ['--root', stateDir(), 'run', '--preserve-fds', '1', '--bundle', b.dir, newId(t)], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 20000, env: { ...process.env, LISTEN_FDS: '1' } });
  fs.closeSync(fd);
  t.equal(res.status, 0, 'run', { stderr: res.stderr });
  t.match(res.stdout, /^1 1$/m, 'LISTEN_FDS=1 LISTEN_PID=1');
  t.match(res.stdout, /listening/, 'fd 3 is the passed socket');
  const plain = spawnSync(RUNTS, ['--root', stateDir(), 'run', '--bundle', b.dir, newId(t)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 20000, env: { ...process.env, LISTEN_FDS: '' } });
  t.notMatch(plain.stdout, /^1 1$/m, 'not set without preserved fds');
});

// --pidfd-socket (runc 1.5): a receiver as containerd's shim would be gets
// one message with a pidfd, "standard" for the container's process and
// "setns" for an exec'd one, which the kernel says is that process's and
// which signals it.
function pidfdReceiver(t: Parameters<typeof tempDir>[0], kill: boolean) {
  const sock = path.join(tempDir(t), 'pidfd.sock');
  const receiver = spawn('python3', [path.join(HERE, 'pidfd-receiver.py'), sock, kill ? 'kill' : ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (receiver.exitCode === null) receiver.kill('SIGKILL');
  });
  let out = '';
  receiver.stdout.on('data', (d) => (out += d));
  const exited = new Promise((r) => receiver.once('exit', r));
  return { sock, out: () => out, exited };
}

t.test(`--pidfd-socket on create, run and exec sends the process's pidfd (SCM_RIGHTS), as runc 1.5${hasPython() ? '' : ' # SKIP no python3'}`, { skip: !hasPython() && 'no python3' }, async (t) => {
  const b = makeBundle(t);
  const id = newId(t);
  const r1 = pidfdReceiver(t, false);
  t.ok(await waitFor(() => r1.out().includes('listening')), 'receiver listening');
  const c = runts(['create', '--bundle', b.dir, '--pidfd-socket', r1.sock, id]);
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  await r1.exited;
  const pid = state(id)!.pid!;
  t.match(r1.out(), `msg:standard fds:1 pid:${pid}\n`, 'create: "standard", one fd, the container process\'s');
  t.equal(runts(['start', id]).status, 0, 'start');
  const r2 = pidfdReceiver(t, true);
  t.ok(await waitFor(() => r2.out().includes('listening')), 'receiver listening');
  const e = runts(['exec', '-d', '--pidfd-socket', r2.sock, id, 'sleep', '30']);
  t.equal(e.status, 0, 'exec -d', { stderr: e.stderr });
  await r2.exited;
  const m = /msg:setns fds:1 pid:(\d+)\n/.exec(r2.out());
  t.ok(m, `exec: "setns", one fd: ${r2.out()}`);
  const execPid = Number(m?.[1]);
  t.not(execPid, pid, 'the exec\'d process, not the container\'s');
  t.ok(r2.out().includes('killed'), 'the receiver signalled it through the pidfd');
  t.ok(await waitFor(() => !isAlive(execPid)), 'and the kernel killed the exec\'d process');
  t.ok(isAlive(pid), 'the container process lives on');
  t.equal(runts(['delete', '--force', id]).status, 0, 'delete');
  const id2 = newId(t);
  const r3 = pidfdReceiver(t, false);
  t.ok(await waitFor(() => r3.out().includes('listening')), 'receiver listening');
  const run = runts(['run', '-d', '--bundle', b.dir, '--pidfd-socket', r3.sock, id2]);
  t.equal(run.status, 0, 'run -d', { stderr: run.stderr });
  await r3.exited;
  t.match(r3.out(), `msg:standard fds:1 pid:${state(id2)!.pid}\n`, 'run: "standard", the container process\'s');
  t.equal(runts(['delete', '--force', id2]).status, 0, 'delete');
  const none = runts(['create', '--bundle', b.dir, '--pidfd-socket', path.join(tempDir(t), 'nobody.sock'), newId(t)]);
  t.equal(none.status, 1, 'a socket nobody listens on: exit 1');
  t.match(none.stderr, /^runts: --pidfd-socket \S+nobody\.sock: connect: ENOENT\n$/, 'one line naming it');
});
