// Issue 34: where runc 1.1.5 works (or refuses) in a way callers can see,
// runts does the same. Each test is one scenario of the issue, checked by
// what the kernel and the container say.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { makeBundle, newId, runts, state, tempDir, isOneLineError, isAlive, v1Mount, waitFor, cgroupDirs, writeConfig } from './lib';

t.test('process.user {"uid":0} without gid runs as 0:0, as in runc', async (t) => {
  const b = makeBundle(t, { args: ['id'], edit: (c) => (c.process.user = { uid: 0 }) });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/);
});

t.test('exec --process without user runs as 0:0; without args it is refused naming /args', async (t) => {
  const b = makeBundle(t, { edit: (c) => (c.process.user = { uid: 1000, gid: 1000 }) });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ args: ['id'], cwd: '/' }));
  const r = runts(['exec', '--process', path.join(dir, 'p.json'), id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/);
  fs.writeFileSync(path.join(dir, 'q.json'), JSON.stringify({ cwd: '/' }));
  const bad = runts(['exec', '--process', path.join(dir, 'q.json'), id]);
  t.not(bad.status, 0);
  t.match(bad.stderr, /\/args: must not be empty/);
  t.ok(isOneLineError(bad.stderr), bad.stderr);
});

t.test('a rootfs whose /proc is a symlink is refused (CVE-2019-19921), nothing mounted where it points', async (t) => {
  for (const target of ['/elsewhere', '/nowhere']) {
    const b = makeBundle(t, { args: ['true'] });
    fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true, force: true });
    if (target === '/elsewhere') fs.mkdirSync(path.join(b.rootfs, 'elsewhere'));
    fs.symlinkSync(target, path.join(b.rootfs, 'proc'));
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, 1, `${target}: refused`);
    t.ok(isOneLineError(r.stderr), r.stderr);
    if (target === '/elsewhere') t.match(r.stderr, /filesystem "proc" must be mounted on ordinary directory/);
    t.equal(state(id), undefined, 'no container left');
    if (target === '/elsewhere') t.same(fs.readdirSync(path.join(b.rootfs, 'elsewhere')), [], 'nothing in the link target');
  }
});

// A cgroup made by the test itself, under the freezer or pids hierarchy
// (v1 here) or the v2 tree: removed in teardown after its processes.
function ownCgroup(t: Test, controller: string): { rel: string; dir: string } | undefined {
  const mount = v1Mount(controller) ?? (fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : undefined);
  if (!mount) return undefined;
  const rel = `/runts-e2e-pre-${randomBytes(4).toString('hex')}`;
  const dir = path.join(mount, rel);
  fs.mkdirSync(dir);
  t.teardown(() => {
    for (let i = 0; i < 50; i++) {
      try {
        fs.rmdirSync(dir);
        return;
      } catch {
        spawnSync('sleep', ['0.1']);
      }
    }
  });
  return { rel, dir };
}

t.test('run -d into a pre-existing frozen cgroup is refused at once, in runc\'s words, nothing left', async (t) => {
  const cg = ownCgroup(t, 'freezer');
  if (!cg) return t.skip('no freezer hierarchy on this host');
  const v1 = fs.existsSync(path.join(cg.dir, 'freezer.state'));
  fs.writeFileSync(path.join(cg.dir, v1 ? 'freezer.state' : 'cgroup.freeze'), v1 ? 'FROZEN' : '1');
  t.teardown(() => fs.writeFileSync(path.join(cg.dir, v1 ? 'freezer.state' : 'cgroup.freeze'), v1 ? 'THAWED' : '0'));
  const b = makeBundle(t, { edit: (c) => (c.linux.cgroupsPath = cg.rel) });
  const id = newId(t);
  const r = runts(['run', '-d', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'refused');
  t.equal(r.signal, null, 'returned by itself (not killed by the test\'s timeout)');
  t.match(r.stderr, /container's cgroup unexpectedly frozen/);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.equal(state(id), undefined, 'no container');
  t.same(fs.readFileSync(path.join(cg.dir, 'cgroup.procs'), 'utf8'), '', 'nothing joined the cgroup');
});

t.test('create into a cgroup that has processes is refused: "container\'s cgroup is not empty" (runc 1.5)', async (t) => {
  const cg = ownCgroup(t, 'pids');
  if (!cg) return t.skip('no pids hierarchy on this host');
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => other.kill('SIGKILL'));
  fs.writeFileSync(path.join(cg.dir, 'cgroup.procs'), String(other.pid));
  const b = makeBundle(t, { edit: (c) => (c.linux.cgroupsPath = cg.rel) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'refused');
  t.match(r.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
  t.equal(state(id), undefined, 'no container');
  t.ok(isAlive(other.pid!), 'the other process is untouched');
  t.same(fs.readFileSync(path.join(cg.dir, 'cgroup.procs'), 'utf8').trim(), String(other.pid), 'still alone in its cgroup');
});

// The agent (seccomp-listener.py) answers every notification with EPERM.
async function withAgent(t: Test): Promise<{ sock: string; seen: () => string }> {
  const dir = tempDir(t);
  const sock = path.join(dir, 'agent.sock');
  const agent = spawn('python3', [path.join(__dirname, 'seccomp-listener.py'), sock, path.join(dir, 'state.json'), '1', '15'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => agent.kill('SIGKILL'));
  let out = '';
  agent.stdout!.on('data', (d) => (out += d));
  await waitFor(() => out.includes('listening'));
  return { sock, seen: () => out };
}

const python = spawnSync('python3', ['-c', 'import socket; socket.recv_fds']).status === 0;
t.test(`seccomp SCMP_ACT_NOTIFY on the init's own syscalls never deadlocks it, with and without no_new_privs${python ? '' : ' # SKIP no python3 with socket.recv_fds'}`, { skip: !python }, async (t) => {
  // read: the init reads after loading the filter (runc fails the same way,
  // with the agent's errno); sendmsg, recvfrom, close: it gets through.
  for (const nnp of [false, true]) {
    for (const [name, ok] of [['read', false], ['sendmsg', true], ['recvfrom', true], ['close', true]] as const) {
      const agent = await withAgent(t);
      const b = makeBundle(t, { args: ['true'], edit: (c) => {
        c.process.noNewPrivileges = nnp;
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.sock, syscalls: [{ names: [name], action: 'SCMP_ACT_NOTIFY' }] };
      } });
      const id = newId(t);
      const r = runts(['run', '--bundle', b.dir, id], { timeout: 15000 });
      t.equal(r.signal, null, `${name}, nnp ${nnp}: returned by itself`);
      if (ok) t.equal(r.status, 0, `${name}, nnp ${nnp}: runs: ${r.stderr}`);
      else {
        t.equal(r.status, 1, `${name}, nnp ${nnp}: fails`);
        t.match(r.stderr, /failed to connect with seccomp agent/);
        t.ok(await waitFor(() => /syscall \d+ from/.test(agent.seen())), 'the agent had the fd and answered');
      }
    }
  }
});

t.test('a seccomp agent that is not there: "failed to connect with seccomp agent", naming the field', async (t) => {
  const sock = path.join(tempDir(t), 'none.sock');
  const b = makeBundle(t, { args: ['true'], edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }) });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /failed to connect with seccomp agent specified in the seccomp profile: \/linux\/seccomp\/listenerPath/);
  t.equal(state(id), undefined);
});

t.test('an unknown command fails with runc\'s "No help topic" and status 3, -h and help <it> too', async (t) => {
  for (const args of [['foo'], ['foo', '-h'], ['help', 'foo']]) {
    const r = runts(args);
    t.equal(r.status, 3, args.join(' '));
    t.match(r.stderr, /No help topic for 'foo'/);
    t.equal(r.stdout, '', 'no help printed');
  }
});

t.test('kill <id> 0 checks liveness: 0 while it runs, "container not running" once stopped', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '60'] });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  const pid = state(id)!.pid!;
  const r = runts(['kill', id, '0']);
  t.equal(r.status, 0, r.stderr);
  t.ok(isAlive(pid), 'signal 0 sent nothing');
  t.equal(runts(['kill', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'stopped');
  const dead = runts(['kill', id, '0']);
  t.equal(dead.status, 1);
  t.match(dead.stderr, /container not running/);
});

t.test('ps of a stopped container prints an empty list, as runc', async (t) => {
  const b = makeBundle(t, { args: ['true'] });
  const id = newId(t);
  t.equal(runts(['run', '--keep', '--bundle', b.dir, id]).status, 0);
  t.equal(state(id)?.status, 'stopped');
  const table = runts(['ps', id]);
  t.equal(table.status, 0, table.stderr);
  t.match(table.stdout, /^UID\s+PID/, 'the header');
  t.equal(table.stdout.trim().split('\n').length, 1, 'and no process');
  const json = runts(['ps', '--format', 'json', id]);
  t.equal(json.status, 0, json.stderr);
  t.same(JSON.parse(json.stdout), []);
});

t.test('exec\'s own failures exit 255 (paused container, --pid-file in a missing directory), the process\'s status otherwise', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '60'] });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  t.equal(runts(['exec', id, 'sh', '-c', 'exit 7']).status, 7, 'the process\'s status');
  t.equal(runts(['pause', id]).status, 0);
  const paused = runts(['exec', id, 'true']);
  t.equal(paused.status, 255, paused.stderr);
  t.match(paused.stderr, /paused/);
  t.equal(runts(['resume', id]).status, 0);
  const pidFile = runts(['exec', '--pid-file', path.join(tempDir(t), 'no', 'dir', 'pid'), id, 'true']);
  t.equal(pidFile.status, 255, pidFile.stderr);
  t.match(pidFile.stderr, /pid-file/);
});

t.test('runts spec: a cgroup namespace only on a cgroup v2 host, as runc spec', async (t) => {
  const dir = tempDir(t);
  t.equal(runts(['spec'], { cwd: dir }).status, 0);
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  t.equal(c.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup'), v2, v2 ? 'v2 host: present' : 'v1 or hybrid host: absent');
});

t.test('a device rule with access "rwa" is taken as "rw", as runc does, with a warning naming it', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '30'], edit: (c) => (c.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'rwa' }]) });
  const id = newId(t);
  const r = runts(['run', '-d', '--bundle', b.dir, id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /\/linux\/resources\/devices\/1\/access: ignoring "a"/);
  const devices = v1Mount('devices');
  if (devices) {
    const list = fs.readFileSync(path.join(devices, 'runts', id, 'devices.list'), 'utf8');
    t.match(list, /^c 1:11 rw$/m, 'the kernel has c 1:11 (kmsg) rw');
  }
});

t.test('process env: a variable given twice is set once with its last value; an empty HOME comes from /etc/passwd', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'env'], edit: (c) => {
    c.process.env = ['PATH=/bin:/usr/bin', 'A=first', 'HOME=', 'A=last'];
    c.process.user = { uid: 0, gid: 0 };
  } });
  fs.writeFileSync(path.join(b.rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root-home:/bin/sh\n');
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.filter((l) => l.startsWith('A=')), ['A=last'], 'A once, the last value');
  t.same(lines.filter((l) => l.startsWith('HOME=')), ['HOME=/root-home'], 'HOME from the container\'s /etc/passwd');
});

t.test('exec --cap raises it in bounding, effective and permitted, not inheritable or ambient, as runc', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '30'] });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  const r = runts(['exec', '--cap', 'CAP_SYS_ADMIN', id, 'grep', '^Cap', '/proc/self/status']);
  t.equal(r.status, 0, r.stderr);
  const caps = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s+/)).map(([k, v]) => [k, BigInt('0x' + v)]));
  const bit = 1n << 21n; // CAP_SYS_ADMIN
  for (const set of ['CapBnd', 'CapEff', 'CapPrm']) t.ok(caps[set] & bit, `${set} has CAP_SYS_ADMIN`);
  for (const set of ['CapInh', 'CapAmb']) t.notOk(caps[set] & bit, `${set} has not`);
});

t.test('hooks in the container: createContainer runs from the rootfs; without env of their own they get the process\'s PATH only (runc 1.5)', async (t) => {
  const out = tempDir(t);
  const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `pwd > ${out}/${name}.cwd; env > ${out}/${name}.env`] });
  const b = makeBundle(t, { args: ['true'], edit: (c) => {
    c.process.env = ['PATH=/bin:/sbin', 'SECRET=process-only'];
    c.hooks = { createContainer: [hook('createContainer')], startContainer: [hook('startContainer')] };
    // The hooks write to the host's directory: bind it at the same path.
    c.mounts.push({ destination: out, type: 'bind', source: out, options: ['rbind', 'rw'] });
  } });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(fs.readFileSync(path.join(out, 'createContainer.cwd'), 'utf8').trim(), fs.realpathSync(b.rootfs), 'createContainer: the rootfs');
  for (const name of ['createContainer', 'startContainer']) {
    const env = fs.readFileSync(path.join(out, `${name}.env`), 'utf8');
    t.match(env, /^PATH=\/bin:\/sbin$/m, `${name}: the process's PATH`);
    t.notMatch(env, /SECRET/, `${name}: nothing else of process.env`);
  }
});

t.test('a seccomp profile denying what runts used to call after loading it (sigaction, stat, faccessat): the container runs, as with runc', async (t) => {
  // Without no_new_privs the filter comes before the user and capabilities
  // are set, in runc too (whose stat of /dev/null then fails): signals only.
  for (const nnp of [true, false]) {
    const names = nnp ? ['rt_sigaction', 'rt_sigprocmask', 'newfstatat', 'faccessat', 'faccessat2'] : ['rt_sigaction', 'rt_sigprocmask'];
    const b = makeBundle(t, { args: ['/bin/true'], edit: (c) => {
      c.process.noNewPrivileges = nnp;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names, action: 'SCMP_ACT_ERRNO', errnoRet: 6 }] };
    } });
    const r = runts(['run', '--bundle', b.dir, newId(t)]);
    t.equal(r.status, 0, `no_new_privs ${nnp}: ${r.stderr}`);
  }
});

t.test('a seccomp KILL_PROCESS rule on close_range: the container and its startContainer hook run, with and without no_new_privs, as with runc', { skip: spawnSync('runc', ['--version']).status !== 0 && 'runc is not installed' }, async (t) => {
  // The init used to mark its fds close-on-exec (close_range) after
  // loading the filter; it now does that before, as runc's init.
  for (const nnp of [true, false]) {
    const edit = (c: Config) => {
      c.process.noNewPrivileges = nnp;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_KILL_PROCESS' }] };
      c.hooks = { startContainer: [{ path: '/bin/true' }] };
    };
    const b = makeBundle(t, { args: ['echo', 'ran'], edit });
    const r = runts(['run', '--bundle', b.dir, newId(t)]);
    t.equal(r.status, 0, `runts, no_new_privs ${nnp}: ${r.stderr}`);
    t.equal(r.stdout, 'ran\n', `runts, no_new_privs ${nnp}: the program ran`);
    const rb = makeBundle(t, { args: ['echo', 'ran'], edit });
    const root = tempDir(t, 'runts-e2e-runc-root-');
    const id = `e2e-runc-${randomBytes(4).toString('hex')}`;
    t.teardown(() => void spawnSync('runc', ['--root', root, 'delete', '--force', id]));
    const x = spawnSync('runc', ['--root', root, 'run', '--bundle', rb.dir, id], { encoding: 'utf8', timeout: 20000 });
    t.equal(x.status, 0, `runc, no_new_privs ${nnp}: ${x.stderr}`);
    t.equal(x.stdout, 'ran\n', `runc, no_new_privs ${nnp}: the program ran`);
  }
});

t.test('a program without the exec bit for the user runs when CAP_DAC_OVERRIDE lets it (as execve decides)', async (t) => {
  const caps = ['CAP_DAC_OVERRIDE'];
  const b = makeBundle(t, { args: ['/only-root/echo', 'ran'], edit: (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
  } });
  fs.mkdirSync(path.join(b.rootfs, 'only-root'), { mode: 0o755 });
  fs.copyFileSync(path.join(b.rootfs, 'bin', 'busybox'), path.join(b.rootfs, 'only-root', 'echo'));
  fs.chmodSync(path.join(b.rootfs, 'only-root', 'echo'), 0o700);
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'ran');
});

t.test('foreground run -t: the pty has ONLCR off, as runc, so lines arrive as the program wrote them', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'echo a; echo b'], edit: (c) => (c.process.terminal = true) });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'a\nb\n', JSON.stringify(r.stdout));
});

t.test('a cwd only root may enter works for another user: runts changes into it before dropping privileges, as runc', async (t) => {
  const b = makeBundle(t, { args: ['/bin/pwd'], edit: (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.cwd = '/root-only';
  } });
  fs.mkdirSync(path.join(b.rootfs, 'root-only'), { mode: 0o700 });
  fs.chmodSync(path.join(b.rootfs, 'root-only'), 0o700);
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '/root-only');
  // A cwd that cannot be a directory still fails, in one line.
  const bad = makeBundle(t, { args: ['true'], edit: (c) => (c.process.cwd = '/etc/passwd') });
  const br = runts(['run', '--bundle', bad.dir, newId(t)]);
  t.equal(br.status, 1);
  t.ok(isOneLineError(br.stderr), br.stderr);
});

t.test('the pty is the process\'s user\'s with the devpts group (gid 5, tty), as runc, for run and exec', async (t) => {
  const b = makeBundle(t, { args: ['sh', '-c', 'stat -c "%u %g" $(tty)'], edit: (c) => {
    c.process.terminal = true;
    c.process.user = { uid: 1000, gid: 1000 };
  } });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '1000 5', 'run -t');
  const d = makeBundle(t, { args: ['sleep', '30'] });
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', d.dir, id]).status, 0);
  const e = runts(['exec', '-t', '--user', '1000:1000', id, 'sh', '-c', 'stat -c "%u %g" $(tty)']);
  t.equal(e.status, 0, e.stderr);
  t.equal(e.stdout.trim(), '1000 5', 'exec -t');
});

t.test('a process killed before it is ready (seccomp KILL_PROCESS on capset) fails run at once: "container process is already dead: signal: bad system call", nothing left', async (t) => {
  // It used to hang: the waiter shares create's socket and waited for the
  // lock create holds, create for the EOF the waiter never gave.
  const b = makeBundle(t, { args: ['true'], edit: (c) => {
    c.process.noNewPrivileges = false;
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['capset'], action: 'SCMP_ACT_KILL_PROCESS' }] };
  } });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.signal, null, 'returned by itself (not killed by the test\'s timeout)');
  t.equal(r.status, 1, r.stderr);
  t.match(r.stderr, /container process is already dead: signal: bad system call/);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.equal(state(id), undefined, 'no container');
  for (const dir of cgroupDirs(id)) t.notOk(fs.existsSync(dir), `no ${dir}`);
});

t.test('detached: a process killed before it is ready fails create and run -d in runc\'s words, with how it died; nothing left', async (t) => {
  // No waiter here: the reaper holds the process until "ready" and says how
  // it ended (runc's run -d says "container process is already dead").
  for (const args of [['create'], ['run', '-d']]) {
    const b = makeBundle(t, { args: ['true'], edit: (c) => {
      c.process.noNewPrivileges = false;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['capset'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    } });
    const id = newId(t);
    const r = runts([...args, '--bundle', b.dir, id]);
    t.equal(r.status, 1, `${args.join(' ')}: fails`);
    t.match(r.stderr, /^runts: create: container process is already dead: signal: bad system call$/m, `${args.join(' ')}: ${r.stderr}`);
    t.ok(isOneLineError(r.stderr), r.stderr);
    t.equal(state(id), undefined, 'no container');
    for (const dir of cgroupDirs(id)) t.notOk(fs.existsSync(dir), `no ${dir}`);
  }
  // A process that lives on is not held: create returns and start runs it.
  const b = makeBundle(t, { args: ['true'] });
  const id = newId(t);
  t.equal(runts(['create', '--bundle', b.dir, id]).status, 0, 'a healthy create');
  const pid = state(id)!.pid;
  const parent = () => {
    const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
    return fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
  };
  // The reaper exits as soon as it reads "ready" (no timing asserted: a bound).
  t.ok(await waitFor(() => !/runts-init/.test(parent()), 10000), `the reaper let go of it (parent: ${parent()})`);
  t.equal(runts(['start', id]).status, 0, 'start runs it');
});

t.test('a failing hook\'s stdout and stderr are in the error, as runc reports them, in and out of the container, under run -t too', async (t) => {
  for (const kind of ['prestart', 'createContainer', 'startContainer']) {
    for (const terminal of [false, true]) {
      const b = makeBundle(t, { args: ['true'], edit: (c) => {
        c.process.terminal = terminal;
        c.hooks = { [kind]: [{ path: '/bin/sh', args: ['sh', '-c', 'echo out-of-hook; echo err-of-hook >&2; exit 3'] }] };
      } });
      const id = newId(t);
      const r = runts(['run', '--bundle', b.dir, id]);
      t.equal(r.status, 1, `${kind}, -t ${terminal}: fails`);
      t.match(r.stderr, `runts: ${kind === 'startContainer' ? 'start' : 'create'}: error running ${kind} hook #0: /hooks/${kind}/0 (/bin/sh): exit status 3, stdout: out-of-hook, stderr: err-of-hook`, `${kind}, -t ${terminal}: runc's words, what the hook wrote`);
      t.equal(state(id), undefined, 'no container');
    }
  }
});

t.test('a failing hook of each kind: stderr word for word, "error running <kind> hook" once (the init\'s line for startContainer as runc\'s init prints its own)', async (t) => {
  const said = (kind: string) => `error running ${kind} hook #0: /hooks/${kind}/0 (/bin/sh): exit status 3, stdout: out-of-hook, stderr: err-of-hook`;
  const expected: Record<string, [number, string]> = {
    prestart: [1, `runts: create: ${said('prestart')}\n`],
    createRuntime: [1, `runts: create: ${said('createRuntime')}\n`],
    createContainer: [1, `runts: create: ${said('createContainer')}\n`],
    // The init's own line (its stderr is run's), then start's.
    startContainer: [1, `runts-init: ${said('startContainer')}\nrunts: start: ${said('startContainer')}\n`],
    poststart: [0, `runts: warning: ${said('poststart')}\n`],
    poststop: [0, `runts: warning: ${said('poststop')}\n`],
  };
  const failing = { path: '/bin/sh', args: ['sh', '-c', 'echo out-of-hook; echo err-of-hook >&2; exit 3'] };
  for (const [kind, [status, stderr]] of Object.entries(expected)) {
    const b = makeBundle(t, { args: ['true'], edit: (c) => (c.hooks = { [kind]: [failing] }) });
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, status, `${kind}: exit ${status}`);
    t.equal(r.stderr, stderr, `${kind}: the whole stderr`);
    t.equal(state(id), undefined, `${kind}: no container`);
  }
  // create, then start: the init's line is on the container's stderr (create's), alone.
  const b = makeBundle(t, { args: ['true'], edit: (c) => (c.hooks = { startContainer: [failing] }) });
  const id = newId(t);
  const c = runts(['create', '--bundle', b.dir, id]);
  t.equal(c.status, 0, c.stderr);
  const s = runts(['start', id]);
  t.equal(s.status, 1, 'start fails');
  t.equal(s.stderr, `runts: start: ${said('startContainer')}\n`, 'start says it once');
  t.ok(await waitFor(() => state(id)?.status === 'stopped'), 'the init is gone');
  t.equal(fs.readFileSync(c.errFile, 'utf8'), `runts-init: ${said('startContainer')}\n`, 'the container\'s stderr: the init\'s line');
  if (spawnSync('runc', ['--version']).status !== 0) return t.skip('runc is not installed: no comparison');
  // runc's init prints its error alone (Go's err, "error running hook #0: ..." in 1.1, "error running startContainer hook #0: ..." in 1.5).
  const rb = makeBundle(t, { args: ['true'], edit: (c) => (c.hooks = { startContainer: [failing] }) });
  const root = tempDir(t, 'runts-e2e-runc-root-');
  const rid = `e2e-runc-${randomBytes(4).toString('hex')}`;
  t.teardown(() => void spawnSync('runc', ['--root', root, 'delete', '--force', rid]));
  const x = spawnSync('runc', ['--root', root, 'run', '--bundle', rb.dir, rid], { encoding: 'utf8', timeout: 20000 });
  t.not(x.status, 0, 'runc fails too');
  t.match(x.stderr, /^error running (startContainer )?hook #0: /, `runc's init: "error running" once, first (${JSON.stringify(x.stderr)})`);
  t.notMatch(x.stderr, /error error/, 'runc never doubles it');
});

t.test('a hook that succeeds writes nowhere the container\'s caller sees (runc keeps hooks\' output for errors only)', async (t) => {
  const hook = { path: '/bin/sh', args: ['sh', '-c', 'echo hook-out; echo hook-err >&2'] };
  const b = makeBundle(t, { args: ['echo', 'main'], edit: (c) => (c.hooks = { createContainer: [hook], startContainer: [hook], prestart: [hook] }) });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'main\n');
  t.notMatch(r.stderr, /hook-/);
});

t.test('a startContainer hook killed by seccomp: "signal: bad system call" in the error, as runc', async (t) => {
  const b = makeBundle(t, { args: ['/bin/true'], edit: (c) => {
    c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] };
    c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'mkdir /tmp/foo'] }] };
  } });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /error running startContainer hook #0: \/hooks\/startContainer\/0 \(\/bin\/sh\): signal: bad system call/);
  t.equal(state(id), undefined, 'no container');
});

t.test('a program that is missing or cannot run: runc\'s words (and its "exec /run.sh: no such file or directory" on the process\'s stderr), the field after them, for run and exec', async (t) => {
  const b = makeBundle(t, { args: ['sleep', '60'] });
  fs.writeFileSync(path.join(b.rootfs, 'run.sh'), '#!/bin/bash\necho never\n', { mode: 0o755 }); // no bash in busybox
  fs.writeFileSync(path.join(b.rootfs, 'garbage'), 'not a program\n', { mode: 0o755 });
  fs.writeFileSync(path.join(b.rootfs, 'noexec'), 'x', { mode: 0o644 });
  const cases: [string, RegExp, boolean][] = [
    // looked up while create or exec can still say so
    ['/missing', /unable to start container process: exec: "\/missing": stat \/missing: no such file or directory: /, false],
    ['missing', /unable to start container process: exec: "missing": executable file not found in \$PATH: /, false],
    ['/noexec', /unable to start container process: exec: "\/noexec": permission denied: /, false],
    ['/etc', /unable to start container process: exec: "\/etc": permission denied: /, false],
    // execve itself fails: runc's init prints this line and exits 255
    ['/run.sh', /^exec \/run.sh: no such file or directory$/m, true],
    ['/garbage', /^exec \/garbage: exec format error$/m, true],
  ];
  for (const [prog, words, late] of cases) {
    writeConfig(b, (c) => (c.process.args = [prog]));
    const id = newId(t);
    const r = runts(['run', '--bundle', b.dir, id]);
    t.equal(r.status, 1, `run ${prog}: fails`);
    t.match(r.stderr, words, `run ${prog}: runc's words`);
    if (late) t.match(r.stderr, new RegExp(`runts: start: exec ${prog}: .*: /process/args/0$`, 'm'), `run ${prog}: and start says it, with the field`);
    else t.match(r.stderr, /: \/process\/args\/0\n$/, `run ${prog}: the field after them`);
    t.equal(state(id), undefined, 'no container');
  }
  writeConfig(b, (c) => (c.process.args = ['sleep', '60']));
  const id = newId(t);
  t.equal(runts(['run', '-d', '--bundle', b.dir, id]).status, 0);
  for (const [prog, words, late] of cases) {
    const r = runts(['exec', id, prog]);
    t.equal(r.status, 255, `exec ${prog}: 255 (runts's failure, or the process's status as runc 1.5's init exits)`);
    t.match(r.stderr, words, `exec ${prog}: runc's words`);
    if (!late) t.match(r.stderr, /: \/args\/0\n$/, `exec ${prog}: the field after them`);
  }
});

const HERE = __dirname;

t.test(`with a user namespace, the console socket is connected from the host's side: one in a 0700 root-owned directory works, as with runc${python ? '' : ' # SKIP no python3 with socket.recv_fds'}`, { skip: !python }, async (t) => {
  const b = makeBundle(t, { args: ['sh'], edit: (c) => {
    c.process.terminal = true;
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  } });
  const dir = tempDir(t, 'runts-e2e-console-', 0o700);
  t.equal(fs.statSync(dir).mode & 0o777, 0o700, 'the socket\'s directory is 0700');
  const sock = path.join(dir, 'console.sock');
  const receiver = spawn('python3', [path.join(HERE, 'console-receiver.py'), sock, 'echo in-userns-$((20+1)); id -u; exit\r', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => receiver.kill('SIGKILL'));
  let out = '';
  receiver.stdout!.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening'), 30000), 'receiver listening');
  const id = newId(t);
  const c = runts(['create', '--bundle', b.dir, '--console-socket', sock, id]);
  t.equal(c.status, 0, c.stderr);
  if (c.status !== 0) return;
  t.equal(runts(['start', id]).status, 0, 'start');
  t.ok(await waitFor(() => out.includes('in-userns-21'), 20000), 'the shell ran on the pty');
  t.match(out, /name:\/dev\/pts\/\d+/, 'the pty master reached the socket');
});

t.test(`a console socket that never accepts (its backlog full) fails create at once, nothing left${python ? '' : ' # SKIP no python3'}`, { skip: !python }, async (t) => {
  const sock = path.join(tempDir(t), 'console.sock');
  // listen(0) and one connection of its own that it never accepts: the
  // backlog is full, a blocking connect would wait for ever.
  const script = 'import socket,sys,time\ns=socket.socket(socket.AF_UNIX);s.bind(sys.argv[1]);s.listen(0)\nc=socket.socket(socket.AF_UNIX);c.connect(sys.argv[1])\nprint("listening",flush=True);time.sleep(60)';
  const listener = spawn('python3', ['-c', script, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => listener.kill('SIGKILL'));
  let out = '';
  listener.stdout!.on('data', (d) => (out += d));
  t.ok(await waitFor(() => out.includes('listening'), 30000), 'listening, backlog full');
  const b = makeBundle(t, { args: ['true'], edit: (c) => (c.process.terminal = true) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, '--console-socket', sock, id]);
  t.equal(r.signal, null, 'returned by itself (not killed by the test\'s timeout)');
  t.equal(r.status, 1);
  t.match(r.stderr, /connect to the console socket .*: EAGAIN: nobody accepts on it/);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.equal(state(id), undefined, 'no container');
  for (const d of cgroupDirs(id)) t.notOk(fs.existsSync(d), `no ${d}`);
});
