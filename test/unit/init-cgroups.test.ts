// runts-init's `mkcgroup ROOT DIR CPUSET` (docs/init-protocol.md): the
// directories it makes, what it says of them, and what it takes back when
// one cannot be made. Plain directories stand in for the hierarchies, so
// this needs bin/runts-init (make build), not root. The same tests run the
// arm64 init (bin/arm64/runts-init, make arm64) under qemu-user, so that a
// broken arm64 build fails here.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Test } from 'tap';

const BIN = path.join(__dirname, '..', '..', 'bin');
const QEMU = 'qemu-aarch64-static';
const hasQemu = spawnSync(QEMU, ['--version']).status === 0;

// How to start each init: the host's directly; the arm64 one under qemu-user
// from a sealed copy (sealed-qemu.py says why).
interface Init {
  name: string;
  binary: string;
  command: (args: string[]) => [string, string[]];
  skip: string | false;
}
const INITS: Init[] = [
  { name: 'runts-init', binary: path.join(BIN, 'runts-init'), command: (args) => [path.join(BIN, 'runts-init'), args], skip: false },
  {
    name: 'arm64 runts-init under qemu-user',
    binary: path.join(BIN, 'arm64', 'runts-init'),
    command: (args) => ['python3', [path.join(__dirname, 'sealed-qemu.py'), QEMU, path.join(BIN, 'arm64', 'runts-init'), ...args]],
    skip: hasQemu ? false : `${QEMU} is not installed (qemu-user-static; scripts/test-deps.sh)`,
  },
];

for (const init of INITS) t.test(init.name, { skip: init.skip }, async (t) => tests(t, init));

function tests(t: Test, init: Init): void {
  if (!fs.existsSync(init.binary)) {
    t.fail(`${init.binary} is missing (make build; make arm64 for bin/arm64)`);
    return;
  }
  // Starts the init with these arguments and its sync socket on fd 3; the
  // lines it sends until `cgroups made` or an error, then EOF for it (no plan).
  function linesOf(args: string[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const [cmd, argv] = init.command(args);
      const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { ...(cmd === 'python3' ? { PATH: process.env.PATH } : {}), _RUNTS_SYNC: '3' } });
      const sock = child.stdio[3] as Socket;
      let text = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no end of the cgroup lines: ${JSON.stringify(text)}`));
      }, 10000);
      sock.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const lines = text.split('\n').slice(0, -1);
        if (lines.some((l) => l === 'cgroups made' || l.startsWith('error '))) {
          clearTimeout(timer);
          sock.end();
          child.once('exit', () => resolve(lines));
        }
      });
      child.once('error', reject);
    });
  }

  t.test('mkcgroup: the missing parents and the directory, each said once made; one there already is not ours', async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-mkcgroup-'));
    t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const [a, b] = ['a', 'b'].map((h) => path.join(tmp, h));
    fs.mkdirSync(a);
    fs.mkdirSync(path.join(b, 'runts', 'c1'), { recursive: true }); // there already
    const lines = await linesOf(['mkcgroup', a, path.join(a, 'runts', 'c1'), '0', 'mkcgroup', b, path.join(b, 'runts', 'c1'), '0']);
    t.same(lines, [`made ${a}/runts`, `made ${a}/runts/c1`, 'cgroups made'], 'parents first; nothing for a directory that was there');
    t.ok(fs.statSync(path.join(a, 'runts', 'c1')).isDirectory(), 'made');
  });

  t.test('mkcgroup: a directory that cannot be made takes back those made before it, and is named', async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-mkcgroup-'));
    t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const [a, b] = ['a', 'b'].map((h) => path.join(tmp, h));
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    fs.writeFileSync(path.join(b, 'file'), '');
    const bad = path.join(b, 'file', 'c1');
    const lines = await linesOf(['mkcgroup', a, path.join(a, 'runts', 'c1'), '0', 'mkcgroup', b, bad, '0']);
    t.same(lines.slice(0, 2), [`made ${a}/runts`, `made ${a}/runts/c1`]);
    t.match(lines[2], new RegExp(`^error create cgroup ${bad}: ENOTDIR: `), 'the error names the directory');
    t.notOk(fs.existsSync(path.join(a, 'runts')), 'what it had made is gone again');
    // A cpuset directory whose parent has no cpus to give (a plain directory here) fails the same way.
    const c = path.join(tmp, 'c');
    fs.mkdirSync(c);
    const cpuset = await linesOf(['mkcgroup', c, path.join(c, 'runts', 'c1'), '1']);
    t.match(cpuset[cpuset.length - 1], /^error create cgroup .*: ENOENT: /, 'cpuset.cpus missing');
    t.notOk(fs.existsSync(path.join(c, 'runts')), 'and nothing is left');
  });
}
