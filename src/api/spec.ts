// defaultSpec: the config.json `runts spec` writes, for a caller to adjust
// and pass to Runtime.create.
import { defaultSpec as baseSpec } from '../spec/default';
import type { Config } from '../spec/types';

export interface DefaultSpecOptions {
  rootless?: boolean; // as `runts spec --rootless`
  args?: string[]; // process.args (default: ["sh"])
  // process.terminal: by default true for the default `sh` (as `runts spec`
  // writes it) and false when args are given, which create can then run
  // without a console socket.
  terminal?: boolean;
}

// The config.json that `runts spec` writes, with args (and terminal) set.
export function defaultSpec(opts: DefaultSpecOptions = {}): Config {
  const config = baseSpec({ rootless: opts.rootless });
  if (opts.args) config.process!.args = [...opts.args];
  config.process!.terminal = opts.terminal ?? opts.args === undefined;
  return config;
}
