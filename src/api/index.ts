// The TypeScript API (docs/api.md): containers driven from Node without a
// shell. Every operation runs bin/runts, the CLI, as a child process, so the
// process model, the behaviour and the errors are the CLI's own; a failure
// comes back as a RuntsError rebuilt from the json line the CLI logs for it
// (--log on a pipe, fd 3), with its pointer, step and code.
//
// This file is the package's entry: what it exports, and nothing else.
//   runtime.ts    Runtime: the CLI's global options, create, restore, get, list
//   container.ts  Container: start, state, kill, exec, wait, events, ...
//   options.ts    what a caller passes (the options of each operation)
//   results.ts    what comes back (exit status, exec result, events, list)
//   spec.ts       defaultSpec, the config `runts spec` writes
//   log.ts        the CLI's json log read back into warnings and RuntsErrors
//   child.ts      a runts child process: its output, its lines, ref/unref
export { RuntsError } from '../errors';
export type { RuntsErrorFields } from '../errors';
export type * from '../spec/types';
export { defaultSpec } from './spec';
export type { DefaultSpecOptions } from './spec';
export { Runtime } from './runtime';
export { Container } from './container';
export type { RuntimeOptions, StdioValue, CreateOptions, CriuOptions, CheckpointOptions, RestoreOptions, ExecOptions } from './options';
export { exitStatus } from './results';
export type { ExitStatus, ExecResult, ContainerEvent, ListEntry } from './results';
