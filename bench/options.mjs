// The benchmark's command line (usage in bench.mjs) and the sizes of its
// rows. Parsed when this module loads, before anything is made: a bad
// argument or --help exits with nothing to clean up.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const opts = { iterations: 20, heavy: undefined, warmup: 2, json: path.join(HERE, 'results', 'latest.json'), inPlace: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (min) => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) usage(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
      return n;
    };
    switch (flag) {
      case '--iterations':
      case '-n':
        opts.iterations = int(1);
        break;
      case '--heavy':
        opts.heavy = int(1);
        break;
      case '--warmup':
        opts.warmup = int(0);
        break;
      case '--json':
        opts.json = path.resolve(value());
        break;
      case '--in-place':
        opts.inPlace = true;
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  opts.heavy ??= Math.min(5, Math.max(1, Math.ceil(opts.iterations / 5)));
  return opts;
}

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write('usage: node bench/bench.mjs [--iterations N] [--heavy N] [--warmup N] [--json out.json] [--in-place]\n');
  process.exit(msg ? 2 : 0);
}

export const OPTS = parseArgs(process.argv.slice(2));
export const N = OPTS.iterations;
export const HEAVY = OPTS.heavy;
export const WARMUP = OPTS.warmup;
export const HEAVY_WARMUP = Math.min(1, WARMUP);
export const LIST_COUNT = 100;
export const CONCURRENT = 50;
