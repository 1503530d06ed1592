import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

// The flags checkpoint and restore share (runc 1.1.5's).
export const criuOptions = (y: Argv) =>
  y
    .option('image-path', { type: 'string', describe: 'directory of the criu images (default ./checkpoint)' })
    .option('work-path', { type: 'string', describe: 'directory for criu\'s work files and log (default: the image path)' })
    .option('tcp-established', { type: 'boolean', default: false, describe: 'allow open TCP connections' })
    .option('ext-unix-sk', { type: 'boolean', default: false, describe: 'allow external unix sockets' })
    .option('shell-job', { type: 'boolean', default: false, describe: 'allow shell jobs (a terminal outside the container)' })
    .option('file-locks', { type: 'boolean', default: false, describe: 'handle file locks' })
    .option('manage-cgroups-mode', { type: 'string', describe: 'criu\'s cgroup mode: soft (default), full, strict or ignore' })
    .option('empty-ns', { type: 'string', array: true, describe: 'make this namespace (network) empty instead of restoring its properties' })
    .option('auto-dedup', { type: 'boolean', default: false, describe: 'deduplicate memory images' })
    .option('lazy-pages', { type: 'boolean', default: false, describe: 'restore memory pages lazily, through userfaultfd' });

export interface CriuArgs extends IdArgs {
  criu?: string;
  imagePath?: string;
  workPath?: string;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  manageCgroupsMode?: string;
  emptyNs?: string[];
  autoDedup: boolean;
  lazyPages: boolean;
}

export const command = {
  command: 'checkpoint <id>',
  describe: 'checkpoint a running container through criu (docs/checkpoint.md)',
  builder: (y: Argv) =>
    criuOptions(y.positional('id', idPositional))
      .option('parent-path', { type: 'string', describe: 'images of a previous pre-dump, relative to the image path' })
      .option('leave-running', { type: 'boolean', default: false, describe: 'leave the container running after the checkpoint' })
      .option('status-fd', { type: 'number', default: -1, describe: 'with --lazy-pages: criu writes \\0 on this fd once the pages can be served' })
      .option('page-server', { type: 'string', describe: 'ADDRESS:PORT of a criu page server to send the memory to' })
      .option('pre-dump', { type: 'boolean', default: false, describe: 'dump the memory only, and leave the container running' }),
  handler: (a: CriuArgs & { parentPath?: string; leaveRunning: boolean; statusFd: number; pageServer?: string; preDump: boolean }) => {
    const { checkpoint } = require('../container/checkpoint') as typeof import('../container/checkpoint');
    return checkpoint(a);
  },
};
