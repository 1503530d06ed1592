// The criu command lines of checkpoint and restore (src/criu), without criu
// or root: every runc flag's criu option, the external mounts and stdio
// keys, and the refusals.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dumpArgs, restoreArgs, inheritKey, externalFileKey, NETNS_KEY } from '../../src/criu/args';
import { hostSourcedMounts } from '../../src/plan/compile';
import { findCriu, lastCriuError } from '../../src/criu/run';
import { defaultSpec } from '../../src/spec/default';

const after = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

t.test('dump: the tree, root, images, log and every runc flag as criu\'s option', async (t) => {
  const args = dumpArgs({
    opts: { imagePath: '/img', workPath: '/work', tcpEstablished: true, extUnixSk: true, shellJob: true, fileLocks: true, autoDedup: true, leaveRunning: true, tcpSkipInFlight: true, linkRemap: true, manageCgroupsMode: 'full', emptyNs: ['network'], pageServer: '10.0.0.1:27', parentPath: '../pre' },
    pid: 1234,
    rootfs: '/b/rootfs',
    binds: [{ destination: '/data', source: '/srv/data' }],
    stdio: [{ fd: 0, link: '/dev/null', externalKey: 'file[1a:2b]' }, { fd: 1, link: 'pipe:[77]' }],
    netnsInode: 4026532000,
    freezeCgroup: '/sys/fs/cgroup/runts/x',
  });
  t.equal(args[0], 'dump');
  t.same(after(args, '--tree'), ['1234']);
  t.same(after(args, '--root'), ['/b/rootfs']);
  t.same(after(args, '--images-dir'), ['/img']);
  t.same(after(args, '--work-dir'), ['/work']);
  t.same(after(args, '--log-file'), ['dump.log']);
  for (const f of ['--tcp-established', '--ext-unix-sk', '--shell-job', '--file-locks', '--auto-dedup', '--leave-running', '--manage-cgroups=full', '--track-mem', '--link-remap']) t.ok(args.includes(f), f);
  t.ok(args.includes('--skip-in-flight'), 'runc 1.5\'s --tcp-skip-in-flight is criu\'s --skip-in-flight');
  t.same(after(args, '--empty-ns'), ['net'], '--empty-ns network is criu\'s net');
  t.same([...after(args, '--address'), ...after(args, '--port')], ['10.0.0.1', '27'], '--page-server ADDRESS:PORT');
  t.ok(args.includes('--page-server'));
  t.same(after(args, '--prev-images-dir'), ['../pre']);
  t.same(after(args, '--freeze-cgroup'), ['/sys/fs/cgroup/runts/x'], 'a paused container is dumped through its freezer');
  t.same(after(args, '--external'), ['mnt[/data]:/data', `net[4026532000]:${NETNS_KEY}`, 'file[1a:2b]'], 'bind mounts, a joined netns and outside stdio files are external');
});

t.test('dump: defaults, and pre-dump', async (t) => {
  const plain = dumpArgs({ opts: { imagePath: '/img' }, pid: 1, rootfs: '/r', binds: [], stdio: [] });
  t.same(after(plain, '--work-dir'), ['/img'], 'the work dir defaults to the images');
  t.ok(plain.includes('--manage-cgroups=soft'), 'cgroups are managed, soft, by default (as runc)');
  t.notOk(plain.includes('--leave-running'), 'the tree is killed after the dump by default');
  t.notOk(plain.includes('--external'));
  const pre = dumpArgs({ opts: { imagePath: '/img', preDump: true, leaveRunning: true }, pid: 1, rootfs: '/r', binds: [], stdio: [] });
  t.equal(pre[0], 'pre-dump');
  t.ok(pre.includes('--track-mem'), 'a pre-dump tracks memory');
  t.notOk(pre.includes('--leave-running'), 'pre-dump leaves it running by itself');
  t.same(after(pre, '--log-file'), ['pre-dump.log']);
  const lazy = dumpArgs({ opts: { imagePath: '/img', lazyPages: true, statusFd: 5 }, pid: 1, rootfs: '/r', binds: [], stdio: [] });
  t.ok(lazy.includes('--lazy-pages'));
  t.same(after(lazy, '--status-fd'), ['5']);
});

t.test('bad flag values are refused, naming the flag', async (t) => {
  const d = (opts: object) => () => dumpArgs({ opts: { imagePath: '/i', ...opts }, pid: 1, rootfs: '/r', binds: [], stdio: [] });
  t.throws(d({ manageCgroupsMode: 'loose' }), /^--manage-cgroups-mode: must be one of soft, full, strict, ignore; got "loose"$/);
  t.throws(d({ emptyNs: ['pid'] }), /^--empty-ns: only "network" .*got "pid"$/);
  t.throws(d({ pageServer: 'nohostport' }), /^--page-server: must be ADDRESS:PORT/);
  t.throws(d({ statusFd: 4 }), /^--status-fd: only with --lazy-pages$/);
  t.throws(() => restoreArgs({ opts: { imagePath: '/i', lsmProfile: 'bogus' }, rootfs: '/r', binds: [], stdio: [], pidFile: '/p', cgroupPath: '/c' }), /^--lsm-profile: must be TYPE:NAME/);
});

t.test('restore: detached into the container\'s cgroup, mounts from their sources, stdio inherited', async (t) => {
  const args = restoreArgs({
    opts: { imagePath: '/img', tcpEstablished: true, lsmProfile: 'apparmor:p', lsmMountContext: 'ctx' },
    rootfs: '/b/rootfs',
    binds: [{ destination: '/data', source: '/srv/data' }],
    stdio: [{ fd: 0, link: '/dev/null', externalKey: 'file[1a:2b]' }, { fd: 1, link: 'pipe:[77]' }, { fd: 2, link: 'pipe:[77]' }, { fd: 3, link: '/dev/pts/0' }],
    pidFile: '/state/x/restored.pid',
    cgroupPath: '/runts/x',
    netnsFd: 3,
  });
  t.equal(args[0], 'restore');
  t.ok(args.includes('--restore-detached'));
  t.same(after(args, '--pidfile'), ['/state/x/restored.pid']);
  t.same(after(args, '--cgroup-root'), ['/runts/x'], 'into the cgroup runts made');
  t.same(after(args, '--log-file'), ['restore.log']);
  t.same(after(args, '--external'), ['mnt[/data]:/srv/data'], 'a bind mount comes from its source');
  t.same(after(args, '--inherit-fd'), [`fd[3]:${NETNS_KEY}`, 'fd[0]:file[1a:2b]', 'fd[1]:pipe:[77]'], 'the netns and each stdio key once');
  t.same(after(args, '--lsm-profile'), ['apparmor:p']);
  t.same(after(args, '--lsm-mount-context'), ['ctx']);
});

t.test('host binds: the config\'s bind mounts; in a user namespace also devices and the sysfs fallback', async (t) => {
  const c: any = defaultSpec({ rootless: false });
  c.mounts.push({ destination: 'data/', type: 'bind', source: 'srv', options: ['rbind'] });
  c.mounts.push({ destination: '/etc/hosts', type: 'none', source: '/etc/hosts', options: ['bind', 'ro'] });
  t.same(hostSourcedMounts(c, '/bundle'), [{ destination: '/data', source: '/bundle/srv' }, { destination: '/etc/hosts', source: '/etc/hosts' }], 'relative sources from the bundle; masked paths are the container\'s own /dev/null, not the host\'s');
  const r: any = defaultSpec({ rootless: true });
  const binds = hostSourcedMounts(r, '/bundle');
  t.ok(binds.some((b) => b.destination === '/dev/null' && b.source === '/dev/null'), 'devices are bound from the host in a user namespace');
  t.ok(binds.some((b) => b.destination === '/sys' && b.source === '/sys') === !r.linux.namespaces.some((n: any) => n.type === 'network'), 'sysfs is the host\'s without a network namespace');
});

t.test('host binds: a cgroup mount without a cgroup namespace is its binds, one per hierarchy; with one, criu mounts it afresh', async (t) => {
  const sources = [
    { name: 'memory', hostDir: '/sys/fs/cgroup/memory/system.slice/runts-x.scope' },
    { name: 'systemd', hostDir: '/sys/fs/cgroup/systemd/system.slice/runts-x.scope' },
  ];
  const v1: any = defaultSpec({ rootless: false, cgroup2: false });
  t.notOk(v1.linux.namespaces.some((n: any) => n.type === 'cgroup'), 'the v1 default has no cgroup namespace');
  t.same(hostSourcedMounts(v1, '/bundle', false, sources).filter((b) => b.destination.startsWith('/sys/fs/cgroup')), [
    { destination: '/sys/fs/cgroup/memory', source: sources[0].hostDir },
    { destination: '/sys/fs/cgroup/systemd', source: sources[1].hostDir },
  ], 'each hierarchy bound from the container\'s directory');
  const single = [{ name: '', hostDir: '/sys/fs/cgroup/runts/x' }];
  t.same(hostSourcedMounts(v1, '/bundle', false, single).filter((b) => b.destination.startsWith('/sys/fs/cgroup')), [{ destination: '/sys/fs/cgroup', source: '/sys/fs/cgroup/runts/x' }], 'v2 without a cgroup namespace: the one bind');
  const v2: any = defaultSpec({ rootless: false, cgroup2: true });
  t.same(hostSourcedMounts(v2, '/bundle', false, single).filter((b) => b.destination.startsWith('/sys/fs/cgroup')), [], 'in a cgroup namespace: none');
  v1.linux.namespaces.push({ type: 'cgroup', path: '/proc/1/ns/cgroup' });
  t.same(hostSourcedMounts(v1, '/bundle', false, sources).filter((b) => b.destination.startsWith('/sys/fs/cgroup')), [], 'a joined cgroup namespace too');
});

t.test('stdio keys and criu\'s log', async (t) => {
  t.equal(inheritKey({ fd: 1, link: 'pipe:[12]' }), 'pipe:[12]');
  t.equal(inheritKey({ fd: 1, link: 'socket:[12]' }), 'socket:[12]');
  t.equal(inheritKey({ fd: 1, link: '/dev/pts/3' }), undefined, 'a file of the container\'s own is reopened by path');
  t.equal(externalFileKey(0x22, 5n), 'file[22:5]', 'hex, as criu prints it');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-criu-'));
  const log = path.join(dir, 'restore.log');
  fs.writeFileSync(log, '(00.1) start\n(00.813544)      1: Error (criu/mount-v2.c:324): mnt-v2: Failed to move_mount: Invalid argument\n(00.819286) Error (criu/cr-restore.c:2537): Restoring FAILED.\n');
  t.equal(lastCriuError(log), 'mnt-v2: Failed to move_mount: Invalid argument', 'the first error, not the summary');
  t.equal(lastCriuError(path.join(dir, 'none.log')), undefined);
  t.throws(() => findCriu(path.join(dir, 'criu')), /^criu: \S+ not found \(install Debian's criu package, or name it with --criu PATH\)$/);
  fs.writeFileSync(path.join(dir, 'criu'), '#!/bin/sh\n', { mode: 0o755 });
  t.equal(findCriu(path.join(dir, 'criu')), path.join(dir, 'criu'));
  fs.rmSync(dir, { recursive: true });
});
