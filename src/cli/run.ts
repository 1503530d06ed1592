import type { Argv } from 'yargs';
import { createOptions, CreateArgs, toCreateOptions } from './create';
import { print } from '../log';

export const command = {
  command: 'run <id>',
  describe: 'create and start a container; in the foreground, wait for it and exit with its status',
  builder: (y: Argv) =>
    createOptions(y)
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the container' })
      .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' }),
  handler: async (a: CreateArgs & { detach: boolean; keep: boolean }) => {
    if (a.dryRun) {
      const c = require('../container/create') as typeof import('../container/create');
      print(c.dryRun(toCreateOptions(a), a.format));
      return;
    }
    const { run } = require('../container/run') as typeof import('../container/run');
    process.exitCode = await run({ ...toCreateOptions(a), detach: a.detach, keep: a.keep });
  },
};
