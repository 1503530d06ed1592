// An experiment, not a command: what `runts state` costs without yargs.
// argv by hand, then exactly the work src/cli/state.ts does, through the
// same compiled modules. Run as: node state-no-yargs.cjs --root ROOT state ID
'use strict';
const path = require('node:path');
const argv = process.argv.slice(2);
const root = argv[argv.indexOf('--root') + 1];
const id = argv[argv.length - 1];
const s = require(path.join(__dirname, '..', '..', 'build', 'container', 'state.js'));
const saved = s.readSaved(root, id);
const state = s.toState(saved, s.statusOf(saved, s.containerDir(root, id)));
process.stdout.write(JSON.stringify(state, null, 2) + '\n');
