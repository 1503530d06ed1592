import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

export const command = {
  command: 'start <id>',
  describe: 'start a created container: its process execs the user program',
  builder: (y: Argv) => y.positional('id', idPositional),
  handler: (a: IdArgs) => {
    const { start } = require('../container/start') as typeof import('../container/start');
    start(a.root, a.id);
  },
};
