// The container's cgroups: its directories (dirs.ts), resources (apply.ts),
// freezer, stats and signals, gathered here for the commands that use
// several of them.
export * from './dirs';
export { applyResources } from './apply';
export type { ApplyOptions } from './apply';
export type { LinuxResources } from './resources';
export { freeze, thaw, isFrozenCgroup } from './freezer';
export { collectStats, oomKillCount, allPids, toJson } from './stats';
export { signalAll } from './signal';
