import type { Argv } from 'yargs';
import { idPositional } from './common';
import { criuOptions, CriuArgs } from './checkpoint';

export const command = {
  command: 'restore <id>',
  describe: 'restore a container from a checkpoint; in the foreground, wait for it and exit with its status',
  builder: (y: Argv) =>
    criuOptions(y.positional('id', idPositional))
      .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle (the directory with config.json)' })
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the container' })
      .option('pid-file', { type: 'string', describe: 'write the restored process pid to this file' })
      .option('console-socket', { type: 'string', describe: 'AF_UNIX socket for the pty master (terminal containers are not restored yet)' })
      .option('no-subreaper', { type: 'boolean', default: false, describe: 'accepted for runc compatibility: the restored process is runts\'s own child' })
      .option('no-pivot', { type: 'boolean', default: false, describe: 'accepted for runc compatibility: criu sets up the root itself' })
      .option('lsm-profile', { type: 'string', describe: 'TYPE:NAME of the LSM profile to restore with' })
      .option('lsm-mount-context', { type: 'string', describe: 'the LSM mount context to restore with' }),
  handler: async (a: CriuArgs & { bundle: string; detach: boolean; pidFile?: string; consoleSocket?: string; noSubreaper: boolean; noPivot: boolean; lsmProfile?: string; lsmMountContext?: string; systemdCgroup?: boolean }) => {
    const { restore } = require('../container/restore') as typeof import('../container/restore');
    process.exitCode = await restore(a);
  },
};
