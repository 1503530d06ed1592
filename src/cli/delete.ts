import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';

export const command = {
  command: 'delete <id>',
  describe: 'delete a stopped container and everything runts made for it',
  builder: (y: Argv) =>
    y.positional('id', idPositional).option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill the container first if it is not stopped' }),
  handler: (a: IdArgs & { force: boolean }) => {
    const { deleteContainer } = require('../container/delete') as typeof import('../container/delete');
    return deleteContainer(a.root, a.id, a.force);
  },
};
