// runc 1.1.5 parity (issue #18): the command line against a fixture written
// from runc's help, the values runc takes beyond the upstream schema, and
// the dry run's names.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globalOptions, HELP_WORDS, rewriteHelp } from '../../src/main';
import { COMMAND_FILES } from '../../src/cli/fast';
import { parseMountOptions, MS } from '../../src/plan/mountflags';
import { describePlan, planJson } from '../../src/plan/describe';
import { encodePlan, ins } from '../../src/plan/instructions';
import { subCgroupDirs } from '../../src/cgroups/subcgroup';
import { systemdCgroupPath, resolveCgroupPath } from '../../src/cgroups/dirs';
import { loadBundleConfig } from '../../src/spec/load';
import { unknownCapabilities } from '../../src/spec/semantic';
import { parseSignal } from '../../src/container/kill';
import { defaultSpec } from '../../src/spec/default';


class Rec {
  names = new Set<string>();
  option(name: string, spec: { alias?: string | string[] }) {
    this.names.add('--' + name);
    for (const a of [spec.alias ?? []].flat()) this.names.add((a.length === 1 ? '-' : '--') + a);
    return this;
  }
  positional() { return this; }
  parserConfiguration() { return this; }
}

t.test('help and h as runc has them: runts help [command] is --help', async (t) => {
  t.same(rewriteHelp(['help']), ['--help']);
  t.same(rewriteHelp(['h', 'state']), ['state', '--help']);
  t.same(rewriteHelp(['--root', '/r', 'help', 'exec']), ['--root', '/r', 'exec', '--help']);
  t.same(rewriteHelp(['--debug', 'h']), ['--debug', '--help']);
  t.same(rewriteHelp(['exec', 'id', 'help']), ['exec', 'id', 'help'], 'help as an argument of a command is left alone');
  t.same(rewriteHelp(['--root', 'help', 'state', 'x']), ['--root', 'help', 'state', 'x'], 'a global option\'s value is not the command');
});

t.test('every command and flag of runc 1.5 is in runts', async (t) => {
  const lines = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'runc-cli.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  t.ok(lines.length > 80, 'the fixture holds runc\'s flags');
  const global = new Rec();
  globalOptions(global as any);
  // --help/-h and --version/-v are yargs's and main.ts's own.
  global.names.add('--help').add('-h').add('--version').add('-v');
  for (const line of lines) {
    const [where, what] = line.split(' ');
    if (where === 'command') {
      t.ok(what in COMMAND_FILES || HELP_WORDS.includes(what), `command ${what}`);
      continue;
    }
    let names = global.names;
    if (where !== 'global') {
      const file = COMMAND_FILES[where];
      if (!t.ok(file, `command ${where} exists for ${line}`)) continue;
      const rec = new Rec();
      const mod = require(`../../src/cli/${file}`).command;
      if (typeof mod.builder === 'function') mod.builder(rec);
      names = rec.names;
    }
    for (const flag of what.split(',')) t.ok(names.has(flag), `${where} ${flag}`);
  }
});

function bundle(edit: (c: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-parity-'));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const c: any = defaultSpec({ rootless: false });
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}

t.test('rootfsPropagation: every value runc takes, and what it refuses stays refused', async (t) => {
  for (const v of ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable', '']) {
    const dir = bundle((c) => (c.linux.rootfsPropagation = v));
    t.equal(loadBundleConfig(dir).config.linux!.rootfsPropagation, v, JSON.stringify(v));
    fs.rmSync(dir, { recursive: true });
  }
  const dir = bundle((c) => (c.linux.rootfsPropagation = 'bogus'));
  t.throws(() => loadBundleConfig(dir), /\/linux\/rootfsPropagation: must be one of .*got "bogus"/);
  fs.rmSync(dir, { recursive: true });
});

t.test('capabilities runc does not know are ignored, not refused (runc warns)', async (t) => {
  for (const name of ['cap_sys_admin', 'SYS_ADMIN', 'CAP_FLY']) {
    const dir = bundle((c) => c.process.capabilities.bounding.push(name));
    const { config } = loadBundleConfig(dir);
    t.same(unknownCapabilities(config), [name], name);
    fs.rmSync(dir, { recursive: true });
  }
});

t.test('mount options of runc\'s table that were filesystem data', async (t) => {
  t.equal(parseMountOptions(['acl']).flags, MS.POSIXACL, 'acl');
  t.equal(parseMountOptions(['acl', 'noacl']).flags, 0, 'noacl');
  t.equal(parseMountOptions(['iversion']).flags, MS.I_VERSION, 'iversion');
  t.equal(parseMountOptions(['iversion', 'noiversion']).flags, 0, 'noiversion');
  t.same(parseMountOptions(['mode=755', 'size=1m']).data, ['mode=755', 'size=1m'], 'unknown options stay data, as with runc');
  for (const p of ['rprivate', 'rshared', 'rslave', 'runbindable']) t.equal(parseMountOptions([p]).propagation[0] & MS.REC, MS.REC, p);
});

t.test('signals as runc takes them: any case, with or without SIG, numbers', async (t) => {
  t.equal(parseSignal('kill'), 9);
  t.equal(parseSignal('sigusr1'), 10);
  t.equal(parseSignal('SIGTERM'), 15);
  t.equal(parseSignal('9'), 9);
  t.throws(() => parseSignal('SIGFLY'), /invalid signal/);
});

t.test('the dry run names flags, capabilities, namespaces and rlimits; the encoding is unchanged', async (t) => {
  const plan = [
    ins('unshare', 'ns', 'ipc,mnt,pid'),
    ins('mount', 'mount proc', 'proc', '/proc', 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC, ''),
    ins('rlimit', 'rl', 7, 1024, 1024),
    ins('caps', 'caps', String((1n << 0n) | (1n << 5n)), '0', '0', '0', '0'),
    ins('mkdirs', 'dir', '/x', 0o755),
  ];
  const before = encodePlan(plan);
  const text = describePlan(plan);
  t.match(text, /unshare CLONE_NEWIPC CLONE_NEWNS CLONE_NEWPID/);
  t.match(text, /flags=MS_NOSUID\|MS_NODEV\|MS_NOEXEC/);
  t.match(text, /resource=RLIMIT_NOFILE/);
  t.match(text, /bounding +CAP_CHOWN CAP_KILL/);
  t.match(text, /mode=0755/);
  t.equal(text.trim().split('\n').length, plan.length + 5, 'one line per step, one per capability set');
  const doc = JSON.parse(planJson(plan, { id: 'x' }));
  t.equal(doc.id, 'x');
  t.same(doc.steps[1].fields.flags, ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC']);
  t.same(doc.steps[3].fields.bounding, ['CAP_CHOWN', 'CAP_KILL']);
  t.equal(doc.steps[2].args[0], '7', 'the raw args are there too');
  t.ok(encodePlan(plan).equals(before), 'describing does not change the plan the init reads');
});

t.test('exec --cgroup [<controller>:]<path>', async (t) => {
  const h = [
    { mountpoint: '/sys/fs/cgroup/memory', version: 1 as const, controllers: ['memory'] },
    { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', version: 1 as const, controllers: ['cpu', 'cpuacct'] },
    { mountpoint: '/sys/fs/cgroup/unified', version: 2 as const, controllers: [] },
  ];
  const dirs = h.map((x) => `${x.mountpoint}/runts/c`);
  t.same(subCgroupDirs(dirs, ['sub'], h), dirs.map((d) => `${d}/sub`), 'every hierarchy');
  t.same(subCgroupDirs(dirs, ['memory:m'], h), [`${dirs[0]}/m`, dirs[1], dirs[2]], 'one controller');
  t.same(subCgroupDirs(dirs, ['cpu,memory:s'], h), [`${dirs[0]}/s`, `${dirs[1]}/s`, dirs[2]], 'a list of controllers');
  t.throws(() => subCgroupDirs(dirs, ['../x'], h), /not a sub cgroup path/);
  t.throws(() => subCgroupDirs(dirs, ['a', 'b'], h), /missing <controller>: prefix/);
  t.throws(() => subCgroupDirs(dirs, ['pids:x'], h), /unknown controller pids/);
  t.throws(() => subCgroupDirs(dirs, ['a:b:c'], h), /invalid --cgroup argument/);
});

t.test('--systemd-cgroup: slice:prefix:name', async (t) => {
  t.equal(systemdCgroupPath('system.slice:runc:434234', 'x'), '/system.slice/runc-434234.scope');
  t.equal(systemdCgroupPath('a-b.slice:p:n', 'x'), '/a.slice/a-b.slice/p-n.scope');
  t.equal(systemdCgroupPath(':p:n', 'x'), '/system.slice/p-n.scope');
  t.equal(systemdCgroupPath('-.slice:p:n', 'x'), '/p-n.scope');
  t.equal(systemdCgroupPath(undefined, 'x'), '/system.slice/runts-x.scope');
  t.equal(systemdCgroupPath('user.slice:p:my.slice', 'x'), '/user.slice/my.slice');
  t.throws(() => systemdCgroupPath('/runts/x', 'x'), /slice:prefix:name/);
  t.throws(() => systemdCgroupPath('bad:p:n', 'x'), /invalid slice name/);
  t.equal(resolveCgroupPath('system.slice:runc:1', 'x'), '/runts/system.slice:runc:1', 'without the flag, a plain relative path (as runc\'s cgroupfs driver)');
});
