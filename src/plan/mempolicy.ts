// linux.memoryPolicy to the init's `mempolicy` op (set_mempolicy(2) in the
// container's process, before exec). What the kernel would refuse is
// refused here first, at create, naming the field: an unknown mode or flag,
// nodes the mode does not take or lacks, nodes this host does not have.
import * as fs from 'node:fs';
import { RuntsError } from '../errors';
import type { Linux } from '../spec/types';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../spec/tables';
import { Instruction, ins } from './instructions';

const BASE = '/linux/memoryPolicy';
const q = JSON.stringify;
const bad = (pointer: string, what: string) => new RuntsError(`config.json: ${pointer}: ${what}`, { file: 'config.json', pointer });

// "0-2,5" -> [0, 1, 2, 5] (the kernel's list format, as in cpuset.mems).
export function parseNodeList(text: string, pointer: string): number[] {
  const out = new Set<number>();
  if (text.trim() === '') return [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw bad(pointer, `must be a list of node numbers and ranges like "0-2,5"; got ${q(text)}`);
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (hi < lo || hi >= 1024) throw bad(pointer, `bad node range ${q(part.trim())} (nodes are 0 to 1023)`);
    for (let n = lo; n <= hi; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

// The NUMA nodes online on this host (/sys/devices/system/node/online);
// a kernel without NUMA has node 0 only.
export function onlineNodes(): number[] {
  try {
    return parseNodeList(fs.readFileSync('/sys/devices/system/node/online', 'utf8').trim(), BASE);
  } catch {
    return [0];
  }
}

const NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const SOME_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);

// online: the host's nodes (HostFacts.numaNodes); without it the nodes are
// not checked against the host (exec: create checked them).
export function memoryPolicyStep(mp: NonNullable<Linux['memoryPolicy']>, online?: number[]): Instruction {
  const mode = MEMORY_POLICY_MODES[mp.mode];
  if (mode === undefined) throw bad(`${BASE}/mode`, `must be one of ${Object.keys(MEMORY_POLICY_MODES).join(', ')}; got ${q(mp.mode)}`);
  let flags = 0;
  (mp.flags ?? []).forEach((f, i) => {
    const bit = MEMORY_POLICY_FLAGS[f];
    if (bit === undefined) throw bad(`${BASE}/flags/${i}`, `must be one of ${Object.keys(MEMORY_POLICY_FLAGS).join(', ')}; got ${q(f)}`);
    flags |= bit;
  });
  if ((flags & MEMORY_POLICY_FLAGS.MPOL_F_STATIC_NODES) && (flags & MEMORY_POLICY_FLAGS.MPOL_F_RELATIVE_NODES)) {
    throw bad(`${BASE}/flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  }
  if ((flags & MEMORY_POLICY_FLAGS.MPOL_F_NUMA_BALANCING) && mp.mode !== 'MPOL_BIND' && mp.mode !== 'MPOL_PREFERRED_MANY') {
    throw bad(`${BASE}/flags`, `MPOL_F_NUMA_BALANCING goes with MPOL_BIND or MPOL_PREFERRED_MANY only; the mode is ${mp.mode}`);
  }
  const nodes = parseNodeList(mp.nodes ?? '', `${BASE}/nodes`);
  if (NO_NODES.has(mp.mode) && nodes.length) throw bad(`${BASE}/nodes`, `${mp.mode} takes no nodes; got ${q(mp.nodes)}`);
  if (SOME_NODES.has(mp.mode) && !nodes.length) throw bad(`${BASE}/nodes`, `${mp.mode} needs at least one node`);
  // With MPOL_F_RELATIVE_NODES the numbers are positions among the allowed
  // nodes, not node numbers: the kernel folds them onto what there is.
  const relative = (flags & MEMORY_POLICY_FLAGS.MPOL_F_RELATIVE_NODES) !== 0;
  const missing = relative || !online ? [] : nodes.filter((n) => !online.includes(n));
  if (missing.length) throw bad(`${BASE}/nodes`, `node${missing.length > 1 ? 's' : ''} ${missing.join(',')} not online on this host (online: ${online!.join(',')}); got ${q(mp.nodes)}`);
  return ins('mempolicy', `set memory policy ${[mp.mode, ...(mp.flags ?? [])].join('|')}${nodes.length ? ` nodes ${nodes.join(',')}` : ''}`, mode | flags, nodes.join(','));
}
