// runts-init's `notify NAME SOCKET` (native/init/protocol.c,
// docs/init-protocol.md): what becomes of the sync socket after `ready` is
// the plan's word, `close` or `keep`, whatever op comes next. Seen from the
// kernel: the init's open fds while it waits at a barrier after `ready`.
// Needs bin/runts-init (make build), not root.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { encodePlan, ins, Instruction } from '../../src/plan/instructions';

const INIT = path.join(__dirname, '..', '..', 'bin', 'runts-init');
// open(2)/openat(2), as /proc/PID/syscall numbers them: where the init blocks
// at `wait-barrier` until a reader opens the fifo.
const OPENS: Record<string, number[]> = { x64: [2, 257], arm64: [56] };

interface Init {
  child: ChildProcess;
  lines: string[];
  line: (want: string) => Promise<void>; // resolves once that line came
  eof: Promise<void>;
  exit: Promise<number | null>;
}

function start(plan: Instruction[]): Init {
  const child = spawn(INIT, [], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { _RUNTS_SYNC: '3' } });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const sock = child.stdio[3] as Socket;
  const lines: string[] = [];
  const waiting: [string, () => void][] = [];
  let text = '';
  sock.on('data', (c: Buffer) => {
    text += c.toString();
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      lines.push(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    for (const [want, go] of waiting) if (lines.includes(want)) go();
  });
  sock.on('error', () => {});
  const eof = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  sock.write(encodePlan(plan));
  const line = (want: string) => new Promise<void>((resolve, reject) => {
    waiting.push([want, resolve]);
    eof.then(() => (lines.includes(want) ? resolve() : reject(new Error(`EOF before "${want}": ${JSON.stringify(lines)}`))));
  });
  return { child, lines, line, eof, exit };
}

function syscallOf(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

async function blockedInOpen(pid: number): Promise<boolean> {
  for (let i = 0; i < 1000; i++) {
    if ((OPENS[process.arch] ?? []).includes(syscallOf(pid) ?? -1)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

// The init's fds above stdio and what each is.
function extraFds(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => fd > 2).sort((a, b) => a - b).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
}

for (const socket of ['close', 'keep']) {
  t.test(`notify ready ${socket}: the socket ${socket === 'close' ? 'is closed at ready' : 'stays open past ready, for the execve to close'}, though exec does not come next`, { skip: !OPENS[process.arch] && `no open(2) numbers for ${process.arch}` }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-init-notify-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'barrier');
    t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const init = start([ins('open-barrier', 'open the barrier', fifo), ins('notify', 'report ready', 'ready', socket), ins('wait-barrier', 'wait for start')]);
    await init.line('notify ready');
    const pid = init.child.pid!;
    t.ok(await blockedInOpen(pid), 'the init blocks in the barrier fifo\'s open, after ready');
    const fds = extraFds(pid);
    const others = fds.filter((f) => f !== fifo);
    if (socket === 'close') {
      t.same(others, [], 'no fd but stdio and the barrier', { fds });
      await init.eof;
      t.ok(await blockedInOpen(pid), 'EOF while the init still waits at the barrier');
    } else {
      t.equal(others.length, 1, 'one fd but stdio and the barrier', { fds });
      t.match(others[0], /^socket:\[\d+\]$/, 'the socket');
    }
    // The reader start would be: the init writes its byte, and the plan ends.
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    t.teardown(() => fs.closeSync(fd));
    t.equal(await init.exit, 0, 'the plan ends: exit 0');
    await init.eof;
    t.same(init.lines, ['notify ready'], 'nothing but ready on the socket');
  });
}

t.test('notify: the socket argument is required and checked before anything is sent', async (t) => {
  const bad = start([ins('notify', 'report ready', 'ready', 'open')]);
  t.equal(await bad.exit, 1);
  await bad.eof;
  t.same(bad.lines, ['error report ready: EINVAL: socket must be close or keep'], 'no ready line, the step named');
  const old = start([ins('notify', 'report ready', 'ready')]);
  t.equal(await old.exit, 1);
  await old.eof;
  t.same(old.lines, ['error report ready: EINVAL: wrong number of arguments'], 'a plan of the one-argument form');
});

// exec's guard (native/init/exec.c): a socket still open must not be among
// the fds the program inherits. After `notify ready keep` the open socket is
// the one kept for the execve (here fd 3, the first preserved one): passed
// on, it would stay open in the program, and exec --detach would wait for
// an EOF that comes only when the program ends.
t.test('exec refuses to pass on the socket kept past ready among the preserved fds', async (t) => {
  const stderr: string[] = [];
  const child = spawn(INIT, [], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { _RUNTS_SYNC: '3' } });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const sock = child.stdio[3] as Socket;
  let text = '';
  sock.on('data', (c: Buffer) => (text += c.toString()));
  sock.on('error', () => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const argv = ['/bin/sleep', '30'];
  sock.write(encodePlan([ins('notify', 'report ready', 'ready', 'keep'), ins('exec', '/process/args', 1, argv[0], argv.length, ...argv, 0)]));
  t.equal(await exit, 1, 'the init fails instead of running sleep with the socket');
  t.equal(text, 'notify ready\n', 'ready, then nothing on the socket (its runtime stopped listening)');
  t.match(stderr.join(''), /the sync fd is among the preserved fds/, 'the reason on stderr');
});
