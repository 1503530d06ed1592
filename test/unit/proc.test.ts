// readStat (src/sys/proc.ts): a process's state, parent and start time from
// /proc/<pid>/stat, whatever its command name holds.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { isAlive, readStat } from '../../src/sys/proc';

// The same fields, found another way: the state follows the last ')' (the
// greedy .*), the parent next, and the start time is the 20th field after
// the state.
function expected(pid: number): { state: string; ppid: number; startTime: string } {
  const m = /^.*\) (\S) (\d+) (?:\S+ ){17}(\d+) /s.exec(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (!m) throw new Error(`cannot parse /proc/${pid}/stat`);
  return { state: m[1], ppid: Number(m[2]), startTime: m[3] };
}

t.test('this process', async (t) => {
  const st = readStat(process.pid);
  t.same(st, { ...expected(process.pid), state: st?.state });
  t.match(st?.state, /^[RS]$/);
  t.ok(isAlive(process.pid, st!.startTime), 'alive, with its own start time');
  t.notOk(isAlive(process.pid, String(Number(st!.startTime) + 1)), 'not with another start time (a reused pid)');
});

t.test('a command name with spaces and parentheses', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-proc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const odd = path.join(dir, 'a) b (c');
  fs.symlinkSync('/bin/sleep', odd);
  const child = spawn(odd, ['30'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  // Until the exec is done the name is still node's; then it goes to sleep.
  const asleep = () => fs.readFileSync(`/proc/${child.pid}/stat`, 'latin1').startsWith(`${child.pid} (a) b (c) S `);
  for (let i = 0; i < 200 && !asleep(); i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(asleep(), 'the child sleeps under its odd name');
  t.same(readStat(child.pid!), expected(child.pid!));
  t.equal(readStat(child.pid!)?.state, 'S', 'sleeping');
});

t.test('no such process', async (t) => {
  t.equal(readStat(0x3fffffff), undefined);
  t.notOk(isAlive(0x3fffffff, '1'));
});
