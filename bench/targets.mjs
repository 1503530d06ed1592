// The performance targets (docs/performance.md), judged on the rows:
// informational, never the exit status.
import { CONCURRENT } from './options.mjs';
import { ROWS } from './measure.mjs';
import { floorFor } from './report.mjs';

export function targets(floor) {
  const get = (key, rt) => ROWS.find((r) => r.key === key)?.values[rt]?.median;
  const floorOf = (key) => floorFor(ROWS.find((r) => r.key === key) ?? {}, floor);
  const out = [];
  const t = (name, value, limit, met, how) => out.push({ target: name, value, limit, met, how });
  const run = get('run', 'runts');
  const runc = get('run', 'runc');
  const rf = floorOf('run');
  if (run !== undefined && runc) t('run /bin/true: (runts - node) <= 0.5 x runc', (run - rf) / runc, 0.5, (run - rf) / runc <= 0.5, '(runts - node)/runc');
  // issue 32: exec at or below half runc's; create and run at or below 1.2 x runc's
  for (const [k, name] of [['exec', 'exec /bin/true'], ['exec-process', 'exec --process'], ['exec-tty', 'exec -t --process']]) {
    const v = get(k, 'runts');
    const r = get(k, 'runc');
    if (v !== undefined && r) t(`${name}: runts <= 0.5 x runc`, v / r, 0.5, v / r <= 0.5, 'runts/runc');
  }
  for (const [k, name] of [['create', 'create'], ['create-seccomp', "create with an engine's seccomp profile"], ['run', 'run /bin/true']]) {
    const v = get(k, 'runts');
    const r = get(k, 'runc');
    if (v !== undefined && r) t(`${name}: runts <= 1.2 x runc`, v / r, 1.2, v / r <= 1.2, 'runts/runc');
  }
  for (const k of ['state', 'kill', 'list']) {
    const v = get(k, 'runts');
    const kf = floorOf(k);
    if (v !== undefined) t(`${k}: runts <= 1.2 x node -e 0`, v / kf, 1.2, v / kf <= 1.2, 'runts/node');
  }
  const rss = get('rss', 'runts');
  if (rss !== undefined) t('process between create and start < 1 MiB RSS', rss, 1, rss < 1, 'MiB');
  const conc = ROWS.find((r) => r.key === 'concurrent');
  const c = conc?.checks?.runts;
  const w = get('concurrent', 'runts');
  const wr = get('concurrent', 'runc');
  if (c) {
    t(`${CONCURRENT} concurrent: none fails`, c.failed + c.notRunning, 0, c.failed + c.notRunning === 0, 'failures');
    t(`${CONCURRENT} concurrent: none leaks`, c.leaked, 0, c.leaked === 0, 'leaks');
  }
  if (w !== undefined && wr) t(`${CONCURRENT} concurrent: whole <= runc's`, w / wr, 1, w <= wr, 'runts/runc');
  return out;
}
