import type { Argv } from 'yargs';
import { idPositional, IdArgs } from './common';
import { print } from '../log';

export const command = {
  command: 'events <id>',
  describe: 'print resource usage (and OOM events) of a container as JSON, every --interval until it stops',
  builder: (y: Argv) =>
    y
      .positional('id', idPositional)
      .option('stats', { type: 'boolean', default: false, describe: 'print the statistics once and exit' })
      .option('interval', { type: 'string', default: '5s', describe: 'time between two statistics (Go duration: 500ms, 5s, 1m)' }),
  handler: async (a: IdArgs & { stats: boolean; interval: string }) => {
    const ev = require('../container/events') as typeof import('../container/events');
    if (a.stats) {
      print(ev.statsEvent(a.root, a.id));
      return;
    }
    const { parseDuration } = require('../cgroups/resources') as typeof import('../cgroups/resources');
    await ev.streamEvents(a.root, a.id, { intervalMs: parseDuration(a.interval) });
  },
};
