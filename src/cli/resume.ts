import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

export const command = {
  command: 'resume <id>',
  describe: 'thaw a paused container',
  builder: (y: Argv) => y.positional('id', idPositional),
  handler: (a: IdArgs) => {
    const { resume } = require('../container/pause') as typeof import('../container/pause');
    resume(a.root, a.id);
  },
};
