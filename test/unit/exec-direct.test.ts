// exec without Node: the plan native/direct/execplan.c makes (through its
// JSON reader, json.c) is the one src/plan/exec.ts's compileExec makes from
// src/container/exec.ts's buildProcess, byte for byte, for a corpus of
// process.json files and command lines; and what it does not take, it
// leaves to Node. Needs gcc, not root: the C is built here with a small
// driver (exec-plan-driver.c).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildProcess } from '../../src/container/exec';
import { compileExec } from '../../src/plan/exec';
import { encodePlan } from '../../src/plan/instructions';
import { CAPABILITIES, RLIMITS } from '../../src/spec/tables';
import { execRecord } from '../../src/container/execrecord';
import type { Config } from '../../src/spec/types';
import type { Layout } from '../../src/cgroups/layout';

const REPO = path.join(__dirname, '..', '..');
const ORDER = ['user', 'ipc', 'uts', 'net', 'pid', 'cgroup', 'time', 'mnt'];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-exec-direct-'));
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
const driver = path.join(work, 'driver');
const cc = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', driver, path.join(__dirname, 'exec-plan-driver.c'), ...['json.c', 'execplan.c'].map((f) => path.join(REPO, 'native', 'direct', f))], { encoding: 'utf8' });
if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);

let seq = 0;
function file(content: string | Buffer): string {
  const f = path.join(work, `f${++seq}`);
  fs.writeFileSync(f, content);
  return f;
}

interface Case {
  json: string; // process.json as written, or the container's process for a command
  command?: string[];
  tty?: boolean;
  namespaces?: string[];
  socket?: string;
  home?: string;
  preserve?: number;
  seccomp?: { flags: number; bpf: Buffer };
  keyring?: string; // the container's session keyring (the exec record's line)
  container?: { apparmorProfile?: string; selinuxLabel?: string }; // the container's labels (its exec record)
  pidfd?: boolean; // --pidfd-socket
}

// The C's plan, or undefined where it leaves the exec to Node.
function cPlan(c: Case): Buffer | undefined {
  const bits = ORDER.reduce((b, n, i) => (c.namespaces ?? ORDER).includes(n) ? b | (1 << i) : b, 0);
  const bpf = c.seccomp ? file(c.seccomp.bpf) : '-';
  const env: NodeJS.ProcessEnv = { SEND_PIDFD: c.pidfd ? '1' : '0' };
  if (c.container?.apparmorProfile !== undefined) env.CONTAINER_APPARMOR = c.container.apparmorProfile;
  if (c.container?.selinuxLabel !== undefined) env.CONTAINER_SELINUX = c.container.selinuxLabel;
  if (c.keyring) env.DRIVER_KEYRING = c.keyring;
  const r = spawnSync(driver, [file(c.json), '4242', String(bits), c.socket ?? '-', c.home ?? '-', String(c.preserve ?? 0), String(c.seccomp?.flags ?? 0), bpf, c.tty ? '1' : '0', ...(c.command ?? [])], { env });
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(`driver: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function nodePlan(c: Case): Buffer {
  const opts = { root: '/r', id: 'c', command: c.command ?? [], tty: c.tty };
  // exec ID CMD: the container's process (its labels in it, as in its
  // config); --process: the file, over the container's labels.
  const { proc } = c.command
    ? buildProcess({ ociVersion: '1.3.0', process: { ...JSON.parse(c.json), ...c.container } } as Config, opts)
    : buildProcess({ ociVersion: '1.3.0', process: c.container } as Config, { ...opts, processFile: file(c.json) });
  return encodePlan(compileExec({ pid: 4242, namespaces: c.namespaces ?? ORDER, process: proc, preserveFds: c.preserve ?? 0, consoleSocket: c.socket, seccomp: c.seccomp, homeOf: () => c.home, sendPidfd: c.pidfd, keyring: c.keyring }));
}

const base = { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' };
const j = (o: object) => JSON.stringify(o);
const ALL_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const BPF = Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f, 0x15, 0, 1, 2, 3, 4, 5, 0xff]);

const SAME: [string, Case][] = [
  ['the least process', { json: j(base) }],
  ['what containerd sends', { json: j({ terminal: false, user: { uid: 0, gid: 0, additionalGids: [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27] }, args: ['/bin/sh', '-c', 'exit 0'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=x'], cwd: '/', capabilities: { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS }, rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }], noNewPrivileges: true }) }],
  ['podman\'s, pretty-printed', { json: JSON.stringify({ terminal: false, user: { uid: 1000, gid: 1000, umask: 18 }, args: ['ls', '-l'], env: ['PATH=/bin', 'TERM=xterm', 'container=podman', 'HOME=/home/u'], cwd: '/home/u', capabilities: { bounding: ALL_CAPS, effective: [], inheritable: [], permitted: [], ambient: [] }, rlimits: [{ type: 'RLIMIT_NPROC', soft: 4194304, hard: 4194304 }, { type: 'RLIMIT_NOFILE', soft: 1024, hard: 524288 }] }, null, '\t') + '\n' }],
  ['unlimited rlimits, 2^64-1 and 2^53-1', { json: j({ ...base, rlimits: [{ type: 'RLIMIT_MEMLOCK', soft: '__U64__', hard: '__U64__' }, { type: 'RLIMIT_CORE', soft: 9007199254740991, hard: 9007199254740991 }, { type: 'RLIMIT_CPU', soft: 0, hard: 9007199254740990 }] }).replace(/"__U64__"/g, '18446744073709551615') }],
  ['every rlimit type', { json: j({ ...base, rlimits: Object.keys(RLIMITS).map((type, i) => ({ type, soft: i, hard: i * 10 })) }) }],
  ['ambient caps not permitted are left out', { json: j({ ...base, capabilities: { bounding: CAPABILITIES, permitted: ['CAP_KILL'], inheritable: ['CAP_KILL', 'CAP_CHOWN'], ambient: ['CAP_KILL', 'CAP_CHOWN', 'CAP_BPF'] } }) }],
  ['every capability', { json: j({ ...base, capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES, inheritable: CAPABILITIES, ambient: CAPABILITIES } }) }],
  ['umask 0 and 0777', { json: j({ ...base, user: { uid: 1, gid: 2, umask: 0, additionalGids: [] } }) }],
  ['umask 0777, largest ids', { json: j({ ...base, user: { uid: 4294967295, gid: 4294967295, umask: 511, additionalGids: [4294967295] } }) }],
  ['HOME from the container', { json: j({ ...base, env: ['A=b'] }), home: '/root' }],
  ['HOME in env wins', { json: j({ ...base, env: ['HOME=/x', 'PATH=/a', 'PATH=/b'] }), home: '/root' }],
  ['a variable given twice: once, its last value, where it last was', { json: j({ ...base, env: ['A=1', 'B=2', 'A=3', 'PATH=/a', 'C', 'C'] }) }],
  ['an empty HOME: from the container', { json: j({ ...base, env: ['HOME=/x', 'HOME='] }), home: '/root' }],
  ['a cwd with a quote and a backslash', { json: j({ ...base, cwd: '/a"b\\c' }) }],
  ['no env at all', { json: j({ ...base, env: undefined }) }],
  ['an empty env', { json: j({ ...base, env: [] }) }],
  ['escapes, unicode and a surrogate pair', { json: '{"user":{"uid":0,"gid":0},"cwd":"\\/t\\u00e9","args":["a\\"b\\\\c\\n\\t\\u0001\\b\\f\\r\\u007f","\\ud83d\\ude00","é€"],"env":["X=\\u2028\\u00ff"]}' }],
  ['a program name with a quote', { json: j({ ...base, args: ['my "prog"', 'x'] }) }],
  ['terminal with a console socket and size', { json: j({ ...base, terminal: true, consoleSize: { height: 25, width: 80 } }), socket: '/run/x/console.sock' }],
  ['terminal without a size', { json: j({ ...base, terminal: true }), socket: '/s' }],
  ['--tty on a process.json', { json: j(base), tty: true, socket: '/s' }],
  ['seccomp with no_new_privs: loaded last', { json: j({ ...base, noNewPrivileges: true }), seccomp: { flags: 0, bpf: BPF } }],
  ['seccomp without: before the caps', { json: j({ ...base, noNewPrivileges: false }), seccomp: { flags: 5, bpf: BPF } }],
  ['no namespaces to join: chroot', { json: j(base), namespaces: [] }],
  ['some namespaces, user among them', { json: j(base), namespaces: ['mnt', 'user', 'pid'] }],
  ['preserved fds', { json: j(base), preserve: 3 }],
  ['exec ID CMD: the container\'s process, the command', { json: j({ ...base, terminal: true, consoleSize: { height: 1, width: 2 }, env: ['PATH=/bin'] }), command: ['echo', 'a b', ''] }],
  ['exec -t ID CMD', { json: j({ ...base, env: ['PATH=/bin'] }), command: ['sh'], tty: true, socket: '/s' }],
  ['oomScoreAdj, as the CRI sets it on a pod\'s processes', { json: j({ ...base, oomScoreAdj: 1000 }) }],
  ['a negative oomScoreAdj, and 0', { json: j({ ...base, oomScoreAdj: -997 }), command: ['x'] }],
  ['oomScoreAdj 0', { json: j({ ...base, oomScoreAdj: 0 }) }],
  ['the container\'s session keyring joined', { json: j(base), keyring: '_ses.c' }],
  ['the keyring with a terminal', { json: j({ ...base, terminal: true }), socket: '/s', keyring: '_ses.a-b_c' }],
  // LSM labels: every engine's container has a profile on a stock host
  ['the container\'s AppArmor profile (docker-default), inherited', { json: j(base), container: { apparmorProfile: 'docker-default' } }],
  ['the container\'s SELinux label, inherited', { json: j(base), container: { selinuxLabel: 'system_u:system_r:container_t:s0:c12,c34' } }],
  ['both, with seccomp and no_new_privs', { json: j({ ...base, noNewPrivileges: true }), container: { apparmorProfile: 'containers-default-0.50.1', selinuxLabel: 'system_u:system_r:spc_t:s0' }, seccomp: { flags: 0, bpf: BPF } }],
  ['process.json\'s own labels over the container\'s', { json: j({ ...base, apparmorProfile: 'cri-containerd.apparmor.d', selinuxLabel: 'u:r:t' }), container: { apparmorProfile: 'other', selinuxLabel: 'x:y:z:s0' } }],
  ['process.json\'s labels with no container label', { json: j({ ...base, apparmorProfile: 'unconfined', selinuxLabel: 'u:r:t:s0-s0:c0.c1023' }) }],
  ['empty labels in process.json: the container\'s', { json: j({ ...base, apparmorProfile: '', selinuxLabel: '' }), container: { apparmorProfile: 'p', selinuxLabel: 'u:r:t' } }],
  ['empty labels everywhere: none', { json: j({ ...base, apparmorProfile: '' }), container: { apparmorProfile: '', selinuxLabel: '' } }],
  ['a profile stack and a namespaced profile', { json: j({ ...base, apparmorProfile: 'a//&b' }), container: { apparmorProfile: ':ns:p' } }],
  ['exec ID CMD with the container\'s labels', { json: j({ ...base, env: ['PATH=/bin'] }), command: ['true'], container: { apparmorProfile: 'docker-default', selinuxLabel: 'u:r:t:s0' } }],
  ['exec -t ID CMD with a profile', { json: j(base), command: ['sh'], tty: true, socket: '/s', container: { apparmorProfile: 'docker-default' } }],
  // --pidfd-socket: the process waits for its pidfd to be sent
  ['--pidfd-socket', { json: j(base), pidfd: true }],
  ['--pidfd-socket with a terminal, labels and seccomp', { json: j({ ...base, terminal: true }), socket: '/s', pidfd: true, container: { apparmorProfile: 'p' }, seccomp: { flags: 0, bpf: BPF } }],
  ['the keyring under an SELinux label (its key-creation label first)', { json: j(base), keyring: '_ses.c', container: { selinuxLabel: 'system_u:system_r:container_t:s0:c1,c2' } }],
  ['whitespace of every kind', { json: ' \r\n\t{ "user" : { "uid" : 0 , "gid" : 0 } , "args" : [ "sh" ] , "cwd" : "/" , "terminal" : false } \n' }],
];

t.test('the C path makes the same plan as Node, byte for byte', async (t) => {
  for (const [what, c] of SAME) {
    const ours = cPlan(c);
    t.ok(ours, `${what}: taken by the C path`);
    if (ours) t.same(ours.toString('latin1'), nodePlan(c).toString('latin1'), what);
  }
});

// A plan's records, each as its fields (docs/init-protocol.md, "The plan").
function records(plan: Buffer): string[][] {
  const out: string[][] = [];
  for (let p = 4; p < plan.length; ) {
    const n = plan.readUInt32LE(p);
    p += 4;
    const fields: string[] = [];
    for (let k = 0; k < n; k++) {
      const len = plan.readUInt32LE(p);
      fields.push(plan.subarray(p + 4, p + 4 + len).toString('latin1'));
      p += 4 + len;
    }
    out.push(fields);
  }
  return out;
}

t.test('both say `notify ready keep`: the socket is left for the execve to close (exec --detach waits for its EOF)', async (t) => {
  for (const [what, c] of SAME) {
    const ours = cPlan(c);
    if (!ours) continue;
    const notify = records(ours).filter((f) => f[0] === 'notify');
    t.same(notify, [['notify', 'report ready', 'ready', 'keep']], `${what}: the C path`);
    t.same(records(nodePlan(c)).filter((f) => f[0] === 'notify'), notify, `${what}: Node`);
  }
});

// What the C path must leave to Node (which then accepts it or says why).
const REFUSED: [string, string][] = [
  ['an unknown field', j({ ...base, foo: 1 })],
  ['an oomScoreAdj of -0 (JS prints 0)', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","oomScoreAdj":-0}'],
  ['an oomScoreAdj with a fraction', j({ ...base, oomScoreAdj: 1.5 })],
  ['an apparmorProfile that is no string', j({ ...base, apparmorProfile: 1 })],
  ['an apparmorProfile with a newline (Node refuses it)', j({ ...base, apparmorProfile: 'a\nb' })],
  ['a selinuxLabel that is no string', j({ ...base, selinuxLabel: true })],
  ['a selinuxLabel of two parts (Node refuses it)', j({ ...base, selinuxLabel: 'u:r' })],
  ['a selinuxLabel with an empty part', j({ ...base, selinuxLabel: 'u::t' })],
  ['a selinuxLabel with an empty level', j({ ...base, selinuxLabel: 'u:r:t:' })],
  ['a selinuxLabel with a space', j({ ...base, selinuxLabel: 'u:r:t s0' })],
  ['a selinuxLabel with a non-ASCII byte (JavaScript\'s \\s decides)', j({ ...base, selinuxLabel: 'u:r:t\u00a0' })],
  ['a scheduler', j({ ...base, scheduler: { policy: 'SCHED_OTHER' } })],
  ['ioPriority', j({ ...base, ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 1 } })],
  ['execCPUAffinity', j({ ...base, execCPUAffinity: { initial: '0' } })],
  ['a username', j({ ...base, user: { uid: 0, gid: 0, username: 'x' } })],
  ['no user', j({ args: ['sh'], cwd: '/' })],
  ['no gid', j({ ...base, user: { uid: 0 } })],
  ['no cwd', j({ user: { uid: 0, gid: 0 }, args: ['sh'] })],
  ['a relative cwd', j({ ...base, cwd: 'tmp' })],
  ['no args', j({ user: { uid: 0, gid: 0 }, cwd: '/' })],
  ['empty args', j({ ...base, args: [] })],
  ['a uid with a fraction', j({ ...base, user: { uid: 1.5, gid: 0 } })],
  ['a uid written 1.0', '{"user":{"uid":1.0,"gid":0},"args":["sh"],"cwd":"/"}'],
  ['a uid with an exponent', '{"user":{"uid":1e3,"gid":0},"args":["sh"],"cwd":"/"}'],
  ['a negative uid', j({ ...base, user: { uid: -1, gid: 0 } })],
  ['a uid above 2^32-1', j({ ...base, user: { uid: 4294967296, gid: 0 } })],
  ['a uid as a string', j({ ...base, user: { uid: '0', gid: 0 } })],
  ['an rlimit above 2^64-1', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551616,"hard":0}]}'],
  ['an rlimit between 2^53 and 2^64-1', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","soft":9007199254740993,"hard":0}]}'],
  ['an unknown rlimit', j({ ...base, rlimits: [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }] })],
  ['an rlimit without hard', j({ ...base, rlimits: [{ type: 'RLIMIT_CORE', soft: 1 }] })],
  ['an unknown capability', j({ ...base, capabilities: { bounding: ['CAP_FOO'] } })],
  ['an unknown capability set', j({ ...base, capabilities: { all: ['CAP_KILL'] } })],
  ['a terminal as a string', j({ ...base, terminal: 'true' })],
  ['a consoleSize without width', j({ ...base, terminal: true, consoleSize: { height: 1 } })],
  ['an env entry that is no string', j({ ...base, env: [1] })],
  ['a repeated key (JSON.parse keeps the last)', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","cwd":"/tmp"}'],
  ['a lone surrogate', '{"user":{"uid":0,"gid":0},"args":["\\ud800"],"cwd":"/"}'],
  ['a lone low surrogate', '{"user":{"uid":0,"gid":0},"args":["\\udc00x"],"cwd":"/"}'],
  ['a NUL in a string', '{"user":{"uid":0,"gid":0},"args":["a\\u0000b"],"cwd":"/"}'],
  ['a raw control character', '{"user":{"uid":0,"gid":0},"args":["a\tb"],"cwd":"/"}'],
  ['a byte-order mark', '\ufeff' + j(base)],
  ['trailing text', j(base) + 'x'],
  ['a trailing comma', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/",}'],
  ['single quotes', "{'user':{'uid':0,'gid':0},'args':['sh'],'cwd':'/'}"],
  ['a number with a leading zero', '{"user":{"uid":01,"gid":0},"args":["sh"],"cwd":"/"}'],
  ['nesting too deep', '{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","env":' + '['.repeat(50) + ']'.repeat(50) + '}'],
  ['a truncated document', j(base).slice(0, -3)],
  ['an array, not an object', j([base])],
  ['empty', ''],
  ['a terminal without a console socket', j({ ...base, terminal: true })],
];

t.test('what the C path leaves to Node', async (t) => {
  for (const [what, json] of REFUSED) t.equal(cPlan({ json }), undefined, what);
  const invalid = Buffer.concat([Buffer.from('{"user":{"uid":0,"gid":0},"cwd":"/","args":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
  const written = file(invalid);
  t.equal(spawnSync(driver, [written, '1', '0', '-', '-', '0', '0', '-', '0']).status, 3, 'invalid UTF-8 (Node would read U+FFFD)');
  const overlong = Buffer.concat([Buffer.from('{"user":{"uid":0,"gid":0},"cwd":"/","args":["'), Buffer.from([0xc0, 0xaf]), Buffer.from('"]}')]);
  t.equal(spawnSync(driver, [file(overlong), '1', '0', '-', '-', '0', '0', '-', '0']).status, 3, 'an overlong UTF-8 form');
  const surrogate = Buffer.concat([Buffer.from('{"user":{"uid":0,"gid":0},"cwd":"/","args":["'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"]}')]);
  t.equal(spawnSync(driver, [file(surrogate), '1', '0', '-', '-', '0', '0', '-', '0']).status, 3, 'a surrogate in UTF-8');
});

t.test('whatever the C path takes, Node takes too (schema and compile)', async (t) => {
  for (const [what, c] of SAME) t.doesNotThrow(() => nodePlan(c), what);
});

t.test("execplan.c's tables are src/spec/tables.ts's", async (t) => {
  const src = fs.readFileSync(path.join(REPO, 'native', 'direct', 'execplan.c'), 'utf8');
  const table = (name: string) => [...new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`).exec(src)![1].matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  t.same(table('CAPABILITY_NAMES'), CAPABILITIES, 'capabilities, by bit');
  t.same(table('RLIMIT_NAMES'), Object.entries(RLIMITS).sort((a, b) => a[1] - b[1]).map(([n]) => n), 'rlimits, by number');
});

t.test('execRecord: what create leaves for exec', async (t) => {
  const layout = (nsdelegate: boolean): Layout => ({ hierarchies: [{ mountpoint: '/sys/fs/cgroup/unified', version: 2, controllers: [], nsdelegate }] }) as unknown as Layout;
  const config = { ociVersion: '1.3.0', process: { ...base, env: ['A=b\nc'] } } as Config;
  const cgroup = { path: '/runts/c', dirs: ['/sys/fs/cgroup/cpu/runts/c', '/sys/fs/cgroup/unified/runts/c'], created: [] };
  t.equal(
    execRecord(config, cgroup, layout(true), { flags: 1, bpf: BPF }),
    `runts-exec 1\nnsdelegate 1\ncgroup /sys/fs/cgroup/cpu/runts/c\ncgroup /sys/fs/cgroup/unified/runts/c\nseccomp 1\nprocess {"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","env":["A=b\\nc"]}\n`,
  );
  t.equal(execRecord(config, undefined, layout(false)), `runts-exec 1\nnsdelegate 0\nprocess ${JSON.stringify(config.process)}\n`, 'no cgroup, no filter');
  t.equal(execRecord(config, undefined, layout(false), undefined, '_ses.c'), `runts-exec 1\nnsdelegate 0\nkeyring _ses.c\nprocess ${JSON.stringify(config.process)}\n`, 'the session keyring exec joins');
  t.equal(execRecord(config, cgroup, layout(false), { flags: 0, bpf: BPF, listenerPath: '/l' }), undefined, 'a seccomp listener: Node');
  const labelled = { ...config, process: { ...config.process!, apparmorProfile: 'docker-default', selinuxLabel: 'u:r:t:s0' } } as Config;
  t.equal(
    execRecord(labelled, undefined, layout(false)),
    `runts-exec 1\nnsdelegate 0\napparmor docker-default\nselinux u:r:t:s0\nprocess ${JSON.stringify(labelled.process)}\n`,
    'the LSM labels: lines of their own',
  );
  t.equal(execRecord({ ...config, process: { ...config.process!, apparmorProfile: 'a\nb' } } as Config, cgroup, layout(false)), undefined, 'a newline in a label');
  t.equal(execRecord(config, { ...cgroup, dirs: ['/a\nb'] }, layout(false)), undefined, 'a newline in a path');
});
