import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { RuntsError } from '../errors';
import type { LinuxResources } from '../cgroups/resources';

interface UpdateArgs extends IdArgs {
  resources?: string;
  blkioWeight?: number;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuBurst?: string;
  cpuShare?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  cpuIdle?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  kernelMemorytcp?: string;
  pidsLimit?: number;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

function integer(flag: string, text: string, unsigned: boolean): number {
  if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(text.trim())) throw new RuntsError(`update: invalid value for --${flag}: ${JSON.stringify(text)}`);
  return Number(text);
}

// runc's flags, to the LinuxResources they mean.
export function resourcesFromFlags(a: UpdateArgs): LinuxResources {
  const { parseRAM } = require('../cgroups/resources') as typeof import('../cgroups/resources');
  const r: LinuxResources = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (a.blkioWeight !== undefined && a.blkioWeight !== 0) r.blockIO = { weight: a.blkioWeight };
  if (a.cpusetCpus) cpu.cpus = a.cpusetCpus;
  if (a.cpusetMems) cpu.mems = a.cpusetMems;
  if (a.cpuIdle) cpu.idle = integer('cpu-idle', a.cpuIdle, false);
  if (a.cpuBurst) cpu.burst = integer('cpu-burst', a.cpuBurst, true);
  if (a.cpuPeriod) cpu.period = integer('cpu-period', a.cpuPeriod, true);
  if (a.cpuRtPeriod) cpu.realtimePeriod = integer('cpu-rt-period', a.cpuRtPeriod, true);
  if (a.cpuShare) cpu.shares = integer('cpu-share', a.cpuShare, true);
  if (a.cpuQuota) cpu.quota = integer('cpu-quota', a.cpuQuota, false);
  if (a.cpuRtRuntime) cpu.realtimeRuntime = integer('cpu-rt-runtime', a.cpuRtRuntime, false);
  const ram = (flag: string, v: string | undefined, set: (n: number) => void) => {
    if (!v) return;
    try {
      set(parseRAM(v));
    } catch {
      throw new RuntsError(`update: invalid value for --${flag}: ${JSON.stringify(v)}`);
    }
  };
  ram('memory', a.memory, (n) => (memory.limit = n));
  ram('memory-swap', a.memorySwap, (n) => (memory.swap = n));
  ram('kernel-memory', a.kernelMemory, (n) => (memory.kernel = n));
  ram('kernel-memory-tcp', a.kernelMemoryTcp ?? a.kernelMemorytcp, (n) => (memory.kernelTCP = n));
  ram('memory-reservation', a.memoryReservation, (n) => (memory.reservation = n));
  if (a.pidsLimit !== undefined) r.pids = { limit: a.pidsLimit };
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(memory).length) r.memory = memory;
  return r;
}

export const command = {
  command: 'update <id>',
  describe: 'change the resource limits of a container (flags, or --resources FILE|- with a linux.resources JSON object)',
  builder: (y: Argv) =>
    y
      .positional('id', idPositional)
      .option('resources', { alias: 'r', type: 'string', describe: 'file with a linux.resources JSON object, or - for stdin (other flags are then ignored)' })
      .option('blkio-weight', { type: 'number', describe: 'block IO weight, 10 to 1000' })
      .option('cpu-period', { type: 'string', describe: 'CPU CFS period (microseconds)' })
      .option('cpu-quota', { type: 'string', describe: 'CPU CFS quota per period (microseconds)' })
      .option('cpu-burst', { type: 'string', describe: 'CPU CFS burst (microseconds)' })
      .option('cpu-share', { type: 'string', describe: 'CPU shares (relative weight)' })
      .option('cpu-rt-period', { type: 'string', describe: 'real-time period (microseconds)' })
      .option('cpu-rt-runtime', { type: 'string', describe: 'real-time runtime per period (microseconds)' })
      .option('cpuset-cpus', { type: 'string', describe: 'CPUs to use (0-3,7)' })
      .option('cpuset-mems', { type: 'string', describe: 'memory nodes to use' })
      .option('cpu-idle', { type: 'string', describe: '1: SCHED_IDLE for the cgroup' })
      .option('memory', { type: 'string', describe: 'memory limit (bytes, or 512m, 1g; -1 for none)' })
      .option('memory-reservation', { type: 'string', describe: 'memory soft limit' })
      .option('memory-swap', { type: 'string', describe: 'memory plus swap limit (-1 for unlimited swap)' })
      .option('kernel-memory', { type: 'string', describe: 'kernel memory limit (obsolete)', hidden: true })
      .option('kernel-memory-tcp', { type: 'string', describe: 'kernel TCP buffer limit (obsolete)', hidden: true })
      .option('kernel-memorytcp', { type: 'string', describe: 'same as --kernel-memory-tcp', hidden: true })
      .option('pids-limit', { type: 'number', describe: 'maximum number of processes' })
      .option('l3-cache-schema', { type: 'string', describe: 'Intel RDT L3 cache schema (not supported)' })
      .option('mem-bw-schema', { type: 'string', describe: 'Intel RDT memory bandwidth schema (not supported)' }),
  handler: (a: UpdateArgs) => {
    if (a.l3CacheSchema !== undefined) throw new RuntsError('update: --l3-cache-schema: Intel RDT is not supported by runts');
    if (a.memBwSchema !== undefined) throw new RuntsError('update: --mem-bw-schema: Intel RDT is not supported by runts');
    if (a.pidsLimit !== undefined && !Number.isInteger(a.pidsLimit)) throw new RuntsError('update: invalid value for --pids-limit');
    if (a.blkioWeight !== undefined && !Number.isInteger(a.blkioWeight)) throw new RuntsError('update: invalid value for --blkio-weight');
    const u = require('../container/update') as typeof import('../container/update');
    const resources = a.resources !== undefined ? u.readResourcesFile(a.resources) : resourcesFromFlags(a);
    return u.update(a.root, a.id, resources);
  },
};
