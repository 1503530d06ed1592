import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

export const command = {
  command: 'pause <id>',
  describe: 'freeze every process of a running container (its cgroup freezer)',
  builder: (y: Argv) => y.positional('id', idPositional),
  handler: (a: IdArgs) => {
    const { pause } = require('../container/pause') as typeof import('../container/pause');
    pause(a.root, a.id);
  },
};
