// What runts does with every property of a runtime-spec v1.3.0 config.json:
// honoured (and the e2e test that shows the kernel doing it), refused (and
// the error naming it), or ignored by the spec's own rule (a field for
// another OS, free-form metadata). One table, read by three:
//   - create refuses what it says is refused (refusedField below);
//   - `runts features` says what is enabled (src/spec/features.ts);
//   - docs/fields.md is written from it (scripts/fields-doc.mjs).
// test/unit/fields.test.ts walks every property of the schemas and fails
// for one missing here, so a field of a newer spec waits for a decision.
//
// Paths are JSON pointers with `*` for any array index or map key.
// `subtree` makes a refused or ignored entry cover everything under it:
// a field inside something refused is refused, inside another OS's
// section ignored. Honoured entries never cover a subtree.

export type Field =
  | { path: string; does: 'honoured'; test: string; note?: string }
  | { path: string; does: 'refused'; reason: string; subtree?: boolean }
  | { path: string; does: 'ignored'; reason: string; subtree?: boolean };

// Names of the e2e tests (a part of each title, as it appears in test/e2e/)
// that show a field at work, by what the kernel says.
const T = {
  lifecycle: 'create, start, kill, delete: what the kernel sees at each step',
  state: 'runts state prints a valid state for created and running containers',
  schemaError: 'bad config: a schema error names the JSON pointer',
  missingRoot: 'bad config: a missing root path is named',
  hooks: 'hooks: each kind runs, in order, where it should, with the state on stdin',
  hookDetails: 'hooks: args and env as given, and a timeout that stops a hook',
  mounts: 'read-only binds, masked and read-only paths, as the container sees them',
  idmap: 'an idmapped bind mount shows files with the mapped owner',
  hostname: 'hostname: set in the container, not on the host',
  netnsPath: 'joining a network namespace by path',
  userns: 'user namespace: the mappings are in place, the process is uid 100000 on the host',
  process: 'process fields as /proc shows them',
  scheduler: 'process.scheduler: SCHED_DEADLINE with runtime, deadline, period and flags',
  linux: 'linux fields as the container sees them',
  console: '--console-socket receives the pty master (SCM_RIGHTS), consoleSize applied',
  nnp: 'seccomp with noNewPrivileges false is still loaded',
  seccomp: 'seccomp: EPERM, errnoRet, KILL and argument conditions; the filter shows in /proc',
  seccompMore: 'seccomp: defaultErrnoRet, architectures, flags and a masked argument',
  notify: 'seccomp SCMP_ACT_NOTIFY: the listener gets the fd and the state, and answers',
  limits: 'every limit set at create is in the cgroup files',
  moreLimits: 'cgroup v1 fields beyond the limits test',
  v2: 'cgroup v2 resources',
  refusedByKernel: 'a value the kernel refuses fails create, names file and value, and leaves nothing',
  pids: 'pids.max refuses the fork past the limit',
  netDevices: 'netDevices: the host interface moves in under its new name, and back at delete',
  intelRdt: 'intelRdt without resctrl is refused, naming the field',
  memoryPolicy: 'memoryPolicy: the container process runs under the policy',
  apparmor: 'apparmorProfile confines the container from its first instruction',
  selinux: 'selinuxLabel and mountLabel: the process runs in the label, the mounts runts makes carry the mount label',
} as const;

const honoured = (path: string, test: keyof typeof T, note?: string): Field => ({ path, does: 'honoured', test: T[test], ...(note ? { note } : {}) });
const refused = (path: string, reason: string, subtree = false): Extract<Field, { does: 'refused' }> => ({ path, does: 'refused', reason, ...(subtree ? { subtree } : {}) });
const ignored = (path: string, reason: string, subtree = false): Field => ({ path, does: 'ignored', reason, ...(subtree ? { subtree } : {}) });

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
const OTHER_OS = 'a section for another operating system: config.md says a runtime for Linux does not act on it';

function idMappings(base: string, test: keyof typeof T): Field[] {
  return [honoured(base, test), ...['containerID', 'hostID', 'size'].map((k) => honoured(`${base}/*/${k}`, test))];
}

function throttles(): Field[] {
  const out: Field[] = [];
  for (const k of ['throttleReadBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteBpsDevice', 'throttleWriteIOPSDevice']) {
    const base = `/linux/resources/blockIO/${k}`;
    out.push(honoured(base, 'moreLimits'), ...['major', 'minor', 'rate'].map((f) => honoured(`${base}/*/${f}`, 'moreLimits')));
  }
  return out;
}

// The refused entries, apart: every create checks them (refusedField), and
// only `features` and the docs need the whole table, which is built on first
// use (about 150 entries; building and walking it cost create about 1 ms
// on a loaded host: docs/performance.md, item 36). The table places each of these where
// it belongs; test/unit/fields.test.ts checks that its refused entries are
// exactly these.
export const REFUSED_FIELDS: readonly Extract<Field, { does: 'refused' }>[] = [
  refused('/linux/intelRdt', 'Intel RDT is not supported by runts: no resctrl (runts does not mount /sys/fs/resctrl nor make its groups, since no host it is tested on has RDT); refusing to run without it', true),
];

function refusedEntry(path: string): Field {
  const f = REFUSED_FIELDS.find((r) => r.path === path);
  if (!f) throw new Error(`fields: ${path} is not in REFUSED_FIELDS`);
  return f;
}

let table: readonly Field[] | undefined;

// The whole table, in the order docs/fields.md lists it.
export function fields(): readonly Field[] {
  return (table ??= buildTable());
}

const buildTable = (): readonly Field[] => [
  honoured('/ociVersion', 'linux', 'a major version other than 1 is refused'),
  ignored('/annotations', 'free-form metadata (config.md): runts copies it into the state and acts on none of it'),
  ignored('/annotations/*', 'as /annotations'),
  honoured('/hostname', 'hostname', 'needs a uts namespace of its own'),
  honoured('/domainname', 'linux'),
  honoured('/root', 'lifecycle'),
  honoured('/root/path', 'missingRoot'),
  honoured('/root/readonly', 'linux'),

  honoured('/mounts', 'mounts'),
  ...['destination', 'source', 'type', 'options'].map((k) => honoured(`/mounts/*/${k}`, 'mounts')),
  ...idMappings('/mounts/*/uidMappings', 'idmap'),
  ...idMappings('/mounts/*/gidMappings', 'idmap'),

  honoured('/hooks', 'hooks'),
  ...HOOK_KINDS.flatMap((k) => [
    honoured(`/hooks/${k}`, 'hooks', k === 'prestart' ? 'deprecated by the spec; run with createRuntime, as runc does' : undefined),
    honoured(`/hooks/${k}/*/path`, 'hooks'),
    honoured(`/hooks/${k}/*/args`, 'hookDetails'),
    honoured(`/hooks/${k}/*/env`, 'hookDetails'),
    honoured(`/hooks/${k}/*/timeout`, 'hookDetails'),
  ]),

  honoured('/process', 'lifecycle'),
  honoured('/process/args', 'lifecycle'),
  honoured('/process/cwd', 'process'),
  honoured('/process/env', 'process'),
  honoured('/process/terminal', 'console'),
  honoured('/process/consoleSize', 'console'),
  honoured('/process/consoleSize/height', 'console'),
  honoured('/process/consoleSize/width', 'console'),
  ignored('/process/commandLine', 'Windows only (config.md: "commandLine ... on Windows")'),
  honoured('/process/user', 'process'),
  honoured('/process/user/uid', 'process'),
  honoured('/process/user/gid', 'process'),
  honoured('/process/user/umask', 'process'),
  honoured('/process/user/additionalGids', 'process'),
  ignored('/process/user/username', 'Windows only (config.md: "username ... on Windows")'),
  honoured('/process/capabilities', 'process', 'names this kernel does not know are left out with a warning, as runc does'),
  ...['bounding', 'effective', 'inheritable', 'permitted', 'ambient'].map((k) => honoured(`/process/capabilities/${k}`, 'process')),
  honoured('/process/rlimits', 'process'),
  ...['type', 'soft', 'hard'].map((k) => honoured(`/process/rlimits/*/${k}`, 'process')),
  honoured('/process/noNewPrivileges', 'nnp'),
  honoured('/process/oomScoreAdj', 'process'),
  honoured('/process/scheduler', 'process'),
  ...['policy', 'nice'].map((k) => honoured(`/process/scheduler/${k}`, 'process')),
  ...['priority', 'flags', 'runtime', 'deadline', 'period'].map((k) => honoured(`/process/scheduler/${k}`, 'scheduler', k === 'priority' ? 'SCHED_FIFO and SCHED_RR need a real-time budget in the cgroup (cpu.rt_runtime_us); where there is none the kernel refuses and create names the step' : undefined)),
  honoured('/process/ioPriority', 'process'),
  honoured('/process/ioPriority/class', 'process'),
  honoured('/process/ioPriority/priority', 'process'),
  honoured('/process/execCPUAffinity', 'process'),
  honoured('/process/execCPUAffinity/initial', 'process'),
  honoured('/process/execCPUAffinity/final', 'process'),
  honoured('/process/apparmorProfile', 'apparmor', 'in the stock-host VM; refused naming the field where AppArmor is off, as runc fails (docs/lsm.md)'),
  honoured('/process/selinuxLabel', 'selinux', 'in the SELinux mode of the stock-host VM; refused naming the field where SELinux is off (docs/lsm.md)'),

  honoured('/linux', 'lifecycle'),
  honoured('/linux/namespaces', 'lifecycle'),
  honoured('/linux/namespaces/*/type', 'lifecycle'),
  honoured('/linux/namespaces/*/path', 'netnsPath'),
  ...idMappings('/linux/uidMappings', 'userns'),
  ...idMappings('/linux/gidMappings', 'userns'),
  honoured('/linux/timeOffsets', 'linux'),
  ...['boottime', 'monotonic'].flatMap((c) => [
    honoured(`/linux/timeOffsets/${c}`, 'linux'),
    honoured(`/linux/timeOffsets/${c}/secs`, 'linux'),
    honoured(`/linux/timeOffsets/${c}/nanosecs`, 'linux'),
  ]),
  honoured('/linux/devices', 'linux'),
  ...['type', 'path', 'major', 'minor', 'fileMode', 'uid', 'gid'].map((k) => honoured(`/linux/devices/*/${k}`, 'linux')),
  honoured('/linux/netDevices', 'netDevices', 'moved with `ip` (iproute2) from the host side, with their permanent global addresses, and set up; back to the host at delete when the container made its network namespace (runc leaves that to the kernel, which destroys virtual devices)'),
  honoured('/linux/netDevices/*', 'netDevices'),
  honoured('/linux/netDevices/*/name', 'netDevices'),
  honoured('/linux/cgroupsPath', 'linux'),
  honoured('/linux/rootfsPropagation', 'linux'),
  honoured('/linux/maskedPaths', 'mounts'),
  honoured('/linux/readonlyPaths', 'mounts'),
  honoured('/linux/mountLabel', 'selinux', 'context= on the mounts runts makes; refused where SELinux is off (docs/lsm.md)'),
  honoured('/linux/sysctl', 'linux', 'only keys of a namespace the container owns, as runc'),
  honoured('/linux/sysctl/*', 'linux'),
  honoured('/linux/personality', 'linux'),
  honoured('/linux/personality/domain', 'linux'),
  honoured('/linux/personality/flags', 'linux', 'the spec defines no flag yet: any given is refused by the schema'),
  refusedEntry('/linux/intelRdt'),
  honoured('/linux/memoryPolicy', 'memoryPolicy', 'set_mempolicy in the container process, before exec, and in each exec\'d process (as runc)'),
  honoured('/linux/memoryPolicy/mode', 'memoryPolicy'),
  honoured('/linux/memoryPolicy/nodes', 'memoryPolicy', 'nodes this host does not have online are refused at create'),
  honoured('/linux/memoryPolicy/flags', 'memoryPolicy'),

  honoured('/linux/seccomp', 'seccomp'),
  honoured('/linux/seccomp/defaultAction', 'seccomp'),
  honoured('/linux/seccomp/defaultErrnoRet', 'seccompMore'),
  honoured('/linux/seccomp/architectures', 'seccompMore'),
  honoured('/linux/seccomp/flags', 'seccompMore'),
  honoured('/linux/seccomp/listenerPath', 'notify'),
  honoured('/linux/seccomp/listenerMetadata', 'notify'),
  honoured('/linux/seccomp/syscalls', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/names', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/action', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/errnoRet', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/args', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/args/*/index', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/args/*/value', 'seccomp'),
  honoured('/linux/seccomp/syscalls/*/args/*/valueTwo', 'seccompMore'),
  honoured('/linux/seccomp/syscalls/*/args/*/op', 'seccomp'),

  honoured('/linux/resources', 'limits'),
  honoured('/linux/resources/devices', 'moreLimits'),
  ...['allow', 'type', 'major', 'minor', 'access'].map((k) => honoured(`/linux/resources/devices/*/${k}`, 'moreLimits')),
  honoured('/linux/resources/memory', 'limits'),
  honoured('/linux/resources/memory/limit', 'limits'),
  honoured('/linux/resources/memory/swap', 'limits'),
  honoured('/linux/resources/memory/reservation', 'moreLimits'),
  honoured('/linux/resources/memory/kernel', 'moreLimits', 'where the kernel still has kernel memory limits; otherwise a warning, as runc'),
  honoured('/linux/resources/memory/kernelTCP', 'moreLimits', 'where the kernel still has kernel memory limits; otherwise a warning, as runc'),
  honoured('/linux/resources/memory/swappiness', 'moreLimits'),
  honoured('/linux/resources/memory/disableOOMKiller', 'moreLimits', 'cgroup v1 only; a warning on v2, as runc'),
  honoured('/linux/resources/memory/useHierarchy', 'moreLimits'),
  honoured('/linux/resources/memory/checkBeforeUpdate', 'moreLimits', 'used by update'),
  honoured('/linux/resources/cpu', 'limits'),
  honoured('/linux/resources/cpu/shares', 'limits'),
  honoured('/linux/resources/cpu/quota', 'limits'),
  honoured('/linux/resources/cpu/period', 'limits'),
  honoured('/linux/resources/cpu/burst', 'moreLimits', 'where the kernel has cpu.cfs_burst_us; otherwise a warning'),
  honoured('/linux/resources/cpu/realtimeRuntime', 'moreLimits', 'cgroup v1 only; refused on cgroup v2'),
  honoured('/linux/resources/cpu/realtimePeriod', 'moreLimits', 'cgroup v1 only; refused on cgroup v2'),
  honoured('/linux/resources/cpu/cpus', 'limits'),
  honoured('/linux/resources/cpu/mems', 'limits'),
  honoured('/linux/resources/cpu/idle', 'moreLimits', 'where the kernel has cpu.idle'),
  honoured('/linux/resources/pids', 'pids'),
  honoured('/linux/resources/pids/limit', 'pids'),
  honoured('/linux/resources/blockIO', 'limits'),
  honoured('/linux/resources/blockIO/weight', 'limits', 'where the I/O scheduler has weights (BFQ, CFQ); otherwise refused naming the field'),
  honoured('/linux/resources/blockIO/leafWeight', 'moreLimits', 'CFQ only; refused naming the field where the file is missing'),
  honoured('/linux/resources/blockIO/weightDevice', 'moreLimits'),
  ...['major', 'minor', 'weight', 'leafWeight'].map((k) => honoured(`/linux/resources/blockIO/weightDevice/*/${k}`, 'moreLimits')),
  ...throttles(),
  honoured('/linux/resources/hugepageLimits', 'limits', 'where the host has the page size'),
  honoured('/linux/resources/hugepageLimits/*/pageSize', 'limits'),
  honoured('/linux/resources/hugepageLimits/*/limit', 'limits'),
  honoured('/linux/resources/network', 'refusedByKernel', 'cgroup v1 net_cls and net_prio; where they are not mounted (this host), refused naming the field'),
  honoured('/linux/resources/network/classID', 'refusedByKernel', 'as /linux/resources/network'),
  honoured('/linux/resources/network/priorities', 'refusedByKernel', 'as /linux/resources/network'),
  honoured('/linux/resources/network/priorities/*/name', 'refusedByKernel'),
  honoured('/linux/resources/network/priorities/*/priority', 'refusedByKernel'),
  honoured('/linux/resources/rdma', 'moreLimits', 'where the rdma controller is mounted; otherwise refused naming the field'),
  honoured('/linux/resources/rdma/*', 'moreLimits'),
  honoured('/linux/resources/rdma/*/hcaHandles', 'moreLimits'),
  honoured('/linux/resources/rdma/*/hcaObjects', 'moreLimits'),
  honoured('/linux/resources/unified', 'v2'),
  honoured('/linux/resources/unified/*', 'refusedByKernel', 'a key without a cgroup file is refused naming it'),

  ignored('/windows', OTHER_OS, true),
  ignored('/solaris', OTHER_OS, true),
  ignored('/vm', 'for runtimes that start a virtual machine (config-vm.md); runts runs containers on the host kernel', true),
  ignored('/zos', OTHER_OS, true),
  ignored('/freebsd', OTHER_OS, true),
];

// A schema path ("/mounts/*/source") matches a table path exactly; an
// entry with subtree also covers every path under it.
export function fieldFor(schemaPath: string): Field | undefined {
  const all = fields();
  const exact = all.find((f) => f.path === schemaPath);
  if (exact) return exact;
  return all.find((f) => f.does !== 'honoured' && f.subtree && schemaPath.startsWith(f.path + '/'));
}

export function isHonoured(path: string): boolean {
  return fieldFor(path)?.does === 'honoured';
}

// The first refused field a config sets, as its concrete pointer and the
// reason: create stops there (the error names it, nothing is made).
export function refusedField(config: unknown): { pointer: string; reason: string } | undefined {
  for (const f of REFUSED_FIELDS) {
    const pointer = firstSet(config, f.path.split('/').slice(1), '');
    if (pointer !== undefined) return { pointer, reason: f.reason };
  }
  return undefined;
}

// The pointer of the first value set along a path with `*` steps. An empty
// string, null, or an empty object/array counts as not set, as runc treats
// an empty field as absent.
function firstSet(doc: unknown, steps: string[], at: string): string | undefined {
  if (steps.length === 0) return isSet(doc) ? at : undefined;
  if (doc === null || typeof doc !== 'object') return undefined;
  const [step, ...rest] = steps;
  const keys = step === '*' ? Object.keys(doc as object) : [step];
  for (const k of keys) {
    const found = firstSet((doc as Record<string, unknown>)[k], rest, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

// The decisions behind some verdicts, for docs/fields.md.
const NOTES = [
  '## Notes',
  '',
  '**`linux.netDevices`.** At create, once the container process is in its network namespace, runts',
  'moves each host interface there with iproute2\'s `ip` (`ip link set dev HOST netns NS name NEW`:',
  'one netlink request), copies its permanent global addresses and sets it up, as runc 1.4+ does.',
  'The kernel moves first and renames after, so a name taken inside fails after the move: runts then',
  'brings that interface back, and moves back the ones moved before it, so that nothing is left',
  'half-moved. A device missing on the host, an invalid or duplicate name, `lo` as a name in a new',
  'namespace, no network namespace, or rootless are refused before anything is made. When the',
  'container made its network namespace, runts holds it with a bind mount at `<state dir>/netns`',
  'until delete, which moves every device back under its host name (with its addresses, and up if',
  'it was) and then lets the namespace go. runc leaves this to the kernel, which hands a physical',
  'device back under the container\'s name and destroys a virtual one (veth, dummy) with the',
  'namespace; a joined namespace belongs to whoever made it, and its devices stay there, as in runc.',
  'Until state.json lists them, create keeps a note of the devices it is moving (`netdevices.json`',
  'beside the held namespace), so that `delete --force` after a create killed midway moves them back too.',
  '`ip` rather than netlink from Node: no npm netlink library is kept well enough (the one there is,',
  '`netlink`, is a small native binding, little used), and the spawns are paid only by containers',
  'that ask for a device. iproute2 is in `scripts/test-deps.sh`.',
  '',
  '**`linux.intelRdt`.** Refused whatever the host: runts does not manage resctrl groups, because no',
  'host it is tested on has RDT (resctrl cannot be mounted on this development host, nor in a qemu',
  'VM without RDT), and code that cannot be tested here is not written. runc refuses it too where',
  '`/sys/fs/resctrl` is not mounted. `features` says `intelRdt.enabled: false`.',
];

// docs/fields.md: every entry of the table, in order.
export function fieldsMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# What runts does with each field of config.json',
    '',
    'Generated from `src/spec/fields.ts` by `make fields-doc` (scripts/fields-doc.mjs);',
    '`test/unit/fields.test.ts` fails when this file and the table differ, and when a property of',
    'the runtime-spec v1.3.0 schemas is missing from the table. `*` stands for any array index or',
    'map key; a refused or ignored entry marked "and below" covers every field under it.',
    '',
    '* **honoured**: runts does what the field says; the test named is an e2e test (test/e2e/)',
    '  that checks it by what the kernel says, on this host or in the cgroup v2 VM.',
    '* **refused**: create fails with `runts: config.json: <pointer>: <reason>`, exit 1, and leaves nothing.',
    '* **ignored**: the spec itself says a Linux runtime does not act on it.',
    '',
    '| field | runts | test, or why |',
    '| --- | --- | --- |',
  ];
  for (const f of fields()) {
    const where = f.does !== 'honoured' && f.subtree ? ' and below' : '';
    const why = f.does === 'honoured' ? `${f.test}${f.note ? ` (${f.note})` : ''}` : f.reason;
    lines.push(`| \`${f.path}\`${where} | ${f.does} | ${esc(why)} |`);
  }
  return [...lines, '', ...NOTES].join('\n') + '\n';
}
