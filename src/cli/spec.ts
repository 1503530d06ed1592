import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { RuntsError } from '../errors';

export const command = {
  command: 'spec',
  describe: 'write a default config.json into the bundle',
  builder: (y: Argv) =>
    y
      .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'the bundle directory' })
      .option('rootless', { type: 'boolean', default: false, describe: 'a config for a container run without root' }),
  handler: (a: { bundle: string; rootless: boolean }) => {
    const { defaultSpec } = require('../spec/default') as typeof import('../spec/default');
    const file = path.join(a.bundle, 'config.json');
    if (fs.existsSync(file)) throw new RuntsError(`${file} already exists; remove it first`);
    try {
      fs.writeFileSync(file, JSON.stringify(defaultSpec({ rootless: a.rootless }), null, '\t') + '\n');
    } catch (err) {
      throw new RuntsError(`write ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
  },
};
