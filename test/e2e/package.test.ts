// The npm package (docs/api.md, "Packaging"): `npm pack` of this tree, then
// `npm install -g` of the tarball into a temporary prefix, offline, as on a
// fresh machine; the installed `runts` runs a container, and the installed
// API (the README's example, as written there) drives one from ESM, and
// loads from CommonJS.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle, newId, REPO, stateDir, tempDir } from './lib';

const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
if (process.getuid?.() !== 0) t.skip('the package test needs root (it runs containers)');
else if (npm.status !== 0) t.skip('the package test needs npm on PATH');
else run();

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 180000, ...opts });
}

function run(): void {
  t.test('npm pack, npm install -g --offline of the tarball, then runts and the API from the install', async (tt) => {
    const tmp = tempDir(tt, 'runts-e2e-pack-');
    // make test has built the tree; prepack's `make build` is skipped here so
    // that the test never rebuilds what other tests are running.
    const pack = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], { cwd: REPO });
    tt.equal(pack.status, 0, `npm pack: ${pack.stderr}`);
    const tgz = fs.readdirSync(tmp).find((f) => /^runts-.*\.tgz$/.test(f));
    tt.ok(tgz, 'a runts-*.tgz');
    if (!tgz) return;

    const listing = sh('tar', ['tzf', path.join(tmp, tgz)]).stdout.split('\n');
    for (const f of ['package/bin/runts', 'package/bin/runts-init', 'package/bin/runts-addon.node', 'package/build/full.js', 'package/build/light.js', 'package/build/api/index.js', 'package/build/api/index.d.ts', 'package/api.mjs', 'package/node_modules/koffi/package.json', 'package/node_modules/yargs/package.json', 'package/bin/arm64/runts', 'package/bin/arm64/runts-init', 'package/bin/arm64/runts-addon.node', 'package/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node', 'package/node_modules/@koromix/koffi-linux-arm64/linux_arm64/koffi.node']) {
      tt.ok(listing.includes(f), `the package has ${f}`);
    }
    tt.notOk(listing.some((f) => /^package\/(test|src|bench|bundles|native)\//.test(f)), 'no tests, sources or bundles in it');
    tt.notOk(listing.some((f) => /^package\/node_modules\/(tap|typescript|@types)\//.test(f)), 'no dev dependencies in it');

    const prefix = path.join(tmp, 'prefix');
    // An empty npm cache, as on a fresh machine: everything comes from the tarball.
    const install = sh('npm', ['install', '-g', '--offline', '--cache', path.join(tmp, 'cache'), '--no-audit', '--no-fund', '--prefix', prefix, `./${tgz}`], { cwd: tmp });
    tt.equal(install.status, 0, `npm install -g: ${install.stderr}`);
    const bin = path.join(prefix, 'bin', 'runts');
    tt.ok(fs.existsSync(bin), 'runts is in the prefix\'s bin/');

    // The installed runts, with an empty environment and PATH to the prefix only.
    const b = makeBundle(tt, { args: ['sh', '-c', 'echo "hello from $(hostname)"; exit 4'] });
    const id = newId(tt);
    const r = sh('env', ['-i', `PATH=${path.join(prefix, 'bin')}:/usr/bin:/bin`, 'runts', '--root', stateDir(), 'run', '--bundle', b.dir, id]);
    tt.equal(r.stdout, 'hello from runts\n', `the container's output (stderr: ${r.stderr})`);
    tt.equal(r.status, 4, 'run exits with the container\'s status');
    const v = sh(bin, ['--version']);
    tt.match(v.stdout, /^runts version /);
    const man = sh('man', ['-w', 'runts-create'], { env: { ...process.env, MANPATH: path.join(prefix, 'share', 'man') } });
    // man -w names the file the link in share/man points to.
    const linked = path.join(prefix, 'share', 'man', 'man8', 'runts-create.8');
    tt.equal(man.stdout.trim(), fs.existsSync(linked) ? fs.realpathSync(linked) : linked, `npm linked the man pages, man finds them (${man.stderr})`);

    // The API from the installed package: CommonJS ...
    const lib = path.join(prefix, 'lib');
    const cjs = sh('node', ['-e', 'const r = require("runts"); console.log(typeof r.Runtime, typeof r.defaultSpec, new r.Runtime().runts)'], { cwd: lib });
    tt.equal(cjs.stdout, `function function ${path.join(lib, 'node_modules', 'runts', 'bin', 'runts')}\n`, `require('runts') (${cjs.stderr})`);

    // ... and ESM: the README's example as written, with a private root and id.
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const m = /## Using runts from Node[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
    tt.ok(m, 'the README has the example');
    if (!m) return;
    const id2 = newId(tt);
    const example = m[1].replace("'/run/runts'", JSON.stringify(stateDir())).replace("'job1'", JSON.stringify(id2));
    const script = path.join(lib, 'job.mjs');
    fs.writeFileSync(script, example);
    const bundle2 = makeBundle(tt);
    const ran = sh('node', [script, bundle2.dir], { cwd: lib });
    tt.equal(ran.status, 0, `the example ran (${ran.stderr})`);
    const out = ran.stdout.split('\n');
    tt.equal(out[0], 'running');
    tt.equal(out[1], '0 hi');
    tt.match(out[2], /^processes: \d+$/);
    tt.match(out[3], /status: 3, exitCode: 3, signal: null/);
    tt.notOk(fs.existsSync(path.join(stateDir(), id2)), 'the example deleted its container');

    // On an arm64 host npm's postinstall puts the arm64 programs in bin/
    // (scripts/select-arch.cjs); here it left the x86-64 ones, and the same
    // script told arm64 swaps them (e_machine 62 is x86-64, 183 AArch64).
    const pkgBin = path.join(lib, 'node_modules', 'runts', 'bin');
    const machine = (f: string) => fs.readFileSync(path.join(pkgBin, f)).readUInt16LE(18);
    for (const f of ['runts', 'runts-init', 'runts-addon.node']) tt.equal(machine(f), process.arch === 'arm64' ? 183 : 62, `bin/${f} is for this host after the install`);
    const sel = sh('node', [path.join(lib, 'node_modules', 'runts', 'scripts', 'select-arch.cjs'), 'arm64']);
    tt.equal(sel.status, 0, `select-arch.cjs arm64 (${sel.stderr})`);
    for (const f of ['runts', 'runts-init', 'runts-addon.node']) tt.equal(machine(f), 183, `bin/${f} is AArch64 after select-arch.cjs arm64`);
    tt.equal(fs.realpathSync(bin), path.join(pkgBin, 'runts'), 'npm\'s runts link still names bin/runts');
  });
}
