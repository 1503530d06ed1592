#!/usr/bin/env node
// Writes the man pages (build/man/*.8) and the bash completion
// (build/completion/runts.bash) from the CLI's own command definitions, as
// compiled into build/ (src/cli/reference.ts, manpage.ts, completion.ts).
//   node scripts/gen-docs.mjs build
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'build');
const require = createRequire(import.meta.url);
const { commandReference } = require(path.join(out, 'cli', 'reference.js'));
const { manPages } = require(path.join(out, 'cli', 'manpage.js'));
const { bashCompletion } = require(path.join(out, 'cli', 'completion.js'));
const { version } = require(path.join(out, '..', 'package.json'));

const ref = commandReference();
fs.rmSync(path.join(out, 'man'), { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'man'), { recursive: true });
const pages = manPages(ref, version);
for (const [name, text] of pages) fs.writeFileSync(path.join(out, 'man', name), text);
fs.mkdirSync(path.join(out, 'completion'), { recursive: true });
fs.writeFileSync(path.join(out, 'completion', 'runts.bash'), bashCompletion(ref));
console.log(`gen-docs: ${pages.size} man pages in ${path.join(out, 'man')}, bash completion in ${path.join(out, 'completion')}`);
