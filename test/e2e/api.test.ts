// End-to-end tests of the TypeScript API (src/api, docs/api.md): containers
// driven through Runtime and Container only, as a program using the package
// would. What a test believes about processes is what /proc says.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Runtime, defaultSpec, RuntsError } from '../../src/api';
import type { Config } from '../../src/api';
import { isAlive, makeBundle, newId, procCmdline, stateDir } from './lib';

const rt = () => new Runtime({ root: stateDir() });

if (process.getuid?.() !== 0) {
  t.skip('the API e2e tests need root (they run real containers)');
} else {
  run();
}

// A bundle (its own rootfs copy) whose config the API writes: defaultSpec
// with these args.
function bundleFor(tt: Parameters<typeof makeBundle>[0]): string {
  return makeBundle(tt).dir;
}

function run(): void {
  t.test('create, start, state, exec with captured output, kill, wait, delete', async (tt) => {
    const id = newId(tt);
    const bundle = bundleFor(tt);
    const config = defaultSpec({ args: ['sleep', '300'] });
    const c = await rt().create(id, { bundle, config });
    tt.equal(JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).process.args[0], 'sleep', 'the config was written to the bundle');
    let st = await c.state();
    tt.equal(st.status, 'created');
    tt.equal(st.pid, c.pid, 'state names the pid create reported');
    tt.ok(isAlive(st.pid!), 'the container process exists');
    await c.start();
    st = await c.state();
    tt.equal(st.status, 'running');
    tt.same(procCmdline(st.pid!), ['sleep', '300'], 'the kernel runs the config\'s process');

    const r = await c.exec(['sh', '-c', 'echo hi; echo oops >&2; exit 3'], { stdout: 'pipe', stderr: 'pipe' });
    tt.equal(r.stdout, 'hi\n', 'stdout captured');
    tt.equal(r.stderr, 'oops\n', 'stderr captured');
    tt.equal(r.exitCode, 3, 'the exec\'d process\'s exit code');
    tt.equal(r.signal, null);

    const echo = await c.exec(['cat'], { input: 'through stdin', stdout: 'pipe' });
    tt.equal(echo.stdout, 'through stdin', 'input goes to the process\'s stdin');
    const env = await c.exec(['sh', '-c', 'echo "$GREETING $(pwd) $(id -u)"'], { stdout: 'pipe', env: ['GREETING=hello'], cwd: '/tmp', user: '65534' });
    tt.equal(env.stdout, 'hello /tmp 65534\n', 'env, cwd and user of the exec');

    await c.kill('SIGKILL');
    const exit = await c.wait();
    tt.same(exit, { status: 137, exitCode: null, signal: 'SIGKILL' }, 'wait: killed by SIGKILL');
    tt.notOk(isAlive(st.pid!), 'the process is gone');
    tt.equal((await c.state()).status, 'stopped');
    await c.delete();
    const gone = await c.state().catch((e: unknown) => e);
    tt.type(gone, RuntsError);
    tt.match((gone as RuntsError).message, `container "${id}" does not exist`);
    tt.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state left');
  });

  t.test('wait gives the container process\'s own exit code', async (tt) => {
    const id = newId(tt);
    const c = await rt().create(id, { bundle: bundleFor(tt), config: defaultSpec({ args: ['sh', '-c', 'exit 7'] }) });
    await c.start();
    tt.same(await c.wait(), { status: 7, exitCode: 7, signal: null });
    tt.same(await c.wait(), { status: 7, exitCode: 7, signal: null }, 'a second wait gives the same');
    await c.delete();
  });

  t.test('kill SIGTERM reaches a process that handles it', async (tt) => {
    const id = newId(tt);
    // PID 1 of a pid namespace ignores SIGTERM without a handler: sh traps it.
    const args = ['sh', '-c', 'trap "exit 9" TERM; touch /tmp/trapped; while :; do sleep 1 & wait; done'];
    const c = await rt().create(id, { bundle: bundleFor(tt), config: defaultSpec({ args }) });
    await c.start();
    const ready = async () => (await c.exec(['test', '-e', '/tmp/trapped'])).exitCode === 0;
    for (let i = 0; i < 200 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 50));
    await c.kill('SIGTERM');
    tt.same(await c.wait(), { status: 9, exitCode: 9, signal: null }, 'the trap ran and exited 9');
    await c.delete();
  });

  t.test('stdio "pipe": the container process\'s output', async (tt) => {
    const id = newId(tt);
    const c = await rt().create(id, {
      bundle: bundleFor(tt),
      config: defaultSpec({ args: ['sh', '-c', 'read line; echo "got $line"; echo to-stderr >&2'] }),
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout!.on('data', (b: Buffer) => out.push(b));
    c.stderr!.on('data', (b: Buffer) => err.push(b));
    c.stdin!.end('ping\n');
    await c.start();
    // wait() resolves once runts create has ended, its stdio closed: all output is in.
    tt.same(await c.wait(), { status: 0, exitCode: 0, signal: null });
    tt.equal(Buffer.concat(out).toString(), 'got ping\n');
    tt.equal(Buffer.concat(err).toString(), 'to-stderr\n');
    await c.delete();
  });

  t.test('events: stats every interval; the loop ends when the container goes', async (tt) => {
    const id = newId(tt);
    const c = await rt().create(id, { bundle: bundleFor(tt), config: defaultSpec({ args: ['sleep', '300'] }) });
    await c.start();
    const seen = [];
    for await (const ev of c.events({ interval: 100 })) {
      seen.push(ev);
      if (seen.length === 2) break;
    }
    tt.equal(seen.length, 2);
    for (const ev of seen) {
      tt.equal(ev.type, 'stats');
      tt.equal(ev.id, id);
      tt.ok(ev.data && 'memory' in ev.data && 'pids' in ev.data, 'a stats document');
    }
    const one = await c.stats();
    tt.equal(one.type, 'stats');
    // A second stream, left running: it ends by itself once the container is killed.
    const ended = (async () => {
      let n = 0;
      for await (const ev of c.events({ interval: 100 })) {
        n++;
        if (n === 1) await c.kill('SIGKILL');
        if (ev.type !== 'stats' && ev.type !== 'oom') throw new Error(`unexpected event ${ev.type}`);
      }
      return n;
    })();
    tt.ok((await ended) >= 1, 'the stream ended after the container stopped');
    tt.equal((await c.wait()).signal, 'SIGKILL');
    await c.delete();
  });

  t.test('errors are RuntsError with the pointer or the step, and nothing is left behind', async (tt) => {
    const r = rt();
    const bundle = bundleFor(tt);
    const bad: Config = defaultSpec({ args: ['true'] });
    bad.linux!.namespaces![2].type = 'netwrk' as never;
    const id = newId(tt);
    const e1 = await r.create(id, { bundle, config: bad }).catch((e: unknown) => e);
    tt.type(e1, RuntsError);
    tt.match(e1, { file: 'config.json', pointer: '/linux/namespaces/2/type' }, 'the JSON pointer as a field');
    tt.match((e1 as Error).message, /^config\.json: \/linux\/namespaces\/2\/type: must be one of/, 'the CLI\'s message');
    tt.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');
    tt.notOk((await r.list()).some((e) => e.id === id), 'not listed');

    const badMount = defaultSpec({ args: ['true'] });
    badMount.mounts!.push({ destination: '/x', type: 'nonexistentfs', source: 'none' });
    const e2 = await r.create(id, { bundle, config: badMount }).catch((e: unknown) => e);
    tt.type(e2, RuntsError);
    tt.match(e2, { step: /mount nonexistentfs on \/x/, code: 'ENODEV' }, 'the failed step and its errno as fields');
    tt.notOk(fs.existsSync(path.join(stateDir(), id)), 'no state directory');

    const e3 = await r.get('no-such-container-api').start().catch((e: unknown) => e);
    tt.type(e3, RuntsError);
    tt.match((e3 as Error).message, 'container "no-such-container-api" does not exist');

    const e4 = await r.get('no-such-container-api').wait().catch((e: unknown) => e);
    tt.type(e4, RuntsError);
    tt.match(e4, { step: 'wait' }, 'wait needs the Runtime that created the container');

    const ok = await r.create(id, { bundle, config: defaultSpec({ args: ['sleep', '300'] }) });
    await ok.start();
    const e5 = await ok.exec(['/no/such/program']).catch((e: unknown) => e);
    tt.type(e5, RuntsError, 'a failed exec is a RuntsError, not an exit status');
    const e6 = await ok.delete().catch((e: unknown) => e);
    tt.type(e6, RuntsError, 'delete of a running container without force fails');
    await ok.delete({ force: true });
    tt.same(await ok.wait(), { status: 137, exitCode: null, signal: 'SIGKILL' }, 'delete --force killed it');
  });

  t.test('list and a container opened by id', async (tt) => {
    const r = rt();
    const id = newId(tt);
    const c = await r.create(id, { bundle: bundleFor(tt), config: defaultSpec({ args: ['sleep', '300'] }) });
    const listed = (await r.list()).find((e) => e.id === id);
    tt.match(listed, { id, status: 'created', pid: c.pid });
    const other = new Runtime({ root: stateDir() }).get(id);
    await other.start();
    tt.equal((await c.state()).status, 'running', 'started through another Runtime');
    await other.kill('KILL');
    tt.equal((await c.wait()).signal, 'SIGKILL', 'the creator still has the exit status');
    await other.delete();
  });

  t.test('defaultSpec is what runts spec writes', async (tt) => {
    const spec = JSON.parse(fs.readFileSync(path.join(bundleFor(tt), 'config.json'), 'utf8'));
    const ours = defaultSpec();
    // makeBundle edited these two.
    spec.process.terminal = true;
    spec.process.args = ['sh'];
    tt.same(ours, spec);
    tt.equal(defaultSpec({ args: ['x'] }).process!.terminal, false, 'args given: no terminal');
    tt.ok(defaultSpec({ rootless: true }).linux!.namespaces!.some((n) => n.type === 'user'), 'rootless: a user namespace');
  });
}
