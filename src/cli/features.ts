import { print } from '../log';

export const command = {
  command: 'features',
  describe: 'print what this runtime supports (runtime-spec features document)',
  builder: {},
  handler: () => {
    const { features } = require('../spec/features') as typeof import('../spec/features');
    let seccomp: Record<string, unknown> | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      seccomp = require('../seccomp').seccompFeatures();
    } catch {
      seccomp = { enabled: false };
    }
    const doc = features(seccomp);
    const { loadValidators } = require('../spec/load') as typeof import('../spec/load');
    if (!loadValidators().validateFeatures(doc)) throw new Error('features document does not match the features schema');
    print(JSON.stringify(doc, null, 2) + '\n');
  },
};
