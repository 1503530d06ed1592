// flock through the native init's helper mode, and through libc when koffi
// is loaded already: both must lock alike. Needs bin/runts-init (make
// build), not root.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { flockExclusive } from '../../src/sys/helper';
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
    flockExclusive('test', fd);
    t.ok(lockedByOthers(file), 'held after the call returned');
    fs.closeSync(fd);
    t.notOk(lockedByOthers(file), 'released by closing the fd');
  });
}
