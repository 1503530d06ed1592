import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { print } from '../log';

export const command = {
  command: 'state <id>',
  describe: 'print the state of a container (runtime-spec state JSON)',
  builder: (y: Argv) => y.positional('id', idPositional),
  handler: (a: IdArgs) => {
    const s = require('../container/state') as typeof import('../container/state');
    const saved = s.readSaved(a.root, a.id);
    const state = s.toState(saved, s.statusOf(saved, s.containerDir(a.root, a.id)));
    print(JSON.stringify(state, null, 2) + '\n');
  },
};
