// linux.memoryPolicy, linux.netDevices and the loopback, without root: what
// they compile to, and what is refused before anything is made.
import t from 'tap';
import { compile, HostFacts } from '../../src/plan/compile';
import { memoryPolicyStep, parseNodeList } from '../../src/plan/mempolicy';
import { checkNetDevices } from '../../src/container/netdevices';
import { defaultSpec } from '../../src/spec/default';
import type { Config } from '../../src/spec/types';

const facts: HostFacts = { hasKcore: true, cgroupMounts: [], sourceKind: () => 'dir', homeOf: () => undefined, numaNodes: [0, 1] };
function config(edit: (c: Config) => void = () => {}): Config {
  const c = defaultSpec();
  c.process!.terminal = false;
  edit(c);
  return c;
}
const ops = (c: Config) => compile({ config: c, bundle: '/b', barrier: '/run/runts/c1/barrier', facts }).map((i) => i.op);
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

t.test('memoryPolicy: mode and flags in one number, nodes as a list', async (t) => {
  t.same(parseNodeList('0-2,5', '/x'), [0, 1, 2, 5]);
  t.same(parseNodeList('', '/x'), []);
  const step = memoryPolicyStep({ mode: 'MPOL_BIND', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] }, [0, 1]);
  t.same([step.op, step.args], ['mempolicy', [String(2 | (1 << 15)), '0,1']]);
  t.same(memoryPolicyStep({ mode: 'MPOL_LOCAL' }, [0]).args, ['4', '']);
  t.same(memoryPolicyStep({ mode: 'MPOL_INTERLEAVE', nodes: '3', flags: ['MPOL_F_RELATIVE_NODES'] }, [0]).args, [String(3 | (1 << 14)), '3'], 'relative nodes are positions, not checked against the host');
  t.same(memoryPolicyStep({ mode: 'MPOL_BIND', nodes: '7' }).args, ['2', '7'], 'without the host nodes (exec) they are not checked');
});

t.test('memoryPolicy: what the kernel would refuse is refused naming the field', async (t) => {
  const cases: [Parameters<typeof memoryPolicyStep>[0], string][] = [
    [{ mode: 'MPOL_BIND', nodes: '5' }, 'config.json: /linux/memoryPolicy/nodes: node 5 not online on this host (online: 0,1); got "5"'],
    [{ mode: 'MPOL_BIND', nodes: 'x' }, 'config.json: /linux/memoryPolicy/nodes: must be a list of node numbers and ranges like "0-2,5"; got "x"'],
    [{ mode: 'MPOL_BIND', nodes: '3-1' }, 'config.json: /linux/memoryPolicy/nodes: bad node range "3-1" (nodes are 0 to 1023)'],
    [{ mode: 'MPOL_NOPE' }, 'config.json: /linux/memoryPolicy/mode: must be one of MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE; got "MPOL_NOPE"'],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_X'] }, 'config.json: /linux/memoryPolicy/flags/0: must be one of MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES; got "MPOL_F_X"'],
    [{ mode: 'MPOL_PREFERRED', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] }, 'config.json: /linux/memoryPolicy/flags: MPOL_F_NUMA_BALANCING goes with MPOL_BIND or MPOL_PREFERRED_MANY only; the mode is MPOL_PREFERRED'],
    [{ mode: 'MPOL_WEIGHTED_INTERLEAVE' }, 'config.json: /linux/memoryPolicy/nodes: MPOL_WEIGHTED_INTERLEAVE needs at least one node'],
    [{ mode: 'MPOL_LOCAL', nodes: '0' }, 'config.json: /linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes; got "0"'],
  ];
  for (const [mp, want] of cases) t.equal(message(() => memoryPolicyStep(mp, [0, 1])), want, JSON.stringify(mp));
});

t.test('compile: lo up in a new network namespace, then the network devices, then later the memory policy', async (t) => {
  const p = ops(config((c) => {
    c.linux!.netDevices = { eth9: { name: 'ctr0' } };
    c.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
  }));
  const at = (op: string) => p.indexOf(op);
  t.ok(at('fork') < at('loopback-up') && at('loopback-up') < at('sync'), 'after the fork: lo up, then the sync that moves the devices');
  t.ok(at('mempolicy') > 0 && at('mempolicy') < at('user'), 'the memory policy before the user is set');
  const joined = ops(config((c) => (c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/run/netns/x' } : n)))));
  t.notOk(joined.includes('loopback-up'), 'a joined network namespace is left as it is');
  t.notOk(ops(config()).includes('mempolicy'), 'no memory policy, no op');
});

t.test('netDevices: refused before anything is made', async (t) => {
  const have = new Set(['lo', 'eth9', 'eth8']);
  const check = (nd: Record<string, { name?: string }>, edit: (c: Config) => void = () => {}, rootless = false) =>
    message(() => checkNetDevices(config((c) => ((c.linux!.netDevices = nd), edit(c))), rootless, have));
  t.equal(check({ eth9: { name: 'ctr0' } }), undefined, 'a device the host has');
  t.equal(check({ eth7: {} }), 'config.json: /linux/netDevices/eth7: no network interface "eth7" on the host');
  t.equal(check({ eth9: { name: 'a/b' } }), 'config.json: /linux/netDevices/eth9/name: not a valid interface name; got "a/b"');
  t.equal(check({ eth9: { name: 'x'.repeat(16) } }), `config.json: /linux/netDevices/eth9/name: not a valid interface name; got "${'x'.repeat(16)}"`);
  t.equal(check({ eth9: { name: 'c0' }, eth8: { name: 'c0' } }), 'config.json: /linux/netDevices/eth8/name: "c0" is also the name given to "eth9"');
  t.equal(check({ eth9: { name: 'lo' } }), 'config.json: /linux/netDevices/eth9/name: "lo" is taken in the container\'s network namespace (its loopback)');
  t.equal(check({ eth9: {} }, (c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'network'))), 'config.json: /linux/netDevices: needs a network namespace of the container in /linux/namespaces (devices are moved into it)');
  t.equal(check({ eth9: {} }, () => {}, true), 'config.json: /linux/netDevices: moving network devices needs root on the host (not rootless)');
});
