// runts-init's LSM ops (native/init/lsm.c, docs/init-protocol.md) run by
// the init itself on a one-op plan, without a container: on any host each
// fails with its step's label, the errno and the attribute file, or the
// kernel accepts the write. Needs bin/runts-init (make build), not root.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { encodePlan, ins, Instruction } from '../../src/plan/instructions';

const INIT = path.join(__dirname, '..', '..', 'bin', 'runts-init');
const read = (f: string) => {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
};
const apparmor = read('/sys/module/apparmor/parameters/enabled')?.startsWith('Y') === true;

// Runs the plan in a fresh init; everything it said on the sync socket.
function run(plan: Instruction[]): Promise<{ lines: string[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(INIT, [], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { _RUNTS_SYNC: '3' } });
    const sock = child.stdio[3] as Socket;
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    sock.on('data', (c: Buffer) => (text += c.toString()));
    sock.on('error', () => {});
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ lines: text.split('\n').filter(Boolean), code });
    });
    child.once('error', reject);
    sock.write(encodePlan(plan));
  });
}

t.test('apparmor-exec: one write of "exec PROFILE"; an error names the step, the errno and the attribute file', async (t) => {
  const { lines, code } = await run([ins('apparmor-exec', 'set AppArmor profile runts-unit-nonesuch on exec', 'runts-unit-nonesuch')]);
  t.equal(code, 1);
  // No AppArmor: attr/apparmor/exec is absent or refuses (EINVAL); with it, an unknown profile is ENOENT.
  const errno = apparmor ? 'ENOENT' : 'EINVAL';
  t.match(lines[0], new RegExp(`^error set AppArmor profile runts-unit-nonesuch on exec: ${errno}: write /proc/thread-self/attr/(apparmor/)?exec: `));
});

t.test('selinux-label: only exec and keycreate; an error names the attribute file', async (t) => {
  const bad = await run([ins('selinux-label', 'set a label', 'current', 'u:r:t:s0')]);
  t.match(bad.lines[0], /^error set a label: EINVAL: attribute must be exec or keycreate$/);
  const selinux = fs.existsSync('/sys/fs/selinux/enforce');
  const r = await run([ins('selinux-label', 'set the exec label', 'exec', 'runts_u:runts_r:runts_nonesuch_t:s0')]);
  t.equal(r.code, 1, 'a context no policy knows (or no SELinux) is refused by the kernel');
  t.match(r.lines[0], /^error set the exec label: EINVAL: write \/proc\/thread-self\/attr\/exec: /, selinux ? 'SELinux: unknown context' : 'no SELinux behind attr/exec');
});

t.test('file-label: security.selinux set on the resolved path, or the filesystem\'s refusal named', { skip: fs.existsSync('/sys/fs/selinux/enforce') && 'SELinux is enabled here: the policy decides (lsm.test.ts covers it)' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-init-lsm-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = await run([ins('file-label', `label ${dir}`, dir, 'u:object_r:t:s0')]);
  if (r.code === 0) {
    // Without an LSM the filesystem keeps security.* as it is given (root may set it).
    const x = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "security.selinux").decode())', dir], { encoding: 'utf8' });
    t.equal(x.stdout.trim(), 'u:object_r:t:s0', 'the xattr, exactly the label');
  } else {
    t.match(r.lines[0], new RegExp(`^error label ${dir}: E[A-Z]+: `), 'the refusal names the step');
  }
});

t.test('mask takes an optional tmpfs data argument, no more', async (t) => {
  const r = await run([ins('mask', 'mask /x', '/x', 'a', 'b')]);
  t.match(r.lines[0], /^error mask \/x: EINVAL: wrong number of arguments$/);
});
