import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { print } from '../log';

export const command = {
  command: 'ps <id> [ps-args..]',
  describe: 'list the processes of a container: ps(1) lines (options after the ID, default -ef) or --format json pids',
  builder: (y: Argv) =>
    y
      // Options after the ID belong to ps(1).
      .parserConfiguration({ 'unknown-options-as-args': true })
      .positional('id', idPositional)
      .positional('ps-args', { type: 'string', array: true, describe: 'options for ps(1)' })
      .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' }),
  handler: (a: IdArgs & { format: string; psArgs?: string[]; _?: (string | number)[] }) => {
    const ps = require('../container/ps') as typeof import('../container/ps');
    if (a.format === 'json') {
      print(JSON.stringify(ps.containerPids(a.root, a.id)) + '\n');
      return;
    }
    // Arguments after "--" land in _ after the command name (yargs only).
    const args = [...(a.psArgs ?? []), ...(a._ ?? []).slice(1).map(String)];
    print(ps.psTable(a.root, a.id, args));
  },
};
