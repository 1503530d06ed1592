// runts without its bundles: `node bin/runts.js ...` runs the same
// program as bin/runts, loading build/ module by module (slower; handy for
// node --cpu-prof or --inspect). bin/runts (native/launcher.c) starts Node
// with a bundle compiled from its code cache instead.
'use strict';
require('../build/main.js').main(process.argv.slice(2));
