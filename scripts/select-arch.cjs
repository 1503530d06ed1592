// npm install's postinstall: on an arm64 host the arm64 programs of the
// package (bin/arm64: runts-init, the launcher, the addon; make arm64) take
// the places of the x86-64 ones in bin/, where the launcher, runts and the
// API look for them (docs/packaging.md, "arm64"). Anywhere else, or in a
// tree without bin/arm64, it does nothing.
//   node scripts/select-arch.cjs [ARCH]      (default: this Node's arch)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const arch = process.argv[2] || process.arch;
const bin = path.join(__dirname, '..', 'bin');
const dir = path.join(bin, arch);
if (arch !== 'x64' && fs.existsSync(path.join(dir, 'runts-init'))) {
  for (const name of ['runts', 'runts-init', 'runts-addon.node']) {
    // A rename over the old file: a runts running now keeps the one it has.
    fs.copyFileSync(path.join(dir, name), path.join(bin, `.${name}.new`));
    fs.chmodSync(path.join(bin, `.${name}.new`), fs.statSync(path.join(dir, name)).mode);
    fs.renameSync(path.join(bin, `.${name}.new`), path.join(bin, name));
  }
  console.log(`runts: the ${arch} programs are in ${bin}`);
}
