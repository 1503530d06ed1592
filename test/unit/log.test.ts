// The log's timestamps: isoNow() writes what Date.prototype.toISOString()
// writes, without its first-call cost.
import t from 'tap';
import { isoNow } from '../../src/log';

t.test('isoNow matches toISOString', async (t) => {
  const edges = [
    0,
    -1, // 1969-12-31T23:59:59.999Z
    Date.UTC(2000, 1, 29, 12, 0, 0, 5), // a leap day of a year divisible by 400
    Date.UTC(2100, 2, 1), // no leap day in 2100
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(1600, 0, 1),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(1, 0, 1) - 86400000 * 366, // 0000-01-01
  ];
  for (const ms of edges) t.equal(isoNow(ms), new Date(ms).toISOString(), `at ${ms}`);
  // Spread over the years engines run in, at odd milliseconds.
  let bad = 0;
  for (let ms = Date.UTC(1970, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86400000 * 13 + 3600000 * 7 + 60000 * 11 + 1013) {
    if (isoNow(ms) !== new Date(ms).toISOString()) bad++;
  }
  t.equal(bad, 0, 'every sampled time from 1970 to 2200 matches');
  t.match(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'now, in that form');
});
