#!/usr/bin/env node
// Writes docs/fields.md from the field table (src/spec/fields.ts, compiled
// to build/spec/fields.js by `make build`). test/unit/fields.test.ts checks
// that the committed file is what this writes.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { fieldsMarkdown } = createRequire(import.meta.url)(join(root, 'build', 'spec', 'fields.js'));
writeFileSync(join(root, 'docs', 'fields.md'), fieldsMarkdown());
console.log('fields-doc: wrote docs/fields.md');
