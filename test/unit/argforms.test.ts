// Every argument form the engines write (containerd's runc v2 shim through
// go-runc, conmon, podman, docker), parsed the way runts parses them: the
// canonical rewrite (src/cli/argforms.ts), then the fast path where it takes
// the line, and always yargs too, which must agree. Each handler is replaced
// by one that records what it would have received.
import t from 'tap';
import { canonicalArgs } from '../../src/cli/argforms';
import { fastParse } from '../../src/cli/fast';
import { globalOptions, resolveGlobals, yargsParser } from '../../src/main';

async function viaYargs(argv: string[]): Promise<{ command: string; args: Record<string, unknown> }> {
  let got: { command: string; args: Record<string, unknown> } | undefined;
  await yargsParser(argv, (m, a) => {
    // exec's handler reads its command from both (main.ts's splitExecArgs).
    if (a['--']) a.command = [...(a.command ?? []), ...a['--']];
    got = { command: m.command, args: a };
  }).parseAsync();
  if (!got) throw new Error(`no command ran for ${argv.join(' ')}`);
  return got;
}

// What each form must give the command: its name, and the options and
// positionals (camelCase, as the handlers read them).
const FORMS: [string, string[], Record<string, unknown>][] = [
  // containerd 1.6's shim (Debian's go-runc): the resources JSON on stdin.
  ['update', ['--root', '/run/containerd/runc/k8s.io', '--log', '/dev/null', '--log-format', 'json', 'update', '--resources', '-', 'c1'], { root: '/run/containerd/runc/k8s.io', log: '/dev/null', logFormat: 'json', resources: '-', id: 'c1' }],
  ['update', ['update', '--resources=-', 'c1'], { resources: '-', id: 'c1' }],
  ['update', ['update', '-r', '-', 'c1'], { resources: '-', id: 'c1' }],
  ['update', ['update', '--resources', '/tmp/podman123', 'c1'], { resources: '/tmp/podman123', id: 'c1' }],
  ['update', ['update', '--memory', '-1', '--cpu-quota', '-1', 'c1'], { memory: '-1', cpuQuota: '-1', id: 'c1' }],
  // go-runc create and conmon create (in the order each writes them).
  ['create', ['--root', '/r', '--log', '/l', '--log-format', 'json', '--systemd-cgroup', 'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--console-socket', '/tmp/pty.sock', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1'],
    { root: '/r', log: '/l', logFormat: 'json', systemdCgroup: true, bundle: '/b', pidFile: '/b/init.pid', consoleSocket: '/tmp/pty.sock', noPivot: true, noNewKeyring: true, preserveFds: 2, id: 'c1' }],
  ['create', ['--systemd-cgroup', '--log-format=json', '--log', '/l', 'create', '--bundle', '/b', '--pid-file', '/p', '--no-new-keyring', '--preserve-fds=1', 'c1'], { systemdCgroup: true, logFormat: 'json', bundle: '/b', pidFile: '/p', noNewKeyring: true, preserveFds: 1, id: 'c1' }],
  ['create', ['--rootless=false', 'create', '-b', '/b', 'c1'], { rootless: false, bundle: '/b', id: 'c1' }],
  ['create', ['--rootless', 'false', 'create', '--bundle=/b', 'c1'], { rootless: false, bundle: '/b', id: 'c1' }],
  // Go's flag package takes long options with one dash too.
  ['create', ['-root', '/r', 'create', '-bundle', '/b', '-pid-file', '/p', '-no-new-keyring', 'c1'], { root: '/r', bundle: '/b', pidFile: '/p', noNewKeyring: true, id: 'c1' }],
  ['run', ['run', '--bundle', '/b', '--detach', '--pid-file', '/p', 'c1'], { bundle: '/b', detach: true, pidFile: '/p', id: 'c1' }],
  ['start', ['--root', '/r', 'start', 'c1'], { root: '/r', id: 'c1' }],
  ['state', ['--root', '/r', 'state', 'c1'], { root: '/r', id: 'c1' }],
  ['list', ['list', '--format=json'], { format: 'json' }],
  ['list', ['list', '--format', 'json'], { format: 'json' }],
  ['kill', ['kill', 'c1', '9'], { id: 'c1', signal: '9', all: false }],
  ['kill', ['kill', '--all', 'c1', '9'], { id: 'c1', signal: '9', all: true }],
  ['delete', ['delete', '--force', 'c1'], { id: 'c1', force: true }],
  ['delete', ['--root', '/r', 'delete', 'c1'], { id: 'c1', force: false }],
  ['pause', ['pause', 'c1'], { id: 'c1' }],
  ['resume', ['resume', 'c1'], { id: 'c1' }],
  // go-runc's exec, then conmon's (with podman's --runtime-opt --preserve-fds=N).
  ['exec', ['--root', '/r', '--log', '/l', '--log-format', 'json', 'exec', '--process', '/tmp/runc-process1', '--console-socket', '/tmp/pty.sock', '--detach', '--pid-file', '/p', 'c1'],
    { process: '/tmp/runc-process1', consoleSocket: '/tmp/pty.sock', detach: true, pidFile: '/p', id: 'c1', command: [] }],
  ['exec', ['exec', '--pid-file', '/p', '--process', '/e/exec.json', '--detach', '--preserve-fds=2', '--console-socket', '/s', 'c1'], { pidFile: '/p', process: '/e/exec.json', detach: true, preserveFds: 2, consoleSocket: '/s', id: 'c1' }],
  ['exec', ['exec', '-p', '-', 'c1'], { process: '-', id: 'c1' }],
  ['exec', ['exec', '-t', '--cwd', '/tmp', 'c1', 'ls', '-l', '--cwd', '-'], { tty: true, cwd: '/tmp', id: 'c1', command: ['ls', '-l', '--cwd', '-'] }],
  ['exec', ['exec', '-dt', 'c1', 'sh'], { tty: true, detach: true, id: 'c1', command: ['sh'] }],
  ['ps', ['ps', '--format', 'json', 'c1'], { format: 'json', id: 'c1' }],
  ['ps', ['ps', '--format', 'table', 'c1', '-ef'], { format: 'table', id: 'c1' }],
  ['events', ['events', '--stats', 'c1'], { stats: true, id: 'c1' }],
  ['events', ['events', '--interval=5s', 'c1'], { interval: '5s', id: 'c1' }],
  ['checkpoint', ['checkpoint', '--image-path', '/i', '--work-path', '/w', '--leave-running', '--tcp-established', '--ext-unix-sk', '--shell-job', '--file-locks', '--manage-cgroups-mode', 'soft', '--empty-ns', 'network', '--status-fd', '3', 'c1'],
    { imagePath: '/i', workPath: '/w', leaveRunning: true, tcpEstablished: true, extUnixSk: true, shellJob: true, fileLocks: true, manageCgroupsMode: 'soft', statusFd: 3, id: 'c1' }],
  ['checkpoint', ['checkpoint', '--image-path', '/i', '--work-path', '/w', '--pre-dump', '--parent-path', '../pre', 'c1'], { preDump: true, parentPath: '../pre', id: 'c1' }],
  // go-runc's restore writes -no-subreaper with one dash; conmon's restore.
  ['restore', ['restore', '--image-path', '/i', '--work-path', '/w', '--detach', '--pid-file', '/p', '--no-pivot', '-no-subreaper', '--bundle', '/b', 'c1'], { imagePath: '/i', detach: true, pidFile: '/p', noPivot: true, noSubreaper: true, bundle: '/b', id: 'c1' }],
  ['restore', ['restore', '--bundle', '/b', '--pid-file', '/p', '--detach', '--image-path', '/i', '--work-path', '/b', 'c1'], { bundle: '/b', detach: true, imagePath: '/i', workPath: '/b', id: 'c1' }],
];

t.test('every engine argument form parses to the same options through the fast path and through yargs', async (t) => {
  for (const [name, argv, want] of FORMS) {
    const line = argv.join(' ');
    const canonical = canonicalArgs(argv, globalOptions);
    const y = await viaYargs(canonical);
    t.equal(y.command.split(' ')[0], name, `yargs: ${line}: the command`);
    t.match(y.args, want, `yargs: ${line}`);
    const fast = fastParse(canonical, globalOptions);
    if (fast) {
      resolveGlobals(fast.args, name); // as main.ts does after the fast parse
      t.equal(fast.module.command, y.command, `fast: ${line}: the command`);
      t.match(fast.args, want, `fast: ${line}`);
    }
  }
});

t.test('the engines\' usual lines are the fast path\'s, not only yargs\'s', async (t) => {
  for (const argv of [
    ['update', '--resources', '-', 'c1'],
    ['create', '--bundle', '/b', '--pid-file', '/p', '--no-new-keyring', '--preserve-fds', '2', 'c1'],
    ['--root', '/r', 'exec', '--process', '/e.json', '--detach', '--pid-file', '/p', 'c1'],
    ['kill', '--all', 'c1', '9'],
    ['delete', '--force', 'c1'],
  ]) {
    t.ok(fastParse(canonicalArgs(argv, globalOptions), globalOptions), argv.join(' '));
  }
});

t.test('the rewrite: values written apart join their option; one-dash long options get a second; the rest is kept', async (t) => {
  const c = (s: string) => canonicalArgs(s.split(' '), globalOptions).join(' ');
  t.equal(c('update --resources - c1'), 'update --resources=- c1');
  t.equal(c('update -r - c1'), 'update --resources=- c1');
  t.equal(c('--root /r --debug state c1'), '--root=/r --debug state c1');
  t.equal(c('restore -no-subreaper -bundle /b c1'), 'restore --no-subreaper --bundle=/b c1');
  t.equal(c('exec -t c1 ls --root -'), 'exec -t c1 ls --root -', 'the command after the ID is untouched');
  t.equal(c('exec c1 -- ls'), 'exec c1 -- ls');
  t.equal(c('ps c1 -ef'), 'ps c1 -ef');
  t.equal(c('ps -f json c1'), 'ps --format=json c1');
  t.equal(c('create --nope x c1'), 'create --nope x c1', 'an unknown option is left for yargs to name');
  t.equal(c('create --bundle'), 'create --bundle', 'a missing value is left for yargs to name');
  t.equal(c('bogus --root x'), 'bogus --root x', 'an unknown command: nothing after it is touched');
  t.equal(c('--root /r'), '--root=/r');
});
