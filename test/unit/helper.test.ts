// flock and mkfifo through the native init's helper mode, and through libc
// when koffi is loaded already: both must lock and make fifos alike. Needs
// bin/runts-init (make build), not root.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runHelper } from '../../src/sys/helper';
import { getLibc, loadedLibc } from '../../src/sys/libc';

// util-linux flock(1) with -n: exit 1 when somebody else holds the lock.
const lockedByOthers = (file: string) => spawnSync('flock', ['-n', file, 'true']).status === 1;

for (const via of ['helper', 'libc'] as const) {
  t.test(`${via}: flock holds the lock after the call, until the fd is closed`, async (t) => {
    if (via === 'libc') getLibc();
    t.equal(!!loadedLibc(), via === 'libc', `koffi ${via === 'libc' ? '' : 'not '}loaded`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-helper-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'lock');
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o600);
    t.notOk(lockedByOthers(file), 'free before');
    runHelper('test', [{ op: 'flock', fd }]);
    t.ok(lockedByOthers(file), 'held after the call returned');
    fs.closeSync(fd);
    t.notOk(lockedByOthers(file), 'released by closing the fd');
  });

  t.test(`${via}: mkfifo makes a fifo with exactly the mode, whatever the umask`, async (t) => {
    if (via === 'libc') getLibc();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-helper-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'barrier');
    const old = process.umask(0o077);
    try {
      runHelper('test', [{ op: 'mkfifo', path: fifo, mode: 0o622 }]);
    } finally {
      process.umask(old);
    }
    const st = fs.statSync(fifo);
    t.ok(st.isFIFO(), 'a fifo');
    t.equal(st.mode & 0o7777, 0o622, 'mode 0622');
    t.throws(() => runHelper('make barrier', [{ op: 'mkfifo', path: fifo, mode: 0o622 }]), via === 'helper' ? /^make barrier: mkfifo .*barrier: EEXIST: File exists$/ : /^make barrier: mkfifo .*barrier: errno 17$/, 'an existing path is an error naming it');
  });
}
