import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

export const command = {
  command: 'kill <id> [signal]',
  describe: 'send a signal (name, with or without SIG, or number; default SIGTERM) to the container',
  builder: (y: Argv) =>
    y
      .positional('id', idPositional)
      .positional('signal', { type: 'string', describe: 'signal to send', default: 'SIGTERM' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'send it to every process in the container' }),
  handler: (a: IdArgs & { signal?: string; all: boolean }) => {
    const { kill } = require('../container/kill') as typeof import('../container/kill');
    kill(a.root, a.id, a.signal, a.all);
  },
};
