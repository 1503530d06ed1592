// RuntsError's fields (src/errors.ts): what the CLI's json log lines carry
// and the API's errors have, beside the message.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RuntsError, parseFields } from '../../src/errors';
import { validateConfigDoc } from '../../src/spec/load';
import { defaultSpec, exitStatus } from '../../src/api';

t.test('fields from the messages runts writes', async (t) => {
  t.same(parseFields('config.json: /linux/namespaces/2/type: must be one of pid; got "x"'), { file: 'config.json', pointer: '/linux/namespaces/2/type' });
  t.same(parseFields('create: mount nonexistentfs on /x: ENODEV: No such device'), { step: 'mount nonexistentfs on /x', code: 'ENODEV' });
  t.same(parseFields('create state directory /r/x: EACCES'), { step: 'create state directory /r/x', code: 'EACCES' });
  t.same(parseFields('container "x" does not exist'), {});
  const e = new RuntsError('m', { pointer: '/process' });
  t.equal(e.pointer, '/process');
  t.notOk('step' in e, 'unset fields are not properties');
  t.same(e.fields(), { pointer: '/process' });
  t.ok(e instanceof Error);
  t.equal(e.name, 'RuntsError');
});

t.test('a schema error names its pointer as a field, even one with a colon', async (t) => {
  const doc = defaultSpec({ args: ['true'] }) as unknown as Record<string, unknown>;
  (doc as { annotations?: unknown }).annotations = { 'io.x:y': 5 };
  try {
    validateConfigDoc(doc);
    t.fail('validated');
  } catch (err) {
    t.type(err, RuntsError);
    t.match(err, { file: 'config.json', pointer: '/annotations/io.x:y' });
  }
});

t.test('the json log line of a failure carries the fields', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-unit-errors-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = defaultSpec({ args: ['true'] }) as unknown as { ociVersion: string };
  config.ociVersion = '2.0.0';
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  const log = path.join(dir, 'log');
  const r = spawnSync('node', [path.join(__dirname, '..', '..', 'bin', 'runts.js'), '--root', path.join(dir, 'state'), '--log', log, '--log-format', 'json', 'create', '--bundle', dir, 'x'], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^runts: config\.json: \/ociVersion: /, 'the one line on stderr, as before');
  const line = JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n').pop()!);
  t.match(line, { level: 'error', file: 'config.json', pointer: '/ociVersion' });
});

t.test('exit statuses as a shell reports them', async (t) => {
  t.same(exitStatus(0), { status: 0, exitCode: 0, signal: null });
  t.same(exitStatus(7), { status: 7, exitCode: 7, signal: null });
  t.same(exitStatus(137), { status: 137, exitCode: null, signal: 'SIGKILL' });
  t.same(exitStatus(143), { status: 143, exitCode: null, signal: 'SIGTERM' });
  t.same(exitStatus(255), { status: 255, exitCode: 255, signal: null }, 'no signal 127');
});
