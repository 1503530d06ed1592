// Mount features checked from inside the container and from the host's
// mount table: idmapped bind mounts, read-only binds, masked and read-only paths.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, newId, runts, tempDir } from './lib';

t.test('an idmapped bind mount shows files with the mapped owner; the source is unchanged', async (t) => {
  const src = tempDir(t);
  fs.writeFileSync(path.join(src, 'f'), 'x');
  fs.chownSync(path.join(src, 'f'), 0, 0);
  const b = makeBundle(t, {
    args: ['sh', '-c', 'stat -c "%u %g" /mnt/id/f; grep " /mnt/id " /proc/self/mountinfo'],
    edit: (c) => c.mounts.push({ destination: '/mnt/id', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1234, size: 1 }], gidMappings: [{ containerID: 0, hostID: 4321, size: 1 }] }),
  });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.match(r.stdout, /^1234 4321$/m, 'owner 0 on disk is seen as the mapped ids');
  t.match(r.stdout, /idmapped/, 'the kernel reports the mount idmapped');
  const st = fs.statSync(path.join(src, 'f'));
  t.same([st.uid, st.gid], [0, 0], 'the source is untouched');
});

t.test('an idmap option without mappings is a validation error naming the mount', async (t) => {
  const b = makeBundle(t, { edit: (c) => c.mounts.push({ destination: '/m', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] }) });
  const id = newId(t);
  const r = runts(['create', '--bundle', b.dir, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /\/mounts\/\d+: an idmapped mount needs both uidMappings and gidMappings/);
});

t.test('read-only binds, masked and read-only paths, as the container sees them', async (t) => {
  const src = tempDir(t);
  const b = makeBundle(t, {
    args: ['sh', '-c', 'touch /data/x 2>&1; cat /proc/kcore 2>&1 | head -c 10 | wc -c; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1; grep -E " /data | /proc/sys " /proc/self/mountinfo'],
    edit: (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'ro', 'nosuid'] });
      c.root.readonly = false;
    },
  });
  const r = runts(['run', '--bundle', b.dir, newId(t)]);
  t.equal(r.status, 0, 'run', { stderr: r.stderr });
  t.match(r.stdout, /touch: \/data\/x: Read-only file system/, 'the bind is read-only');
  t.match(r.stdout, / \/data ro,nosuid/, 'with its flags in mountinfo');
  t.match(r.stdout, /^0$/m, '/proc/kcore masked (reads nothing)');
  t.match(r.stdout, / \/proc\/sys ro/, '/proc/sys read-only');
  t.notOk(fs.existsSync(path.join(src, 'x')), 'nothing written through');
});
