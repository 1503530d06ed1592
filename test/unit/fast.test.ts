// The fast command-line path: what it parses itself, and what it leaves to yargs.
import t from 'tap';
import { fastParse } from '../../src/cli/fast';

// The same global options main.ts declares.
const globals = (y: any) =>
  y
    .option('root', { type: 'string', default: '/run/runts' })
    .option('log', { type: 'string' })
    .option('log-format', { choices: ['text', 'json'], default: 'text' })
    .option('debug', { type: 'boolean', default: false })
    .option('systemd-cgroup', { type: 'boolean', default: false });

const parse = (s: string) => fastParse(s.split(' ').filter(Boolean), globals);

t.test('engine-style invocations are parsed with defaults filled in', async (t) => {
  let p = parse('--root /r --log /l --log-format json kill abc KILL');
  t.same(p?.args, { root: '/r', log: '/l', logFormat: 'json', id: 'abc', signal: 'KILL', all: false, debug: false, systemdCgroup: false });
  p = parse('kill abc');
  t.equal(p?.args.signal, undefined, 'optional positional left out');
  p = parse('create --bundle /b --pid-file /p --console-socket /s abc');
  t.match(p?.args, { bundle: '/b', pidFile: '/p', consoleSocket: '/s', id: 'abc', noPivot: false, preserveFds: 0 });
  p = parse('delete -f abc');
  t.match(p?.args, { force: true, id: 'abc' });
  p = parse('create --preserve-fds=2 --no-pivot abc');
  t.match(p?.args, { preserveFds: 2, noPivot: true });
  p = parse('ls -q');
  t.match(p?.args, { quiet: true, format: 'table' });
  t.equal(parse('state abc')?.module.command, 'state <id>');
});

t.test('anything unusual goes to yargs', async (t) => {
  for (const s of ['', 'state', 'state a b', 'bogus x', 'state --help a', 'list --format yaml', 'kill a --nope', 'delete -f -f a', 'exec a -- ls', 'exec -- a ls', 'exec', 'ps -ef a', 'ps a -- -ef', '--root', 'create --bundle']) {
    t.equal(parse(s), undefined, JSON.stringify(s));
  }
});

t.test('exec: everything after the container ID is the command, options included', async (t) => {
  let p = parse('exec -t --pid-file /p abc ls -l -h --tty');
  t.match(p?.args, { tty: true, pidFile: '/p', id: 'abc', command: ['ls', '-l', '-h', '--tty'], detach: false, preserveFds: 0 });
  p = parse('--root /r exec --process /b/process.json -d abc');
  t.match(p?.args, { root: '/r', process: '/b/process.json', detach: true, id: 'abc', command: [] });
  p = parse('exec abc /bin/true');
  t.same(p?.args.command, ['/bin/true']);
  t.equal(p?.module.command, 'exec <id> [command..]');
});

t.test('ps: options before the ID are its own, after it they are ps(1)\'s', async (t) => {
  t.match(parse('ps --format json abc')?.args, { format: 'json', id: 'abc', psArgs: [] });
  t.match(parse('ps abc -ef')?.args, { format: 'table', id: 'abc', psArgs: ['-ef'] });
  t.match(parse('ps -f json abc')?.args, { format: 'json', id: 'abc' });
});
