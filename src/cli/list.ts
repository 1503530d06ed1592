import type { Argv } from 'yargs';
import type { GlobalArgs } from './common';
import { print } from '../log';

export const command = {
  command: 'list',
  aliases: ['ls'],
  describe: 'list the containers under --root',
  builder: (y: Argv) =>
    y
      .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the IDs' }),
  handler: (a: GlobalArgs & { format: string; quiet: boolean }) => {
    const l = require('../container/list') as typeof import('../container/list');
    const entries = l.listContainers(a.root);
    if (a.quiet) print(entries.map((e) => e.id + '\n').join(''));
    else if (a.format === 'json') print(JSON.stringify(entries) + '\n');
    else print(l.formatTable(entries));
  },
};
