// runc's org.systemd.property.<Name> annotations (src/cgroups/systemd-props.ts):
// the GVariant text values, runc's name rules and its Sec -> USec
// conversion (the cases of runc 1.5's TestInitSystemdProps, and more), the
// errors naming the annotation by JSON pointer, and the D-Bus types the
// values go to systemd with: a StartTransientUnit message marshalled by
// dbus-next and read back. No root, no systemd.
import t from 'tap';
import { annotationProperties, parseGVariant, NestedVariant } from '../../src/cgroups/systemd-props';
import { toVariants } from '../../src/cgroups/systemd-bus';
import { RuntsError } from '../../src/errors';

const P = 'org.systemd.property.';
const one = (name: string, value: string) => annotationProperties({ [`${P}${name}`]: value });

t.test('runc\'s cases: names, the Sec -> USec conversion, the default types', async (t) => {
  t.same(one('TimeoutStopUSec', 'uint64 123456789'), [['TimeoutStopUSec', 't', 123456789n]]);
  t.same(one('TimeoutStopSec', '456'), [['TimeoutStopUSec', 't', 456000000n]], 'Sec: seconds as microseconds, uint64');
  for (const type of ['byte', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']) {
    t.same(one('TimeoutStopSec', `${type} 234`), [['TimeoutStopUSec', 't', 234000000n]], `Sec from ${type}`);
  }
  t.same(one('TimeoutStopSec', '234.789'), [['TimeoutStopUSec', 't', 234789000n]], 'Sec from a double');
  t.same(one('FOOSec', '123'), [['FOOSec', 'i', 123]], 'no lowercase letter before Sec: no conversion; an integer is an int32');
  t.same(one('Sec', '123'), [['Sec', 'i', 123]]);
  t.same(one('CollectMode', "'inactive-or-failed'"), [['CollectMode', 's', 'inactive-or-failed']]);
  t.same(annotationProperties({ 'some.other.annotation': '0', 'org.systemd.propertyX': 'bad' }), [], 'other annotations: none');
  t.same(annotationProperties(undefined), []);
  for (const [name, value, why] of [
    ['TimeoutStopSec', 'false', /seconds must be a number, not a GVariant of type b/],
    ['TimeoutStopSec', "'covfefe'", /seconds must be a number/],
    ['TimeoutStopSec', 'int32 -1', /seconds must be a number of 0 or more/],
    ['Xo', '1', /the systemd property name "Xo" must be three or more ASCII letters/],
    ['Number1', '1', /"Number1" must be three or more ASCII letters/],
    ['A name', '1', /must be three or more ASCII letters/],
    ['ValidName', 'invalid-value', /unexpected "invalid-va" in "invalid-value" \(a GVariant in its text form/],
  ] as const) {
    const err = t.throws(() => one(name, value), `${name}=${value} refused`) as RuntsError;
    t.match(err.message, new RegExp(`^config\\.json: /annotations/org\\.systemd\\.property\\.${name.replace(' ', ' ')}: `), 'names the annotation by JSON pointer');
    t.match(err.message, why);
    t.ok(err instanceof RuntsError, 'a RuntsError (exit 1, one line)');
  }
});

t.test('the order of the config, several at once', async (t) => {
  t.same(annotationProperties({ [`${P}CollectMode`]: "'inactive-or-failed'", other: 'x', [`${P}RuntimeMaxSec`]: 'uint64 2' }), [
    ['CollectMode', 's', 'inactive-or-failed'],
    ['RuntimeMaxUSec', 't', 2000000n],
  ]);
});

t.test('GVariant text: what D-Bus can carry', async (t) => {
  const cases: [string, string, unknown][] = [
    ['true', 'b', true],
    ['boolean false', 'b', false],
    ['byte 0xff', 'y', 255],
    ['int16 -3', 'n', -3],
    ['uint16 010', 'q', 8],
    ['uint32 4294967295', 'u', 4294967295],
    ['int64 -9223372036854775808', 'x', -(2n ** 63n)],
    ['uint64 18446744073709551615', 't', 2n ** 64n - 1n],
    ['@t 5', 't', 5n],
    ['-7', 'i', -7],
    ['1e3', 'd', 1000],
    ['double 2', 'd', 2],
    ['"say \\"hi\\"\\n\\u00fc"', 's', 'say "hi"\n\u00fc'],
    ["objectpath '/org/freedesktop/systemd1'", 'o', '/org/freedesktop/systemd1'],
    ["signature 'a(ss)'", 'g', 'a(ss)'],
    ["b'ab'", 'ay', Buffer.from('ab')],
    ['[1, 2, 3]', 'ai', [1, 2, 3]],
    ['[1, 2.5]', 'ad', [1, 2.5]],
    ['[uint64 1, 2]', 'at', [1n, 2n]],
    ['@as []', 'as', []],
    ["['a.service', 'b.service']", 'as', ['a.service', 'b.service']],
    ["[('/dev/null', 'rw'), ('char-pts', 'rwm')]", 'a(ss)', [['/dev/null', 'rw'], ['char-pts', 'rwm']]],
    ['@a(ss) []', 'a(ss)', []],
    ["('x', 1, true)", '(sib)', ['x', 1, true]],
    ['(7,)', '(i)', [7]],
    ["{'a': 1, 'b': 2}", 'a{si}', { a: 1, b: 2 }],
    ['@a{sv} {}', 'a{sv}', {}],
    ['  <uint32 5>  ', 'v', new NestedVariant('u', 5)],
    ["{'k': <'v'>}", 'a{sv}', { k: new NestedVariant('s', 'v') }],
  ];
  for (const [text, signature, value] of cases) t.same(parseGVariant(text), { signature, value }, text);
  for (const [text, why] of [
    ['', /a value is missing/],
    ['[]', /an empty array needs its type, e\.g\. "@as \[\]"/],
    ['{}', /an empty dictionary needs its type/],
    ['()', /an empty tuple/],
    ["'open", /unterminated string/],
    ['uint64 -1', /-1 is out of range for type t/],
    ['byte 256', /256 is out of range for type y/],
    ['int32 2147483648', /out of range for type i/],
    ["uint64 'x'", /"x" is not a value of type t/],
    ['@as [1]', /1 is not a value of type s/],
    ["[1, 'a']", /the elements of an array differ in type \(i, s\)/],
    ['@q 1.5', /1\.5 is not an integer/],
    ['1 2', /unexpected "2"/],
    ['[1, 2', /missing/],
    ['nothing', /unexpected "nothing"/],
    ['12abc', /bad number "12abc"/],
    ['@a{vs} {}', /invalid dictionary type/],
    ["objectpath 'no/slash'", /is not an object path/],
    ['uint64 uint64 1', /two type annotations/],
  ] as const) {
    t.throws(() => parseGVariant(text), why, `${JSON.stringify(text)} refused`);
  }
});

t.test('the D-Bus types: a StartTransientUnit message with them, marshalled by dbus-next and read back', async (t) => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dbus = require('dbus-next');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { marshallMessage, messageToJsFmt } = require('dbus-next/lib/marshall-compat');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { unmarshall } = require('dbus-next/lib/message');
  const props = annotationProperties({
    [`${P}TimeoutStopSec`]: '5',
    [`${P}CollectMode`]: "'inactive-or-failed'",
    [`${P}DeviceAllow`]: "[('/dev/null', 'rw')]",
    [`${P}Wants`]: "['a.service']",
    [`${P}SendSIGHUP`]: 'true',
    [`${P}Environment`]: "{'A': <uint32 1>}", // no such property; the types are the point
  });
  const msg = new dbus.Message({ serial: 1, destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body: ['x.scope', 'fail', toVariants(dbus, props), []] });
  const [buf] = marshallMessage(msg);
  const back = messageToJsFmt(unmarshall(buf));
  const got = Object.fromEntries((back.body[2] as [string, { signature: string; value: unknown }][]).map(([n, v]) => [n, [v.signature, v.value]]));
  t.same(got.TimeoutStopUSec, ['t', 5000000n], 'TimeoutStopUSec: uint64 microseconds');
  t.same(got.CollectMode, ['s', 'inactive-or-failed']);
  t.same(got.DeviceAllow, ['a(ss)', [['/dev/null', 'rw']]]);
  t.same(got.Wants, ['as', ['a.service']]);
  t.same(got.SendSIGHUP, ['b', true]);
  t.equal(got.Environment[0], 'a{sv}');
  const inner = (got.Environment[1] as Record<string, { signature: string; value: unknown }>).A;
  t.same([inner.signature, inner.value], ['u', 1], 'a variant inside: its own type');
});

t.test('systemd refusing the unit: the annotation named where systemd names its property, else all of them', async (t) => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { refusedAnnotation } = require('../../src/cgroups/systemd') as typeof import('../../src/cgroups/systemd');
  const ann = { [`${P}TimeoutStopSec`]: '5', [`${P}CollectMode`]: "'x'", other: 'y' };
  const unknown = new RuntsError('systemd: StartTransientUnit: Cannot set property TimeoutStopUSec, or unknown property. (org.freedesktop.DBus.Error.PropertyReadOnly)');
  t.equal(refusedAnnotation(unknown, ann).message, `config.json: /annotations/${P}TimeoutStopSec: ${unknown.message}`, 'TimeoutStopSec, sent as TimeoutStopUSec');
  const errno = new RuntsError('systemd: StartTransientUnit: No such device or address (System.Error.ENXIO)');
  t.equal(refusedAnnotation(errno, ann).message, `${errno.message} (the unit's properties include /annotations/${P}TimeoutStopSec, /annotations/${P}CollectMode: check their names and types, e.g. "uint64 123" for a property of type t)`);
  t.equal(refusedAnnotation(errno, { other: 'y' }), errno, 'no such annotations: systemd\'s error as it is');
});
