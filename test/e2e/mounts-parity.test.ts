// Issue 34, mounts and cgroups: the same bundle run by runc 1.1.5 (the
// reference where its behaviour is runc 1.5's too) and by runts, side by
// side. Each runtime gets its own copy of the bundle: both write into it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Bundle, Config, Scoped, cgroupMountpoints, makeBundle, newId, runts, state, tempDir, v1Mount } from './lib';

const HAVE_RUNC = spawnSync('runc', ['--version']).status === 0;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

// runc run, foreground, with a private --root; deleted in t's teardown.
function runc(t: Scoped, args: string[], bundle: string, id = `e2e-runc-${randomBytes(4).toString('hex')}`): Ran {
  const root = tempDir(t, 'runts-e2e-runc-root-');
  t.teardown(() => void spawnSync('runc', ['--root', root, 'delete', '--force', id]));
  const r = spawnSync('runc', ['--root', root, 'run', ...args, '--bundle', bundle, id], { encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// The same bundle for both: args and edit applied to each copy; prepare
// gets each rootfs before the run.
function both(t: Scoped, args: string[], edit: (c: Config, b: string) => void, prepare?: (b: Bundle) => void, runArgs: string[] = []): { runc: Ran; runts: Ran; bundles: Bundle[] } {
  const bundles = [0, 1].map(() => {
    const b = makeBundle(t, { args, edit });
    prepare?.(b);
    return b;
  });
  const rc = runc(t, runArgs, bundles[0].dir);
  const rt = runts(['run', ...runArgs, '--bundle', bundles[1].dir, newId(t)]);
  return { runc: rc, runts: rt, bundles };
}

const devMount = (c: Config) => c.mounts.find((m: { destination: string }) => m.destination === '/dev');

t.test('a read-only /dev tmpfs: /dev/pts and the devices are made in it, then it is read-only, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const script = 'touch /dev/x 2>&1; test -c /dev/null && test -e /dev/pts/ptmx && echo devices-ok; grep " /dev rw\\| /dev ro" /proc/self/mountinfo | cut -d" " -f5,6';
  const r = both(t, ['sh', '-c', script], (c) => devMount(c).options.push('ro'));
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /devices-ok/, `${who}: /dev/null and /dev/pts are there`);
    t.match(x.stdout, /touch: \/dev\/x: Read-only file system/, `${who}: /dev is read-only to the process`);
    t.match(x.stdout, /^\/dev ro,/m, `${who}: mountinfo says ro`);
  }
});

t.test('a read-only tmpfs takes mount points under it before it is made read-only, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const src = tempDir(t);
  fs.writeFileSync(path.join(src, 'f'), 'under-ro-tmpfs\n');
  const r = both(t, ['sh', '-c', 'cat /ro/sub/f; touch /ro/y 2>&1; true'], (c) => {
    c.mounts.push({ destination: '/ro', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid'] });
    c.mounts.push({ destination: '/ro/sub', type: 'bind', source: src, options: ['bind'] });
  });
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /under-ro-tmpfs/, `${who}: the bind under it is there`);
    t.match(x.stdout, /touch: \/ro\/y: Read-only file system/, `${who}: the tmpfs is read-only`);
  }
});

t.test('destinations through or ending in a dangling symlink are made where it points, inside the rootfs, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const src = tempDir(t);
  fs.writeFileSync(path.join(src, 'f'), 'file-source\n');
  const outside = tempDir(t); // a link that climbs out must land in the rootfs, never here
  const r = both(
    t,
    ['sh', '-c', 'grep -o " /data/inner \\| /real/sub \\| /dots/f \\| /climb/f " /proc/self/mountinfo | sort; cat /mnt/file'],
    (c) => {
      c.mounts.push({ destination: '/mnt/link', type: 'tmpfs', source: 'tmpfs' }); // ends in a dangling link
      c.mounts.push({ destination: '/through/sub', type: 'tmpfs', source: 'tmpfs' }); // goes through one
      c.mounts.push({ destination: '/mnt/file', type: 'bind', source: path.join(src, 'f'), options: ['bind'] }); // a file, relative link
      c.mounts.push({ destination: '/mnt/climb', type: 'bind', source: path.join(src, 'f'), options: ['bind'] }); // ../ past the root
    },
    (b) => {
      fs.mkdirSync(path.join(b.rootfs, 'mnt'), { recursive: true });
      fs.symlinkSync('/data/inner', path.join(b.rootfs, 'mnt/link'));
      fs.symlinkSync('/real', path.join(b.rootfs, 'through'));
      fs.symlinkSync('../dots/f', path.join(b.rootfs, 'mnt/file'));
      fs.symlinkSync(`../../../../../../../../..${outside}/f`, path.join(b.rootfs, 'mnt/climb'));
    },
  );
  for (const [i, [who, x]] of ([['runc', r.runc], ['runts', r.runts]] as const).entries()) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /\/data\/inner /, `${who}: the tmpfs is on the link's target`);
    t.match(x.stdout, /\/real\/sub /, `${who}: made through the link`);
    t.match(x.stdout, /\/dots\/f /, `${who}: a file made where a relative link points`);
    t.match(x.stdout, /file-source/, `${who}: the file bind reads through the link`);
    t.ok(fs.existsSync(path.join(r.bundles[i].rootfs, outside, 'f')), `${who}: the climbing link's target is made inside the rootfs`);
  }
  t.notOk(fs.existsSync(path.join(outside, 'f')), 'nothing was made outside the rootfs');
});

t.test('bind sources are looked at in mount order: one an earlier mount makes is found, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const src = tempDir(t);
  fs.writeFileSync(path.join(src, 'made-by-mount-0'), 'from-an-earlier-mount\n');
  // /mounts/N+1's source is inside the rootfs, under /x, which /mounts/N binds.
  const r = both(t, ['cat', '/y'], (c, dir) => {
    c.mounts.push({ destination: '/x', type: 'bind', source: src, options: ['bind'] });
    c.mounts.push({ destination: '/y', type: 'bind', source: path.join(dir, 'rootfs/x/made-by-mount-0'), options: ['bind', 'ro'] });
  });
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /from-an-earlier-mount/, `${who}: the bind found its source`);
  }
});

t.test('a missing bind source fails at its step, naming /mounts/N/source; nothing is left', async (t) => {
  const b = makeBundle(t, { args: ['true'], edit: (c) => c.mounts.push({ destination: '/y', type: 'bind', source: '/nonexistent-runts-source', options: ['bind'] }) });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'refused');
  t.match(r.stderr, /\/mounts\/\d+\/source: \/nonexistent-runts-source .*(no such file or directory|ENOENT)/i, r.stderr);
  t.equal(state(id), undefined, 'no state left');
  t.notOk(cgroupMountpoints().some((m) => fs.existsSync(path.join(m, 'runts', id))), 'no cgroup left');
});

// A read-only bind mount on the host, bound into a container with a user
// namespace: its ro is locked there, and a remount for nosuid that leaves
// ro out is refused (EPERM). runc re-applies the locked flags.
function readOnlyHostMount(t: Scoped): string {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'f'), 'locked\n');
  const mount = (...a: string[]) => spawnSync('mount', a, { encoding: 'utf8' });
  if (mount('--bind', dir, dir).status !== 0) throw new Error('bind mount failed');
  t.teardown(() => void spawnSync('umount', ['-l', dir]));
  const ro = mount('-o', 'remount,bind,ro', dir);
  if (ro.status !== 0) throw new Error(`remount ro failed: ${ro.stderr}`);
  return dir;
}

const userNs = (c: Config) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};

t.test('user namespace: a bind of a read-only mount remounted nosuid keeps its locked ro, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const src = readOnlyHostMount(t);
  const r = both(t, ['sh', '-c', 'cat /ro/f; grep " /ro " /proc/self/mountinfo | cut -d" " -f6'], (c) => {
    userNs(c);
    c.mounts.push({ destination: '/ro', type: 'bind', source: src, options: ['bind', 'nosuid'] });
  }, (b) => fs.mkdirSync(path.join(b.rootfs, 'ro'))); // the mapped root may not write the rootfs
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /locked/, `${who}: the bind is there`);
    t.match(x.stdout, /^ro,nosuid/m, `${who}: ro kept, nosuid set`);
  }
});

t.test('user namespace: "rw" on a bind of a read-only mount is refused, the locked flag named (runc 1.5)', async (t) => {
  const src = readOnlyHostMount(t);
  const b = makeBundle(t, { args: ['true'], mkdirs: ['ro'], edit: (c) => { userNs(c); c.mounts.push({ destination: '/ro', type: 'bind', source: src, options: ['bind', 'rw'] }); } });
  const id = newId(t);
  const r = runts(['run', '--bundle', b.dir, id]);
  t.equal(r.status, 1, 'refused');
  t.match(r.stderr, /remount \/ro with its options: cannot clear locked flags ro/, r.stderr);
  t.equal(state(id), undefined, 'no state left');
});

// A source the container's root cannot reach: under a 0700 directory of
// the host's root. runc's parent opens it from the host's side (runc 1.1:
// nsexec's mount fds; 1.5: its mount-source requests); so does runts's
// source helper (docs/init-protocol.md, mountsrc.c).
function unreachable(t: Scoped): string {
  const secret = tempDir(t, 'runts-e2e-0700-', 0o700);
  fs.writeFileSync(path.join(secret, 'f'), 'host-side-file\n');
  fs.mkdirSync(path.join(secret, 'd'));
  fs.writeFileSync(path.join(secret, 'd', 'g'), 'host-side-dir\n');
  return secret;
}

t.test('user namespace: bind sources under a 0700 directory of the host\'s root are opened from the host\'s side, as runc', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const secret = unreachable(t);
  const script = 'cat /sf /sd/g; touch /sd/x 2>&1; grep -E " /sd | /sf " /proc/self/mountinfo | cut -d" " -f5,6 | sort';
  const r = both(t, ['sh', '-c', script], (c) => {
    userNs(c);
    c.mounts.push({ destination: '/sf', type: 'bind', source: path.join(secret, 'f'), options: ['bind'] });
    c.mounts.push({ destination: '/sd', type: 'bind', source: path.join(secret, 'd'), options: ['rbind', 'ro', 'nosuid'] });
  }, (b) => {
    // The mapped root may not write the rootfs: the mount points are there.
    fs.writeFileSync(path.join(b.rootfs, 'sf'), '');
    fs.mkdirSync(path.join(b.rootfs, 'sd'));
  });
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /host-side-file\nhost-side-dir\n/, `${who}: both binds are there`);
    t.match(x.stdout, /touch: \/sd\/x: Read-only file system/, `${who}: the directory's remount took`);
    t.match(x.stdout, /^\/sd ro,nosuid/m, `${who}: mountinfo says ro,nosuid`);
  }
  t.same(fs.readdirSync(secret).sort(), ['d', 'f'], 'nothing was made in the source directory');
});

t.test('user namespace: a source opened from the host\'s side keeps the flags the kernel locked: "rw" on a read-only one is refused (runc 1.5)', async (t) => {
  const secret = tempDir(t, 'runts-e2e-0700-', 0o700);
  const ro = path.join(secret, 'ro');
  fs.mkdirSync(ro);
  fs.writeFileSync(path.join(ro, 'f'), 'locked\n');
  const mount = (...a: string[]) => spawnSync('mount', a, { encoding: 'utf8' });
  if (mount('--bind', ro, ro).status !== 0) throw new Error('bind mount failed');
  t.teardown(() => void spawnSync('umount', ['-l', ro]));
  if (mount('-o', 'remount,bind,ro', ro).status !== 0) throw new Error('remount ro failed');
  const edit = (opts: string[]) => (c: Config) => { userNs(c); c.mounts.push({ destination: '/ro', type: 'bind', source: ro, options: ['bind', ...opts] }); };
  const ok = makeBundle(t, { args: ['sh', '-c', 'cat /ro/f; grep " /ro " /proc/self/mountinfo | cut -d" " -f6'], mkdirs: ['ro'], edit: edit(['nosuid']) });
  const r = runts(['run', '--bundle', ok.dir, newId(t)]);
  t.equal(r.status, 0, 'nosuid: runs', { stderr: r.stderr });
  t.match(r.stdout, /locked\nro,nosuid/, 'the bind is there, ro kept');
  const b = makeBundle(t, { args: ['true'], mkdirs: ['ro'], edit: edit(['rw']) });
  const id = newId(t);
  const x = runts(['run', '--bundle', b.dir, id]);
  t.equal(x.status, 1, 'rw: refused');
  t.match(x.stderr, /remount \/ro with its options: cannot clear locked flags ro/, x.stderr);
  t.equal(state(id), undefined, 'no state left');
});

t.test('user namespace: an atime mode the kernel locked is kept; asking another is refused, naming it (runc 1.5)', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'f'), 'noatime-host\n');
  const mount = (...a: string[]) => spawnSync('mount', a, { encoding: 'utf8' });
  if (mount('--bind', dir, dir).status !== 0) throw new Error('bind mount failed');
  t.teardown(() => void spawnSync('umount', ['-l', dir]));
  if (mount('-o', 'remount,bind,noatime', dir).status !== 0) throw new Error('remount noatime failed');
  const run = (opts: string[]) => {
    const b = makeBundle(t, { args: ['sh', '-c', 'cat /na/f; grep " /na " /proc/self/mountinfo | cut -d" " -f6'], mkdirs: ['na'], edit: (c) => { userNs(c); c.mounts.push({ destination: '/na', type: 'bind', source: dir, options: ['bind', ...opts] }); } });
    const id = newId(t);
    return { id, r: runts(['run', '--bundle', b.dir, id]) };
  };
  for (const opts of [['nosuid'], ['nosuid', 'noatime']]) {
    const { r } = run(opts);
    t.equal(r.status, 0, `${opts.join(',')}: runs`, { stderr: r.stderr });
    t.match(r.stdout, /noatime-host\n\S*nosuid\S*noatime|noatime-host\n\S*noatime\S*nosuid/, `${opts.join(',')}: nosuid set, noatime kept`);
  }
  const { id, r } = run(['nosuid', 'relatime']);
  t.equal(r.status, 1, 'relatime: refused');
  t.match(r.stderr, /remount \/na with its options: cannot change locked atime flags noatime/, r.stderr);
  t.equal(state(id), undefined, 'no state left');
});

// Idmapped mounts need Linux 5.12 and a file system that takes them: ext4,
// xfs and btrfs from 5.12, tmpfs from 6.3 (the stock-host VM's /tmp).
function idmapSkip(): string | false {
  const [major, minor] = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map(Number);
  const kernel = major * 100 + minor;
  const fsType = spawnSync('stat', ['-f', '-c', '%T', os.tmpdir()], { encoding: 'utf8' }).stdout.trim();
  const since: Record<string, number> = { 'ext2/ext3': 512, xfs: 512, btrfs: 512, tmpfs: 603 };
  if (!(fsType in since)) return `idmapped mounts untested on ${fsType} (the temporary directory's file system)`;
  return kernel < since[fsType] ? `idmapped mounts on ${fsType} need a newer kernel than ${major}.${minor}` : false;
}

t.test('user namespace: an idmapped bind mount shows the mapped owner inside (runc 1.5; runc 1.1.5 ignores mounts[].uidMappings)', { skip: (!HAVE_RUNC && 'runc is not installed') || idmapSkip() }, async (t) => {
  const src = tempDir(t);
  fs.writeFileSync(path.join(src, 'f'), 'idmapped\n');
  fs.chownSync(path.join(src, 'f'), 1000, 1001);
  // runc's own test's mapping: the mount's ids are the container's.
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const script = 'cat /id/f; stat -c "%u %g" /id/f; grep -c " /id .*idmapped" /proc/self/mountinfo; grep " /idp " /proc/self/mountinfo; true';
  const r = both(t, ['sh', '-c', script], (c) => {
    userNs(c);
    c.mounts.push({ destination: '/id', type: 'bind', source: src, options: ['bind'], uidMappings: map, gidMappings: map });
    // The case: with a propagation flag too.
    c.mounts.push({ destination: '/idp', type: 'bind', source: src, options: ['bind', 'shared'], uidMappings: map, gidMappings: map });
  }, (b) => ['id', 'idp'].forEach((d) => fs.mkdirSync(path.join(b.rootfs, d))));
  t.equal(r.runts.status, 0, 'runts runs it', { stderr: r.runts.stderr });
  t.match(r.runts.stdout, /^idmapped\n1000 1001\n1\n/, 'runts: owner 1000:1001 on disk is 1000:1001 inside, and the mount is idmapped');
  t.match(r.runts.stdout, / \/idp \S*idmapped\S* .*shared:\d+/, 'runts: the one with "shared" is shared and idmapped');
  t.equal(r.runc.status, 0, 'runc 1.1.5 runs it', { stderr: r.runc.stderr });
  t.match(r.runc.stdout, /^idmapped\n65534 65534\n0\n/, 'runc 1.1.5: a plain bind (the mapping ignored), its owner unmapped inside');
  const st = fs.statSync(path.join(src, 'f'));
  t.same([st.uid, st.gid], [1000, 1001], 'the source is untouched');
});

t.test('a bind with "shared" is a shared mount inside the container, as runc (pivot_root\'s rslave of the old root no longer reaches the new one)', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const src = tempDir(t);
  const r = both(t, ['sh', '-c', 'grep -E " /sh | /pl " /proc/self/mountinfo | cut -d" " -f5,7 | sort'], (c) => {
    c.mounts.push({ destination: '/sh', type: 'bind', source: src, options: ['bind', 'shared'] });
    c.mounts.push({ destination: '/pl', type: 'bind', source: src, options: ['bind', 'private'] });
  }, (b) => ['sh', 'pl'].forEach((d) => fs.mkdirSync(path.join(b.rootfs, d))));
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /^\/sh shared:\d+$/m, `${who}: /sh is shared`);
    t.match(x.stdout, /^\/pl -$/m, `${who}: /pl is private`);
  }
});

t.test('a tmpfs without mode= takes the mode of the directory it covers, as runc; mode= wins (runc 1.5)', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const r = both(t, ['stat', '-c', '%n %a', '/m700', '/m2750', '/fresh'], (c) => {
    c.mounts.push({ destination: '/m700', type: 'tmpfs', source: 'tmpfs' });
    c.mounts.push({ destination: '/m2750', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    c.mounts.push({ destination: '/fresh', type: 'tmpfs', source: 'tmpfs' });
  }, (b) => {
    fs.mkdirSync(path.join(b.rootfs, 'm700'), { mode: 0o700 });
    fs.mkdirSync(path.join(b.rootfs, 'm2750'));
    fs.chmodSync(path.join(b.rootfs, 'm700'), 0o700);
    fs.chmodSync(path.join(b.rootfs, 'm2750'), 0o2750);
  });
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /^\/m700 700$/m, `${who}: 0700 from the directory`);
    t.match(x.stdout, /^\/m2750 2750$/m, `${who}: setgid kept too`);
    t.match(x.stdout, /^\/fresh 1777$/m, `${who}: a directory made for it: tmpfs's default`);
  }
  const b = makeBundle(t, { args: ['stat', '-c', '%a', '/m'], edit: (c) => c.mounts.push({ destination: '/m', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] }) });
  fs.mkdirSync(path.join(b.rootfs, 'm'), { mode: 0o700 });
  const m = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(m.stdout.trim(), '1777', 'runts: the config\'s mode= over the directory\'s (runc 1.1.5 chmods it back to 700)');
});

t.test('--no-pivot moves the rootfs over / (runc\'s MS_MOVE): a user namespace can be made inside', { skip: !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  const script = 'unshare -U true && echo userns-ok; grep -c " - proc " /proc/self/mountinfo';
  // The same mount table in both: the host's mounts are out of reach.
  const r = both(t, ['sh', '-c', script], () => {}, undefined, ['--no-pivot']);
  for (const [who, x] of [['runc', r.runc], ['runts', r.runts]] as const) {
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, /userns-ok/, `${who}: unshare -U works`);
  }
  t.equal(r.runts.stdout.split('\n')[1], r.runc.stdout.split('\n')[1], 'as many proc mounts in the table as with runc');
});

const cpusetRoot = v1Mount('cpuset');
t.test('cgroup v1: a parent cgroup that exists with an empty cpuset is filled from its parent, as runc', { skip: !cpusetRoot ? 'no cgroup v1 cpuset hierarchy on this host (the VM is pure v2)' : !HAVE_RUNC && 'runc is not installed' }, async (t) => {
  for (const who of ['runc', 'runts']) {
    const parent = `runts-e2e-cpuset-${randomBytes(4).toString('hex')}`;
    fs.mkdirSync(path.join(cpusetRoot!, parent));
    t.teardown(() => {
      for (const m of cgroupMountpoints()) for (const d of [path.join(m, parent)]) try { fs.rmdirSync(d); } catch { /* not there */ }
    });
    t.equal(fs.readFileSync(path.join(cpusetRoot!, parent, 'cpuset.cpus'), 'utf8').trim(), '', 'the parent starts empty');
    const b = makeBundle(t, { args: ['cat', '/proc/self/cgroup'], edit: (c) => (c.linux.cgroupsPath = `/${parent}/ctr`) });
    const x = who === 'runc' ? runc(t, [], b.dir) : runts(['run', '--bundle', b.dir, newId(t)]);
    t.equal(x.status, 0, `${who} runs it`, { stderr: x.stderr });
    t.match(x.stdout, new RegExp(`cpuset:/${parent}/ctr`), `${who}: in the cgroup`);
    const want = fs.readFileSync(path.join(cpusetRoot!, 'cpuset.cpus'), 'utf8').trim();
    t.equal(fs.readFileSync(path.join(cpusetRoot!, parent, 'cpuset.cpus'), 'utf8').trim(), want, `${who}: the parent's cpus are the root's`);
    t.not(fs.readFileSync(path.join(cpusetRoot!, parent, 'cpuset.mems'), 'utf8').trim(), '', `${who}: and its mems set`);
  }
});
