// The Debian package (docs/packaging.md): scripts/make-deb.sh builds it from
// this tree, lintian finds no error in it, and it is installed for real with
// apt-get (its dependencies are on this machine: no network), runs a
// container as /usr/bin/runts, has its man pages where man finds them and
// its bash completion where bash-completion loads it, and `apt-get remove
// --purge` leaves none of its files behind. It never replaces anything: with
// a runts package installed, or a /usr/bin/runts or /usr/lib/runts of
// something else, it skips. The teardown purges the package whatever failed.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle, newId, REPO, stateDir, tempDir } from './lib';

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 300000, ...opts });
}

const has = (cmd: string) => sh('sh', ['-c', `command -v ${cmd}`]).status === 0;
const installed = sh('dpkg-query', ['-W', '-f=${Status}', 'runts']).stdout.includes('installed');
const occupied = ['/usr/bin/runts', '/usr/lib/runts'].filter((p) => fs.existsSync(p) || fs.lstatSync(p, { throwIfNoEntry: false }));

// apt-get waits for the dpkg lock another apt-get may hold.
const APT = ['-y', '-q', '-o', 'DPkg::Lock::Timeout=300'];
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

if (process.getuid?.() !== 0) t.skip('the Debian package test needs root (it installs the package)');
else if (!has('dpkg-deb') || !has('apt-get')) t.skip('the Debian package test needs dpkg-deb and apt-get (a Debian host)');
else if (installed) t.skip('the Debian package test skips: a runts package is installed already, and it replaces nothing');
else if (occupied.length) t.skip(`the Debian package test skips: ${occupied.join(' and ')} exist, and it replaces nothing`);
else run();

function run(): void {
  t.test('make deb: the package, lintian, apt-get install, a container from /usr/bin/runts, man, completion, apt-get remove --purge', async (tt) => {
    const out = tempDir(tt, 'runts-e2e-deb-');
    const made = sh(path.join(REPO, 'scripts', 'make-deb.sh'), [out]);
    tt.equal(made.status, 0, `make-deb.sh: ${made.stderr}`);
    const deb = fs.readdirSync(out).find((f) => /^runts_.*\.deb$/.test(f));
    tt.ok(deb, 'a runts_*.deb');
    if (!deb) return;
    const file = path.join(out, deb);

    const fields = (name: string) => sh('dpkg-deb', ['-f', file, name]).stdout.trim();
    tt.equal(fields('Package'), 'runts');
    tt.equal(fields('Architecture'), sh('dpkg', ['--print-architecture']).stdout.trim());
    tt.match(fields('Depends'), /^nodejs \(>= 18\), libseccomp2, libc6 \(>= [\d.]+\)/, 'Debian\'s nodejs, libseccomp2 and libc');

    if (has('lintian')) {
      const lint = sh('lintian', ['--no-tag-display-limit', file]);
      const errors = lint.stdout.split('\n').filter((l) => l.startsWith('E: '));
      tt.same(errors, [], 'lintian reports no error');
    } else tt.skip('lintian is not installed (scripts/test-deps.sh installs it)');

    // From here on the package may be on the system: purge it whatever happens.
    let purged = false;
    tt.teardown(() => {
      if (!purged) sh('apt-get', ['remove', '--purge', ...APT, 'runts'], { env });
    });
    const dirsBefore = new Set(['/usr/lib/runts', '/usr/share/doc/runts', '/usr/share/bash-completion/completions', '/usr/share/bash-completion', '/usr/share/lintian/overrides', '/usr/share/lintian', '/usr/share/man/man8'].filter((d) => fs.existsSync(d)));
    const inst = sh('apt-get', ['install', ...APT, '--no-install-recommends', file], { env });
    tt.equal(inst.status, 0, `apt-get install ./${deb}: ${inst.stderr}`);
    if (inst.status !== 0) return;

    // What dpkg says the package holds, and that it is on disk.
    const listed = sh('dpkg', ['-L', 'runts']).stdout.split('\n').filter(Boolean);
    for (const f of ['/usr/bin/runts', '/usr/lib/runts/bin/runts', '/usr/lib/runts/bin/runts-init', '/usr/lib/runts/bin/runts-addon.node', '/usr/lib/runts/build/full.js', '/usr/lib/runts/build/light.js', '/usr/lib/runts/node_modules/koffi/package.json', '/usr/share/man/man8/runts.8.gz', '/usr/share/man/man8/runts-create.8.gz', '/usr/share/bash-completion/completions/runts', '/usr/share/doc/runts/copyright', '/usr/share/doc/runts/changelog.gz']) {
      tt.ok(listed.includes(f) && fs.lstatSync(f, { throwIfNoEntry: false }), `dpkg -L runts has ${f}, and it is there`);
    }
    tt.equal(fs.readlinkSync('/usr/bin/runts'), '../lib/runts/bin/runts', '/usr/bin/runts is a relative link to the launcher');
    tt.same(listed.filter((f) => /^\/usr\/lib\/runts\/(src|test|native|bench)(\/|$)/.test(f) || (f.endsWith('.ts') && !f.includes('/node_modules/'))), [], 'none of runts\' sources or tests in it');

    // A container from the installed runts, with an engine's bare environment.
    const b = makeBundle(tt, { args: ['sh', '-c', 'echo "hello from $(hostname)"; exit 4'] });
    const id = newId(tt);
    const r = sh('env', ['-i', 'PATH=/usr/bin:/bin', 'runts', '--root', stateDir(), 'run', '--bundle', b.dir, id]);
    tt.equal(r.stdout, 'hello from runts\n', `the container's output (stderr: ${r.stderr})`);
    tt.equal(r.status, 4, 'run exits with the container\'s status');
    const v = sh('/usr/bin/runts', ['--version']);
    tt.match(v.stdout, /^runts version .*\nlibseccomp: \d+\.\d+\.\d+$/ms, '--version, with libseccomp');

    // man finds the pages; bash-completion's file completes a command.
    const man = sh('man', ['-w', 'runts-create']);
    tt.equal(man.stdout.trim(), '/usr/share/man/man8/runts-create.8.gz', `man -w runts-create (${man.stderr})`);
    const page = sh('man', ['8', 'runts'], { env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    tt.match(page.stdout.replace(/.\x08/g, ''), /runts-create\(8\)/, 'man 8 runts shows the page, which names runts-create(8)');
    const comp = sh('bash', ['-c', 'source /usr/share/bash-completion/completions/runts; COMP_WORDS=(runts cr); COMP_CWORD=1; _runts; echo "${COMPREPLY[*]}"']);
    tt.equal(comp.stdout, 'create\n', 'the installed completion');

    // apt-get remove --purge: nothing of the package is left.
    const rm = sh('apt-get', ['remove', '--purge', ...APT, 'runts'], { env });
    tt.equal(rm.status, 0, `apt-get remove --purge runts: ${rm.stderr}`);
    purged = rm.status === 0;
    tt.notOk(sh('dpkg-query', ['-W', '-f=${Status}', 'runts']).stdout.includes('installed'), 'dpkg no longer knows it');
    const left = listed.filter((f) => fs.lstatSync(f, { throwIfNoEntry: false }) && !(fs.statSync(f, { throwIfNoEntry: false })?.isDirectory() && (dirsBefore.has(f) || isShared(f))));
    tt.same(left, [], 'no file or directory of the package is left on disk');
  });
}

// Directories the package shares with the rest of the system (/usr, /usr/bin, ...).
function isShared(dir: string): boolean {
  return ['/.', '/usr', '/usr/bin', '/usr/lib', '/usr/share', '/usr/share/man', '/usr/share/doc'].includes(dir);
}

// The arm64 package, cross-built here (make deb-arm64): every program and
// shared object in it is for AArch64, lintian finds no error, and its
// runts-init speaks the protocol under qemu-user. It cannot be installed on
// this amd64 host (docs/packaging.md, "arm64").
const cross = has('aarch64-linux-gnu-gcc');
const koffiArm64 = fs.existsSync(path.join(REPO, 'node_modules', '@koromix', 'koffi-linux-arm64', 'package.json'));
const qemu = has('qemu-aarch64-static');
t.test('make deb-arm64: an arm64 package of AArch64 programs, lintian, its runts-init under qemu-user', {
  skip: !has('dpkg-deb') ? 'dpkg-deb is not installed' : !cross ? 'aarch64-linux-gnu-gcc is not installed (gcc-aarch64-linux-gnu; scripts/test-deps.sh)' : !koffiArm64 ? 'koffi\'s arm64 build is not in node_modules (make arm64 fetches it)' : false,
}, async (tt) => {
  const out = tempDir(tt, 'runts-e2e-deb-arm64-');
  const made = sh(path.join(REPO, 'scripts', 'make-deb.sh'), [out, 'arm64']);
  tt.equal(made.status, 0, `make-deb.sh OUT arm64: ${made.stderr}`);
  const deb = fs.readdirSync(out).find((f) => /^runts_.*_arm64\.deb$/.test(f));
  tt.ok(deb, 'a runts_*_arm64.deb');
  if (!deb) return;
  const file = path.join(out, deb);
  tt.equal(sh('dpkg-deb', ['-f', file, 'Architecture']).stdout.trim(), 'arm64');
  tt.match(sh('dpkg-deb', ['-f', file, 'Depends']).stdout, /^nodejs \(>= 18\), libseccomp2, libc6 \(>= [\d.]+\)/);

  const root = path.join(out, 'root');
  tt.equal(sh('dpkg-deb', ['-x', file, root]).status, 0, 'dpkg-deb -x');
  const elves = sh('find', [root, '-type', 'f', '(', '-name', 'runts*', '-o', '-name', '*.node', ')']).stdout.split('\n').filter(Boolean)
    .filter((f) => fs.readFileSync(f).subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1')));
  tt.same(elves.map((f) => path.relative(root, f)).sort(), ['usr/lib/runts/bin/runts', 'usr/lib/runts/bin/runts-addon.node', 'usr/lib/runts/bin/runts-init', 'usr/lib/runts/node_modules/@koromix/koffi-linux-arm64/linux_arm64/koffi.node']);
  for (const f of elves) {
    // e_machine, at offset 18 of the ELF header: 183 is EM_AARCH64.
    tt.equal(fs.readFileSync(f).readUInt16LE(18), 183, `${path.relative(root, f)} is AArch64`);
  }

  if (has('lintian')) {
    const lint = sh('lintian', ['--no-tag-display-limit', file]);
    tt.same(lint.stdout.split('\n').filter((l) => l.startsWith('E: ')), [], 'lintian reports no error');
  } else tt.skip('lintian is not installed (scripts/test-deps.sh installs it)');

  if (!qemu) {
    tt.skip('qemu-aarch64-static is not installed (qemu-user-static)');
    return;
  }
  // The packaged runts-init, as runts starts it for a container's cgroups.
  const cg = path.join(out, 'cg');
  fs.mkdirSync(cg);
  const py = `import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen(sys.argv[1:], pass_fds=[b.fileno()], env={'_RUNTS_SYNC': str(b.fileno())})
b.close()
data = b''
while not data.endswith(b'cgroups made\\n'):
    chunk = a.recv(4096)
    if not chunk: break
    data += chunk
a.close()
p.wait()
sys.stdout.write(data.decode())`;
  const init = path.join(root, 'usr', 'lib', 'runts', 'bin', 'runts-init');
  const r = sh('python3', ['-c', py, 'python3', path.join(REPO, 'test', 'unit', 'sealed-qemu.py'), 'qemu-aarch64-static', init, 'mkcgroup', cg, path.join(cg, 'runts', 'c1'), '0']);
  tt.equal(r.stdout, `made ${cg}/runts\nmade ${cg}/runts/c1\ncgroups made\n`, `the arm64 init made the directories and said so (${r.stderr})`);
  tt.ok(fs.statSync(path.join(cg, 'runts', 'c1')).isDirectory(), 'they are there');
});
