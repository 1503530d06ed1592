// What every command shares: the global options and the container ID argument.
export interface GlobalArgs {
  root: string;
  log?: string;
  logFormat?: string;
  debug?: boolean;
  systemdCgroup?: boolean;
  rootless?: boolean; // resolved from --rootless true|false|auto (src/rootless.ts)
}

export interface IdArgs extends GlobalArgs {
  id: string;
}

export const idPositional = {
  describe: 'the container ID',
  type: 'string',
  demandOption: true,
} as const;
