// The systemd cgroup driver (--systemd-cgroup) on a stock host: systemd as
// PID 1 owning a pure cgroup v2 tree (the stock-host VM, scripts/v2-host;
// make test runs this file there), or a hybrid one (the v1 controllers and
// systemd's name=systemd hierarchy, an empty cgroup2 at
// /sys/fs/cgroup/unified: make test's second boot, RUNTS_V2_MODE=hybrid).
// Each test's name says which shape it ran on. What a test believes is what systemd
// says (`systemctl show`, `systemctl list-units`) and what the kernel says
// (the cgroup's files, /proc/PID/cgroup), never what runts says.
//
// Every unit a test names is stopped and forgotten in its teardown, pass or
// fail, after its containers are deleted (lib.ts).
import t from 'tap';
import type { Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { criuProblem, isOneLineError, launcherWithoutNode, makeBundle, newId, runts, RUNTS, stateDir, tempDir, waitFor, Config } from './lib';
import { detectLayout } from '../../src/cgroups/layout';

const pid1 = (() => {
  try {
    return fs.readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    return '';
  }
})();
const layout = detectLayout();
const v2 = layout.kind === 'v2';
const skip =
  pid1 !== 'systemd'
    ? `needs systemd as PID 1 (PID 1 here is ${pid1 || 'unknown'}): runs in the stock-host VM, scripts/v2-host`
    : layout.kind !== 'v2' && layout.kind !== 'hybrid'
      ? `needs a cgroup v2 or hybrid host (this one is ${layout.kind})`
      : process.getuid?.() !== 0
        ? 'needs root'
        : false;
const SHAPE = v2 ? 'pure cgroup v2' : layout.kind === 'hybrid' ? 'hybrid: v1 controllers, name=systemd' : layout.kind;
// Every test's name ends with the host shape it ran on.
const named = (name: string) => `${name} [${SHAPE}]`;

// The directory of cgroup path cg in the hierarchy of a controller (v2: the one tree).
function cgDir(controller: string, cg: string): string {
  if (v2) return path.join('/sys/fs/cgroup', cg);
  const h = layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes(controller));
  if (!h) throw new Error(`no v1 hierarchy with ${controller}`);
  return path.join(h.mountpoint, cg);
}
// Its directory in every hierarchy (v1: each controller's and name=systemd).
const allDirs = (cg: string) => layout.hierarchies.map((h) => path.join(h.mountpoint, cg));

const SLOW = { timeout: 180_000 }; // every runts call starts Node, under emulation in the VM

function systemctl(args: string[]): string {
  const r = spawnSync('systemctl', ['--no-pager', ...args], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout ?? '';
}

// `systemctl show UNIT -p ...` as an object.
function show(unit: string, props: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of systemctl(['show', unit, ...props.flatMap((p) => ['-p', p])]).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

// Is the unit known to systemd at all (loaded, in any state)?
function listed(unit: string): boolean {
  return systemctl(['list-units', '--all', '--plain', '--no-legend', unit]).split('\n').some((l) => l.trim().split(/\s+/)[0] === unit);
}

// A unit this test may make: stopped and forgotten whatever happens.
function ownUnit(t: Test, unit: string): string {
  t.teardown(() => {
    if (listed(unit)) {
      spawnSync('systemctl', ['kill', '--signal=KILL', unit]);
      spawnSync('systemctl', ['stop', unit]);
    }
    spawnSync('systemctl', ['reset-failed', unit]);
  });
  return unit;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim();

// The process's cgroup: the unified line (on a hybrid host systemd keeps it
// the same as name=systemd's).
function cgroupOf(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3);
}
// Every v1 line of /proc/PID/cgroup: controllers -> path.
function v1CgroupsOf(pid: number): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const r = /^[1-9]\d*:([^:]+):(.*)$/.exec(l);
    if (r) m.set(r[1], r[2]);
  }
  return m;
}
// The processes of a cgroup (v1: the pids hierarchy's).
const procsOf = (cg: string) => read(cgDir('pids', cg), 'cgroup.procs').split('\n').filter(Boolean).map(Number);

function limits(c: Config): void {
  c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 32 }, cpu: { shares: 512, quota: 50000, period: 100000 } };
}

// A created container with the systemd driver: its id, pid and unit.
function createWithSystemd(t: Test, edit: (c: Config) => void = limits, cgroupsPath?: (id: string) => string) {
  const id = newId(t);
  const unitName = cgroupsPath ? undefined : `runts-${id}.scope`;
  const b = makeBundle(t, {
    args: ['sleep', '600'],
    edit: (c) => {
      edit(c);
      if (cgroupsPath) c.linux.cgroupsPath = cgroupsPath(id);
    },
  });
  const unit = ownUnit(t, unitName ?? `${cgroupsPath!(id).split(':')[1]}-${cgroupsPath!(id).split(':')[2]}.scope`);
  const r = runts(['--systemd-cgroup', 'create', '--bundle', b.dir, id], SLOW);
  return { id, unit, bundle: b, r };
}

t.test(named('--systemd-cgroup create: a transient scope in system.slice with the limits as its properties'), { skip }, async (t) => {
  const { id, unit, r } = createWithSystemd(t);
  t.equal(r.status, 0, `create: ${r.stderr}`);
  const pid = JSON.parse(runts(['state', id], SLOW).stdout).pid as number;
  const p = show(unit, ['ControlGroup', 'Slice', 'Delegate', 'ActiveState', 'MemoryMax', 'MemoryLimit', 'TasksMax', 'CPUQuotaPerSecUSec', 'CPUWeight', 'CPUShares', 'MemoryAccounting', 'TasksAccounting', 'Description']);
  t.equal(p.ActiveState, 'active', 'systemd has the unit running');
  t.equal(p.Slice, 'system.slice');
  t.equal(p.ControlGroup, `/system.slice/${unit}`);
  t.equal(p.Delegate, 'yes');
  if (v2) t.equal(p.MemoryMax, String(64 * 1024 * 1024));
  else t.equal(p.MemoryLimit, String(64 * 1024 * 1024), 'v1: MemoryLimit');
  t.equal(p.TasksMax, '32');
  t.equal(p.CPUQuotaPerSecUSec, '500ms', 'half a CPU');
  if (v2) t.equal(p.CPUWeight, '20', 'shares 512 as a weight');
  else t.equal(p.CPUShares, '512', 'v1: CPUShares');
  t.equal(p.MemoryAccounting, 'yes');
  t.equal(p.TasksAccounting, 'yes');
  t.match(p.Description, id);
  const cg = p.ControlGroup;
  t.equal(cgroupOf(pid), cg, "the container's process is in the unit's cgroup");
  if (v2) {
    const dir = cgDir('memory', cg);
    t.equal(read(dir, 'memory.max'), String(64 * 1024 * 1024), 'the kernel says the same');
    t.equal(read(dir, 'pids.max'), '32');
    t.equal(read(dir, 'cpu.max'), '50000 100000');
    t.equal(read(dir, 'cpu.weight'), '20');
  } else {
    const lines = v1CgroupsOf(pid);
    for (const h of layout.hierarchies.filter((x) => x.version === 1)) t.equal(lines.get(h.controllers.join(',')), cg, `in the scope under ${h.mountpoint}`);
    t.equal(read(cgDir('memory', cg), 'memory.limit_in_bytes'), String(64 * 1024 * 1024), 'the kernel says the same: memory.limit_in_bytes');
    t.equal(read(cgDir('pids', cg), 'pids.max'), '32');
    t.equal(read(cgDir('cpu', cg), 'cpu.cfs_quota_us'), '50000');
    t.equal(read(cgDir('cpu', cg), 'cpu.cfs_period_us'), '100000');
    t.equal(read(cgDir('cpu', cg), 'cpu.shares'), '512');
  }
  t.ok(procsOf(cg).includes(pid));
  for (const d of allDirs(`/runts/${id}`)) t.notOk(fs.existsSync(d), `nothing made through cgroupfs beside it: ${d}`);
  const status = systemctl(['status', unit]);
  t.match(status, unit, 'systemctl status knows it');

  t.equal(runts(['delete', '--force', id], SLOW).status, 0, 'delete (the record says which manager: no flag needed)');
  t.notOk(listed(unit), 'the unit is gone from systemctl list-units --all');
  for (const d of allDirs(cg)) t.notOk(fs.existsSync(d), `and its cgroup: ${d}`);
});

t.test(named('--systemd-cgroup run: the container runs in its unit, which goes when it exits'), { skip }, async (t) => {
  const id = newId(t);
  const unit = ownUnit(t, `runts-${id}.scope`);
  const files = v2 ? '/sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max';
  const b = makeBundle(t, { args: ['sh', '-c', `cat /proc/self/cgroup; cat ${files}`], edit: limits });
  const r = runts(['--systemd-cgroup', 'run', '--bundle', b.dir, id], SLOW);
  t.equal(r.status, 0, r.stderr);
  if (v2) t.match(r.stdout, /^0::\/$/m, 'in its own cgroup namespace, rooted at the unit');
  else {
    t.match(r.stdout, new RegExp(`^\\d+:memory:/system\\.slice/${unit.replace(/\./g, '\\.')}$`, 'm'), 'in the unit under the memory hierarchy (no cgroup namespace on v1)');
    t.match(r.stdout, new RegExp(`^\\d+:name=systemd:/system\\.slice/${unit.replace(/\./g, '\\.')}$`, 'm'), 'and name=systemd');
  }
  t.match(r.stdout, new RegExp(`^${64 * 1024 * 1024}\\n32$`, 'm'), "the unit's limits, seen from inside");
  t.notOk(listed(unit), 'no unit after run');
  for (const d of allDirs(`/system.slice/${unit}`)) t.notOk(fs.existsSync(d), `no ${d}`);
});

t.test(named('cgroupsPath slice:prefix:name places the scope in that slice'), { skip }, async (t) => {
  const slice = ownUnit(t, 'runtstest-e2e.slice');
  const { id, unit, r } = createWithSystemd(t, limits, (id) => `runtstest-e2e.slice:runtstest:${id}`);
  t.equal(r.status, 0, r.stderr);
  const p = show(unit, ['ControlGroup', 'Slice']);
  t.equal(p.Slice, slice);
  t.equal(p.ControlGroup, `/runtstest.slice/runtstest-e2e.slice/${unit}`, 'a-b.slice lives in a.slice');
  const pid = JSON.parse(runts(['state', id], SLOW).stdout).pid as number;
  t.equal(cgroupOf(pid), p.ControlGroup);
  t.equal(runts(['delete', '--force', id], SLOW).status, 0);
  t.notOk(listed(unit));
});

t.test(named('update: the unit\'s properties and the files'), { skip }, async (t) => {
  const { id, unit, r } = createWithSystemd(t);
  t.equal(r.status, 0, r.stderr);
  const u = runts(['--systemd-cgroup', 'update', '--memory', '128m', '--pids-limit', '40', '--cpu-quota', '25000', id], SLOW);
  t.equal(u.status, 0, u.stderr);
  const p = show(unit, ['MemoryMax', 'MemoryLimit', 'TasksMax', 'CPUQuotaPerSecUSec', 'ControlGroup']);
  t.equal(v2 ? p.MemoryMax : p.MemoryLimit, String(128 * 1024 * 1024), v2 ? 'MemoryMax' : 'MemoryLimit');
  t.equal(p.TasksMax, '40');
  t.equal(p.CPUQuotaPerSecUSec, '250ms');
  const cg = p.ControlGroup;
  const memFile = v2 ? 'memory.max' : 'memory.limit_in_bytes';
  t.equal(read(cgDir('memory', cg), memFile), String(128 * 1024 * 1024), memFile);
  t.equal(read(cgDir('pids', cg), 'pids.max'), '40');
  if (v2) t.equal(read(cgDir('cpu', cg), 'cpu.max'), '25000 100000');
  else t.equal(read(cgDir('cpu', cg), 'cpu.cfs_quota_us'), '25000', 'cpu.cfs_quota_us');
  // systemd puts its properties back into the files on a reload: they agree.
  spawnSync('systemctl', ['daemon-reload']);
  t.equal(read(cgDir('memory', cg), memFile), String(128 * 1024 * 1024), 'still so after systemctl daemon-reload');
  t.equal(read(cgDir('pids', cg), 'pids.max'), '40');
});

t.test(named('pause, resume, ps, exec joining the scope'), { skip }, async (t) => {
  const { id, unit, r } = createWithSystemd(t);
  t.equal(r.status, 0, r.stderr);
  t.equal(runts(['start', id], SLOW).status, 0);
  const cg = show(unit, ['ControlGroup']).ControlGroup;
  const frozen = () => (v2 ? read(cgDir('memory', cg), 'cgroup.freeze') : read(cgDir('freezer', cg), 'freezer.state'));
  t.equal(runts(['pause', id], SLOW).status, 0);
  t.equal(frozen(), v2 ? '1' : 'FROZEN', 'frozen');
  t.equal(JSON.parse(runts(['state', id], SLOW).stdout).status, 'paused');
  t.equal(runts(['resume', id], SLOW).status, 0);
  t.equal(frozen(), v2 ? '0' : 'THAWED');
  const pidFile = path.join(tempDir(t), 'exec.pid');
  const e = runts(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '300'], SLOW);
  t.equal(e.status, 0, e.stderr);
  const execPid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.equal(cgroupOf(execPid), `/system.slice/${unit}`, "exec's process is in the unit");
  if (!v2) {
    const lines = v1CgroupsOf(execPid);
    for (const ctl of ['name=systemd', 'memory', 'pids', 'freezer']) t.equal(lines.get(ctl), cg, `and in its ${ctl} cgroup`);
  }
  t.ok(procsOf(cg).includes(execPid));
  const ps = runts(['ps', '--format', 'json', id], SLOW);
  t.ok((JSON.parse(ps.stdout) as number[]).includes(execPid), 'ps lists it, from the unit\'s cgroup');
  t.equal(runts(['delete', '--force', id], SLOW).status, 0);
  t.notOk(listed(unit));
});

t.test(named('refusals leave nothing: a unit that exists, a bad slice'), { skip }, async (t) => {
  const first = createWithSystemd(t, limits, () => 'system.slice:runtstest:shared');
  t.equal(first.r.status, 0, first.r.stderr);
  const id2 = newId(t);
  const b2 = makeBundle(t, { edit: (c) => (c.linux.cgroupsPath = 'system.slice:runtstest:shared') });
  const r2 = runts(['--systemd-cgroup', 'create', '--bundle', b2.dir, id2], SLOW);
  t.equal(r2.status, 1);
  t.ok(isOneLineError(r2.stderr), r2.stderr);
  t.match(r2.stderr, /runtstest-shared\.scope already exists/);
  t.notOk(fs.existsSync(path.join(stateDir(), id2)), 'no state directory');
  t.equal(show(first.unit, ['ActiveState']).ActiveState, 'active', "the other container's unit is untouched");
  const pid = JSON.parse(runts(['state', first.id], SLOW).stdout).pid as number;
  t.same(procsOf(`/system.slice/${first.unit}`), [pid], 'and holds only its own process');

  const id3 = newId(t);
  const b3 = makeBundle(t, { edit: (c) => (c.linux.cgroupsPath = 'bad--name.slice:p:x') });
  const r3 = runts(['--systemd-cgroup', 'create', '--bundle', b3.dir, id3], SLOW);
  t.equal(r3.status, 1);
  t.match(r3.stderr, /config\.json: \/linux\/cgroupsPath: invalid slice name/);
  t.notOk(fs.existsSync(path.join(stateDir(), id3)));
  t.notOk(listed('p-x.scope'));
});

t.test(named('kill -9 of runts during create: delete --force stops the unit'), { skip }, async (t) => {
  const id = newId(t);
  const unit = ownUnit(t, `runts-${id}.scope`);
  const b = makeBundle(t, { edit: limits });
  const child = spawn(RUNTS, ['--root', stateDir(), '--systemd-cgroup', 'create', '--bundle', b.dir, id], { stdio: 'ignore' });
  // creating.json is written before systemd is asked: kill runts then, or
  // whenever it got further.
  const note = path.join(stateDir(), id, 'creating.json');
  await waitFor(() => fs.existsSync(note) || child.exitCode !== null, 120_000, 5);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  // systemd may still be making the unit it was asked for.
  await waitFor(() => !listed(unit) || show(unit, ['ActiveState']).ActiveState !== 'activating', 30_000);
  const d = runts(['delete', '--force', id], SLOW);
  t.equal(d.status, 0, d.stderr);
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  t.notOk(listed(unit), 'no unit');
  for (const d of allDirs(`/system.slice/${unit}`)) t.notOk(fs.existsSync(d), `no cgroup ${d}`);
});

t.test(named('rootless without a session bus: a clear error, nothing left'), { skip }, async (t) => {
  const home = tempDir(t, 'runts-e2e-sd-rootless-', 0o777);
  const b = makeBundle(t, {
    args: ['true'],
    edit: (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
    },
  });
  fs.chmodSync(b.dir, 0o755);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', `PATH=${process.env.PATH}`, RUNTS, '--root', path.join(home, 'state'), '--systemd-cgroup', 'run', '--bundle', b.dir, 'sd-rootless'], { encoding: 'utf8', timeout: 180_000 });
  t.equal(r.status, 1, r.stderr);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.match(r.stderr, /rootless: no session bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set/);
  t.match(r.stderr, /cgroupfs manager/);
  t.notOk(fs.existsSync(path.join(home, 'state', 'sd-rootless')), 'no state directory');
});

// runc's org.systemd.property.<Name> annotations: extra properties of the
// unit, the value in GVariant's text form (src/cgroups/systemd-props.ts).
t.test(named('org.systemd.property.* annotations: extra unit properties, as runc (TimeoutStopSec as TimeoutStopUSec)'), { skip }, async (t) => {
  const { id, unit, r } = createWithSystemd(t, (c) => {
    limits(c);
    c.annotations = {
      ...c.annotations,
      'org.systemd.property.TimeoutStopSec': '123.456789', // runc's docs' example: 2min 3.456789s
      'org.systemd.property.CollectMode': "'inactive-or-failed'",
      'org.systemd.property.SendSIGHUP': 'true',
      'org.systemd.property.MemoryMax': 'uint64 1048576', // the config's memory.limit wins, as with runc
    };
  });
  t.equal(r.status, 0, `create: ${r.stderr}`);
  const p = show(unit, ['ActiveState', 'TimeoutStopUSec', 'CollectMode', 'SendSIGHUP', 'MemoryMax', 'MemoryLimit', 'Delegate']);
  t.equal(p.ActiveState, 'active');
  t.equal(p.TimeoutStopUSec, '2min 3.456789s', 'TimeoutStopSec 123.456789: seconds, as TimeoutStopUSec');
  t.equal(p.CollectMode, 'inactive-or-failed');
  t.equal(p.SendSIGHUP, 'yes');
  t.equal(p.Delegate, 'yes', "runts's own properties stay");
  t.equal(v2 ? p.MemoryMax : p.MemoryLimit, String(64 * 1024 * 1024), "the config's limit over the annotation's");
  t.equal(runts(['delete', '--force', id], SLOW).status, 0, 'delete');
  t.notOk(listed(unit), 'the unit is gone');
});

t.test(named('org.systemd.property.* refusals: a bad value, a property systemd does not know; the annotation named, nothing left'), { skip }, async (t) => {
  for (const [key, value, why] of [
    ['org.systemd.property.CollectMode', 'inactive-or-failed', /config\.json: \/annotations\/org\.systemd\.property\.CollectMode: unexpected "inactive-o" in "inactive-or-failed" \(a GVariant in its text form/],
    ['org.systemd.property.TimeoutStopSec', "'long'", /config\.json: \/annotations\/org\.systemd\.property\.TimeoutStopSec: seconds must be a number/],
    ['org.systemd.property.Ab', '1', /config\.json: \/annotations\/org\.systemd\.property\.Ab: the systemd property name "Ab" must be three or more ASCII letters/],
    ['org.systemd.property.NoSuchPropertyHere', "'x'", /config\.json: \/annotations\/org\.systemd\.property\.NoSuchPropertyHere: systemd: StartTransientUnit: Cannot set property NoSuchPropertyHere, or unknown property/],
  ] as const) {
    const id = newId(t);
    const unit = ownUnit(t, `runts-${id}.scope`);
    const b = makeBundle(t, { edit: (c) => (c.annotations = { ...c.annotations, [key]: value }) });
    const r = runts(['--systemd-cgroup', 'create', '--bundle', b.dir, id], SLOW);
    t.equal(r.status, 1, `${key}=${value}: exit 1`);
    t.ok(isOneLineError(r.stderr), r.stderr);
    t.match(r.stderr, why);
    t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
    t.notOk(listed(unit), 'no unit');
    for (const d of allDirs(`/system.slice/${unit}`)) t.notOk(fs.existsSync(d), `no cgroup ${d}`);
  }
});

// Without the flag runc reads none of them (its cgroupfs manager has no unit
// to give them to), and neither does runts: even a bad one is not an error.
t.test('org.systemd.property.* annotations without --systemd-cgroup: not read, as runc', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async (t) => {
  const id = newId(t);
  const b = makeBundle(t, { args: ['echo', 'ran'], edit: (c) => (c.annotations = { ...c.annotations, 'org.systemd.property.Xy': 'not a gvariant' }) });
  const r = runts(['run', '--bundle', b.dir, id], SLOW);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'ran\n');
  for (const h of detectLayout().hierarchies) t.notOk(fs.existsSync(path.join(h.mountpoint, 'system.slice', `runts-${id}.scope`)), `no unit's cgroup in ${h.mountpoint}`);
});

// The file the system manager keeps while it has a transient unit loaded.
const transientFile = (unit: string) => `/run/systemd/transient/${unit}`;

// Engines on systemd hosts (containerd with SystemdCgroup = true, podman,
// docker) call start, state, kill and delete for every container: those run
// in C (native/direct/) for a unit's container too, delete once the
// container has stopped and systemd has dropped its unit (there is then no
// unit to stop); while systemd has it, delete is Node's, which stops it over
// D-Bus. The launcher here has a stand-in for node that says "node ran":
// whatever does not say so ran without Node.
t.test(named('a systemd unit\'s container: start, state, kill, kill --all and, once systemd has dropped the unit, delete without Node'), { skip }, async (t) => {
  const { id, unit, r } = createWithSystemd(t);
  t.equal(r.status, 0, `create: ${r.stderr}`);
  const record = fs.readFileSync(path.join(stateDir(), id, 'direct'), 'utf8');
  t.match(record, new RegExp(`^systemd system ${unit.replace(/\./g, '\\.')}$`, 'm'), 'create wrote the direct record, naming the unit and its manager');
  const noNode = launcherWithoutNode(t);
  const c = (...args: string[]) => spawnSync(noNode, ['--root', stateDir(), ...args], { encoding: 'utf8', timeout: 60_000 });
  const cg = show(unit, ['ControlGroup']).ControlGroup;
  const pid = Number(/^pid (\d+)$/m.exec(record)![1]);
  const procState = () => {
    try {
      return /\) (\S)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))![1];
    } catch {
      return 'gone';
    }
  };
  // systemd stops a scope whose processes are all gone, and removes its cgroup.
  const procsLeft = () => {
    try {
      return read(cgDir('pids', cg), 'cgroup.procs');
    } catch {
      return '';
    }
  };

  const st = c('state', id);
  t.same([st.status, st.stderr], [0, ''], 'state: exit 0');
  t.notMatch(st.stdout, /node ran/, 'state: without Node');
  t.equal(JSON.parse(st.stdout).status, 'created');
  const started = c('start', id);
  t.same([started.status, started.stdout, started.stderr], [0, '', ''], 'start: exit 0, without Node');
  await waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x00600\x00', 30_000);
  t.equal(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\x00600\x00', 'the container\'s program runs');
  t.equal(JSON.parse(c('state', id).stdout).status, 'running', 'state: running');
  const stop = c('kill', id, 'STOP');
  t.same([stop.status, stop.stdout, stop.stderr], [0, '', ''], 'kill STOP: without Node');
  await waitFor(() => procState() === 'T', 30_000);
  t.equal(procState(), 'T', 'the kernel has it stopped');
  t.equal(c('kill', id, 'CONT').status, 0);
  await waitFor(() => procState() !== 'T', 30_000);
  t.not(procState(), 'T', 'and going again');
  const all = c('kill', '--all', id, 'KILL');
  t.same([all.status, all.stdout, all.stderr], [0, '', ''], 'kill --all KILL: without Node');
  await waitFor(() => ['gone', 'Z'].includes(procState()), 30_000);
  t.ok(['gone', 'Z'].includes(procState()), 'the container\'s process is dead');
  await waitFor(() => procsLeft() === '', 30_000);
  t.equal(procsLeft(), '', "nothing is left in the scope's cgroup");
  t.equal(JSON.parse(c('state', id).stdout).status, 'stopped', 'state: stopped, without Node');
  // systemd drops a scope whose processes are all gone (LoadState=not-found).
  await waitFor(() => show(unit, ['LoadState']).LoadState === 'not-found', 30_000);
  t.equal(show(unit, ['LoadState']).LoadState, 'not-found', 'systemd has dropped the unit');
  t.notOk(fs.existsSync(transientFile(unit)), `and its file ${transientFile(unit)}`);
  const del = c('delete', id);
  t.same([del.status, del.stdout, del.stderr], [0, '', ''], 'delete: exit 0, without Node');
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  t.notOk(listed(unit), 'the unit is gone from systemctl list-units --all');
  for (const dir of allDirs(cg)) t.notOk(fs.existsSync(dir), `and its cgroup: ${dir}`);
});

// delete --force of a running unit's container, and delete of a stopped one
// whose unit systemd still has (a process left in it: the container had no
// pid namespace), are Node's: it stops the unit over D-Bus.
t.test(named('delete while systemd has the unit: Node\'s, which stops it (--force of a running container; a stopped one with a process left)'), { skip }, async (t) => {
  const noNode = launcherWithoutNode(t);
  const c = (...args: string[]) => spawnSync(noNode, ['--root', stateDir(), ...args], { encoding: 'utf8', timeout: 60_000 });
  const running = createWithSystemd(t);
  t.equal(running.r.status, 0, `create: ${running.r.stderr}`);
  const cg = show(running.unit, ['ControlGroup']).ControlGroup;
  t.equal(runts(['start', running.id], SLOW).status, 0, 'start');
  t.ok(fs.existsSync(transientFile(running.unit)), `systemd has the unit (${transientFile(running.unit)})`);
  const del = c('delete', '--force', running.id);
  t.equal(del.stdout, 'node ran\n', 'delete --force of the running container: Node\'s');
  t.ok(fs.existsSync(path.join(stateDir(), running.id)), 'the C touched nothing');
  t.equal(show(running.unit, ['ActiveState']).ActiveState, 'active', 'the unit still runs');
  const d = runts(['delete', '--force', running.id], SLOW);
  t.equal(d.status, 0, `delete --force: ${d.stderr}`);
  t.notOk(fs.existsSync(path.join(stateDir(), running.id)), 'no state directory');
  t.notOk(listed(running.unit), 'the unit is gone from systemctl list-units --all');
  for (const dir of allDirs(cg)) t.notOk(fs.existsSync(dir), `and its cgroup: ${dir}`);

  // No pid namespace: the shell exits, its background sleep stays in the unit.
  const left = createWithSystemd(t, (cfg) => {
    limits(cfg);
    cfg.linux.namespaces = cfg.linux.namespaces.filter((n) => n.type !== 'pid');
    cfg.process.args = ['sh', '-c', 'sleep 600 & exit 0'];
  });
  t.equal(left.r.status, 0, `create: ${left.r.stderr}`);
  const leftCg = show(left.unit, ['ControlGroup']).ControlGroup;
  t.equal(runts(['start', left.id], SLOW).status, 0, 'start');
  await waitFor(() => JSON.parse(c('state', left.id).stdout).status === 'stopped', 30_000);
  t.equal(JSON.parse(c('state', left.id).stdout).status, 'stopped', 'the container has stopped');
  const procs = read(cgDir('pids', leftCg), 'cgroup.procs').trim().split('\n').filter(Boolean);
  t.equal(procs.length, 1, 'its sleep is left in the unit\'s cgroup');
  t.ok(fs.existsSync(transientFile(left.unit)), 'and systemd has the unit');
  const del2 = c('delete', left.id);
  t.equal(del2.stdout, 'node ran\n', 'delete: Node\'s');
  t.ok(fs.existsSync(path.join(stateDir(), left.id)), 'the C touched nothing');
  const d2 = runts(['delete', left.id], SLOW);
  t.equal(d2.status, 0, `delete: ${d2.stderr}`);
  t.notOk(fs.existsSync(`/proc/${procs[0]}`), 'the process left behind is killed');
  t.notOk(fs.existsSync(path.join(stateDir(), left.id)), 'no state directory');
  t.notOk(listed(left.unit), 'the unit is gone from systemctl list-units --all');
  for (const dir of allDirs(leftCg)) t.notOk(fs.existsSync(dir), `and its cgroup: ${dir}`);
});

// Without systemd as PID 1 (this project's development host, a v1 or hybrid
// host without systemd): the flag is refused, as runc refuses it.
t.test('without systemd as PID 1, --systemd-cgroup is refused, nothing left', { skip: pid1 === 'systemd' ? 'systemd is PID 1 here' : process.getuid?.() !== 0 ? 'needs root' : false }, async (t) => {
  const id = newId(t);
  const b = makeBundle(t, { args: ['true'], edit: limits });
  const r = runts(['--systemd-cgroup', 'run', '--bundle', b.dir, id], SLOW);
  t.equal(r.status, 1);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.match(r.stderr, /--systemd-cgroup: systemd is not running on this host; use the cgroupfs manager/);
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
  for (const h of detectLayout().hierarchies) t.notOk(fs.existsSync(path.join(h.mountpoint, 'system.slice', `runts-${id}.scope`)), `no cgroup in ${h.mountpoint}`);
});

// restore --systemd-cgroup: a new scope around a holder, criu's tree
// restored into it (docs/cgroups.md). The checkpoint's container was made
// with the flag too, so its unit goes at checkpoint and comes back at restore.
// On a hybrid host the container's /sys/fs/cgroup is a bind of the scope in
// each hierarchy (no cgroup namespace): criu takes them as external mounts
// and binds them again from the new scope (docs/checkpoint.md).
const criuSkip = skip || (criuProblem() ?? false);
t.test(named('checkpoint and restore --systemd-cgroup: a new scope with the limits and the restored process in it; delete stops it'), { skip: criuSkip, timeout: 600_000 }, async (t) => {
  const { id, unit, bundle, r } = createWithSystemd(t);
  t.equal(r.status, 0, r.stderr);
  t.equal(runts(['start', id], SLOW).status, 0, 'start');
  const pid1 = JSON.parse(runts(['state', id], SLOW).stdout).pid as number;
  const images = tempDir(t, 'runts-e2e-sd-ckpt-');
  const ck = runts(['checkpoint', '--image-path', images, id], SLOW);
  t.equal(ck.status, 0, `checkpoint: ${ck.stderr}`);
  await waitFor(() => !fs.existsSync(`/proc/${pid1}`), 10_000);
  t.notOk(listed(unit), 'the unit went with the checkpointed container');
  const rs = runts(['--systemd-cgroup', 'restore', '-d', '--image-path', images, '--bundle', bundle.dir, id], SLOW);
  t.equal(rs.status, 0, `restore: ${rs.stderr}`);
  const pid2 = JSON.parse(runts(['state', id], SLOW).stdout).pid as number;
  t.same(fs.readFileSync(`/proc/${pid2}/cmdline`, 'utf8').split('\0').filter(Boolean), ['sleep', '600'], 'the restored process is the container\'s');
  const p = show(unit, ['ActiveState', 'ControlGroup', 'MemoryMax', 'MemoryLimit', 'TasksMax', 'CPUQuotaPerSecUSec', 'Delegate']);
  t.equal(p.ActiveState, 'active', 'systemd has the new unit running');
  t.equal(p.ControlGroup, `/system.slice/${unit}`);
  t.equal(p.Delegate, 'yes');
  if (v2) t.equal(p.MemoryMax, String(64 * 1024 * 1024));
  else t.equal(p.MemoryLimit, String(64 * 1024 * 1024), 'v1: MemoryLimit');
  t.equal(p.TasksMax, '32');
  t.equal(p.CPUQuotaPerSecUSec, '500ms');
  const cg = p.ControlGroup;
  t.equal(cgroupOf(pid2), cg, 'the restored process is in the unit\'s cgroup');
  t.same(procsOf(cg), [pid2], 'and only it (the holder is gone)');
  if (v2) {
    t.equal(read(cgDir('memory', cg), 'memory.max'), String(64 * 1024 * 1024), 'the kernel says the same');
    t.equal(read(cgDir('pids', cg), 'pids.max'), '32');
  } else {
    const lines = v1CgroupsOf(pid2);
    for (const h of layout.hierarchies.filter((x) => x.version === 1)) t.equal(lines.get(h.controllers.join(',')), cg, `in the scope under ${h.mountpoint}`);
    t.equal(read(cgDir('memory', cg), 'memory.limit_in_bytes'), String(64 * 1024 * 1024), 'the kernel says the same: memory.limit_in_bytes');
    t.equal(read(cgDir('pids', cg), 'pids.max'), '32');
    t.equal(read(cgDir('cpu', cg), 'cpu.cfs_quota_us'), '50000');
    // What the restored process sees of its cgroups: the scope's own files.
    const seen = runts(['exec', id, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max'], SLOW);
    t.equal(seen.stdout, `${64 * 1024 * 1024}\n32\n`, `the restored container's /sys/fs/cgroup binds the new scope: ${seen.stderr}`);
  }
  t.equal(runts(['delete', '--force', id], SLOW).status, 0, 'delete');
  t.notOk(listed(unit), 'the unit is gone');
  for (const d of allDirs(cg)) t.notOk(fs.existsSync(d), `and its cgroup: ${d}`);
});

t.test('restore --systemd-cgroup without systemd as PID 1: refused, nothing made', { skip: pid1 === 'systemd' ? 'systemd is PID 1 here' : process.getuid?.() !== 0 ? 'needs root' : false }, async (t) => {
  const id = newId(t);
  const b = makeBundle(t, { args: ['true'] });
  const r = runts(['--systemd-cgroup', 'restore', '--image-path', tempDir(t), '--bundle', b.dir, id], SLOW);
  t.equal(r.status, 1);
  t.ok(isOneLineError(r.stderr), r.stderr);
  t.match(r.stderr, /--systemd-cgroup: systemd is not running on this host; use the cgroupfs manager/);
  t.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
});
