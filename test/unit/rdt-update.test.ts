// update --l3-cache-schema / --mem-bw-schema: runc 1.5's checks in its
// order, then the schemata of the container's resctrl group (a made-up
// resctrl tree here; the e2e test runs the refusal on a host without one).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { updateRdt } from '../../src/container/rdt-update';

function resctrl(t: { teardown: (f: () => void) => void }, info: string[], groups: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-unit-resctrl-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const i of info) fs.mkdirSync(path.join(root, 'info', i), { recursive: true });
  for (const g of groups) {
    fs.mkdirSync(path.join(root, g));
    fs.writeFileSync(path.join(root, g, 'schemata'), '');
  }
  return root;
}

t.test('without CAT or MBA: runc 1.5\'s words, naming the flag', async (t) => {
  const none = path.join(os.tmpdir(), 'runts-unit-no-resctrl-here');
  t.throws(() => updateRdt({ l3CacheSchema: 'L3:0=f' }, 'c1', { closID: 'x' }, none), { message: 'update: --l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled' });
  t.throws(() => updateRdt({ memBwSchema: 'MB:0=50' }, 'c1', { closID: 'x' }, none), { message: 'update: --mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled' });
  const l3only = resctrl(t, ['L3'], []);
  t.throws(() => updateRdt({ l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=50' }, 'c1', {}, l3only), { message: /Intel RDT\/MBA: memory bandwidth schema is not enabled/ }, 'MBA checked too');
});

t.test('a container without linux.intelRdt cannot be given one by update (runc 1.5)', async (t) => {
  const root = resctrl(t, ['L3', 'MB'], []);
  t.throws(() => updateRdt({ l3CacheSchema: 'L3:0=f' }, 'c1', undefined, root), { message: /^update: updating a non-existent Intel RDT configuration is not supported/ });
});

t.test('the schemata of the group named by closID, or by the container ID', async (t) => {
  const root = resctrl(t, ['L3', 'MB'], ['shared', 'c1']);
  updateRdt({ l3CacheSchema: 'L3:0=ff' }, 'c1', { closID: 'shared' }, root);
  t.equal(fs.readFileSync(path.join(root, 'shared', 'schemata'), 'utf8'), 'L3:0=ff\n', 'closID names the group');
  updateRdt({ memBwSchema: 'MB:0=70' }, 'c1', {}, root);
  t.equal(fs.readFileSync(path.join(root, 'c1', 'schemata'), 'utf8'), 'MB:0=70\n', 'no closID: the container ID');
  t.throws(() => updateRdt({ l3CacheSchema: 'L3:0=ff' }, 'c2', {}, root), { message: /^update: Intel RDT: write "L3:0=ff" to \S+\/c2\/schemata: ENOENT/ }, 'a missing group is named');
});
