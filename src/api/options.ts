// What a caller passes: the options of Runtime and of each operation, and
// the CLI flags the criu options become (checkpoint and restore share them).
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../spec/types';

export interface RuntimeOptions {
  root?: string; // --root (default as the CLI's: /run/runts, or $XDG_RUNTIME_DIR/runts rootless)
  runts?: string; // the runts binary (default: bin/runts of this package)
  systemdCgroup?: boolean; // --systemd-cgroup
  criu?: string; // --criu: the criu binary of checkpoint and restore (default criu on PATH)
  // Warnings the CLI logs (ignored capabilities, ...); default: printed on
  // stderr as the CLI would print them.
  onWarning?: (message: string) => void;
}

export type StdioValue = 'ignore' | 'inherit' | 'pipe' | number | Readable | Writable;

export interface CreateOptions {
  bundle: string;
  config?: Config; // written to <bundle>/config.json first
  // The container process's stdin, stdout and stderr (default 'ignore').
  // With 'pipe' they are Container.stdin, .stdout, .stderr.
  stdio?: StdioValue | [StdioValue, StdioValue, StdioValue];
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
}

// checkpoint's and restore's flags (runc's; docs/checkpoint.md).
export interface CriuOptions {
  imagePath: string; // the images' directory
  workPath?: string; // criu's work files and log (default: imagePath)
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: 'soft' | 'full' | 'strict' | 'ignore';
}

export interface CheckpointOptions extends CriuOptions {
  leaveRunning?: boolean; // keep the container running (else it is gone after the checkpoint)
  preDump?: boolean; // memory only; the container keeps running
  parentPath?: string; // a pre-dump's images, relative to imagePath
}

export interface RestoreOptions extends CriuOptions {
  bundle: string;
  // What the restored process's stdin, stdout and stderr become (default
  // 'ignore'); with 'pipe', Container.stdin, .stdout, .stderr.
  stdio?: StdioValue | [StdioValue, StdioValue, StdioValue];
  pidFile?: string;
}

export function criuFlags(o: CriuOptions): string[] {
  const args = ['--image-path', path.resolve(o.imagePath)];
  if (o.workPath) args.push('--work-path', path.resolve(o.workPath));
  if (o.tcpEstablished) args.push('--tcp-established');
  if (o.extUnixSk) args.push('--ext-unix-sk');
  if (o.shellJob) args.push('--shell-job');
  if (o.fileLocks) args.push('--file-locks');
  if (o.manageCgroupsMode) args.push('--manage-cgroups-mode', o.manageCgroupsMode);
  return args;
}

export interface ExecOptions {
  stdin?: 'ignore' | 'inherit' | 'pipe';
  stdout?: 'ignore' | 'inherit' | 'pipe';
  stderr?: 'ignore' | 'inherit' | 'pipe';
  input?: string | Buffer; // written to stdin (then closed); implies stdin 'pipe'
  env?: string[]; // KEY=value, added to the container's process.env
  cwd?: string;
  user?: string; // uid[:gid]
  encoding?: BufferEncoding | 'buffer'; // of the collected output (default utf8)
}
