// The generated bash completion (build/completion/runts.bash, from
// src/cli/completion.ts), driven as bash drives it: COMP_WORDS and
// COMP_CWORD set, _runts called, COMPREPLY read. Container IDs come from
// `runts list -q` under the --root on the line, here a real created container.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle, newId, REPO, RUNTS, runts, stateDir } from './lib';

const SCRIPT = path.join(REPO, 'build', 'completion', 'runts.bash');

// What bash completes for these words (the last one being typed).
function complete(words: string[]): string[] {
  const prog = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _runts; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', prog, 'complete', SCRIPT, ...words], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bash: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

if (process.getuid?.() !== 0) t.skip('the completion test needs root (it creates a container)');
else if (!fs.existsSync(SCRIPT)) t.fail(`${SCRIPT} is missing: make build writes it`);
else run();

function run(): void {
  t.test('commands, options, choices and signals', async (t) => {
    t.same(complete(['runts', 'c']), ['create', 'checkpoint']);
    t.same(complete(['runts', '--root', '/r', 'l']), ['list', 'ls'], 'after a global option and its value');
    t.same(complete(['runts', '--log-f']), ['--log-format']);
    t.same(complete(['runts', '--log-format', '']), ['text', 'json'], 'a global option\'s choices');
    t.same(complete(['runts', 'list', '--format', '']), ['table', 'json'], 'list --format: its own choices');
    t.same(complete(['runts', 'create', '--format', '']), ['text', 'json'], 'create --format: its own choices');
    t.ok(complete(['runts', 'create', '--']).includes('--pid-file'), 'create\'s options');
    t.same(complete(['runts', 'delete', '-']), ['--force', '-f', '--help']);
    t.ok(complete(['runts', 'kill', 'someid', 'SIGK']).includes('SIGKILL'), 'kill\'s signal');
    t.same(complete(['runts', 'help', 'upd']), ['update']);
  });

  t.test('container IDs from `runts list -q` under the --root on the line', async (t) => {
    const b = makeBundle(t);
    const id = newId(t);
    const r = runts(['create', '--bundle', b.dir, id]);
    t.equal(r.status, 0, `create (${r.stderr})`);
    const prefix = id.slice(0, 6);
    t.ok(complete([RUNTS, '--root', stateDir(), 'start', prefix]).includes(id), 'start <TAB> offers the created container');
    t.ok(complete([RUNTS, `--root=${stateDir()}`, 'kill', '']).includes(id), 'kill <TAB>, with --root=');
    t.ok(complete([RUNTS, '--root', stateDir(), 'exec', '-t', prefix]).includes(id), 'exec -t <TAB>: the ID after an option');
    t.ok(complete([RUNTS, '--root', stateDir(), 'delete', '--force', id.slice(0, -1)]).includes(id), 'delete --force <TAB>');
    t.notOk(complete([RUNTS, '--root', stateDir(), 'kill', id, 'SIGK']).includes(id), 'the signal position offers no ID');
    t.ok(complete([RUNTS, '--root', stateDir(), 'exec', id, 'bas']).includes('bash'), 'exec ID <TAB>: a command');
    const other = path.join(stateDir(), 'none');
    t.notOk(complete([RUNTS, '--root', other, 'start', prefix]).includes(id), 'another --root: not this container');
    t.notOk(fs.existsSync(other), 'completion made no state directory');
  });
}
