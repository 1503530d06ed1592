#!/usr/bin/env node
// Runs every test file with tap and ends with the plain summary line CI reads:
// "N passed, N failed, N skipped", counting each file's top-level subtests.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/e2e'];
// Each argument is a directory of *.test.ts files or one such file.
const files = dirs.flatMap((d) => {
  if (d.endsWith('.test.ts')) return [d];
  try {
    return readdirSync(d).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(d, f));
  } catch {
    return [];
  }
});

const tap = spawn('node_modules/.bin/tap', ['--reporter=tap', '--disable-coverage', '--timeout=600', '--jobs=2', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, TAP_RCFILE: '/dev/null' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
let pending = '';
const count = (line) => {
  // Top-level subtests of a file are indented by four spaces.
  const m = /^ {4}(not )?ok \d+ - (.*)$/.exec(line);
  if (!m) return;
  if (/# (SKIP|TODO)\b/i.test(m[2])) skipped++;
  else if (m[1]) failed++;
  else passed++;
};
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop();
  lines.forEach(count);
});
tap.on('close', (code) => {
  if (pending) count(pending);
  // A file that crashed before reporting subtests shows only at the top level.
  if (code !== 0 && failed === 0) failed = 1;
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
