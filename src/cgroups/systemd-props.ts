// runc's `org.systemd.property.<Name>` annotations: extra properties of the
// systemd unit a container gets with --systemd-cgroup (docs/cgroups.md,
// "Unit properties from annotations"). The value is a GVariant in its text
// form (`uint64 123`, `'inactive-or-failed'`, `true`, `@as []`, ...), as
// runc parses it. Pure: no D-Bus here (systemd-bus.ts wraps the values),
// so the parsing is unit-tested without systemd.
import { RuntsError } from '../errors';
import type { Property } from './systemd-units';

export const PROPERTY_PREFIX = 'org.systemd.property.';

// A variant inside a value (`<...>`): its signature and value; systemd-bus.ts
// turns it into dbus-next's Variant.
export class NestedVariant {
  constructor(readonly signature: string, readonly value: unknown) {}
}

// The annotations' properties, in the config's order, or an error naming
// the first bad one by JSON pointer. Names: three or more ASCII letters
// (runc's rule; systemd itself says which it knows). A name ending in a
// lowercase letter and "Sec" (TimeoutStopSec) is systemd's documented name
// of a USec property: it becomes NameUSec, its number of seconds
// microseconds (runc does the same).
export function annotationProperties(annotations: Record<string, string> | undefined): Property[] {
  const props: Property[] = [];
  for (const [key, raw] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(PROPERTY_PREFIX)) continue;
    const bad = (why: string) => new RuntsError(`config.json: ${annotationPointer(key)}: ${why}`, { file: 'config.json', pointer: annotationPointer(key) });
    let name = key.slice(PROPERTY_PREFIX.length);
    if (!/^[A-Za-z]{3,}$/.test(name)) throw bad(`the systemd property name ${JSON.stringify(name)} must be three or more ASCII letters`);
    if (typeof raw !== 'string') throw bad('the value must be a string (a GVariant in its text form)');
    let v: { signature: string; value: unknown };
    try {
      v = parseGVariant(raw);
    } catch (err) {
      throw bad(`${(err as Error).message} in ${JSON.stringify(raw)} (a GVariant in its text form, e.g. "uint64 123" or "'text'")`);
    }
    const sec = /^(.*[a-z])Sec$/.exec(name);
    if (sec) {
      name = `${sec[1]}USec`;
      v = { signature: 't', value: secondsToUsec(v, bad) };
    }
    props.push([name, v.signature, v.value]);
  }
  return props;
}

export function annotationPointer(key: string): string {
  return `/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function secondsToUsec(v: { signature: string; value: unknown }, bad: (why: string) => Error): bigint {
  if (v.signature === 'd') {
    const n = v.value as number;
    if (!(n >= 0) || !Number.isFinite(n)) throw bad('seconds must be a number of 0 or more');
    return BigInt(Math.floor(n * 1e6));
  }
  if (!'ynqiuxt'.includes(v.signature) || v.signature.length !== 1) throw bad(`seconds must be a number, not a GVariant of type ${v.signature}`);
  const n = BigInt(v.value as number | bigint);
  if (n < 0n) throw bad('seconds must be a number of 0 or more');
  const us = n * 1_000_000n;
  if (us > 0xffff_ffff_ffff_ffffn) throw bad('too many seconds for a uint64 of microseconds');
  return us;
}

// --- The GVariant text format (docs.gtk.org's "GVariant Text Format"), the
// part that D-Bus can carry: booleans, numbers (with type keywords byte,
// int16, uint16, int32, uint32, int64, uint64, double), strings (also as
// objectpath and signature), byte strings (b'...'), arrays, dictionaries,
// tuples, variants (<...>) and @TYPE annotations. An integer without a type
// is an int32 and a number with a point or exponent a double, as runc's
// parser (godbus) has it; runc's has no tuples, GVariant's text form has.

type Node =
  | { kind: 'num'; text: string; type?: string }
  | { kind: 'str'; text: string; type?: string }
  | { kind: 'bool'; value: boolean; type?: string }
  | { kind: 'bytes'; value: Buffer; type?: string }
  | { kind: 'array'; items: Node[]; type?: string }
  | { kind: 'dict'; entries: [Node, Node][]; type?: string }
  | { kind: 'tuple'; items: Node[]; type?: string }
  | { kind: 'variant'; inner: Node; type?: string };

const KEYWORDS: Record<string, string> = {
  boolean: 'b', byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't', double: 'd', string: 's', objectpath: 'o', signature: 'g',
};

export function parseGVariant(text: string): { signature: string; value: unknown } {
  const p = new Parser(text);
  const node = p.value();
  p.space();
  if (!p.done()) throw new Error(`unexpected ${JSON.stringify(text.slice(p.pos, p.pos + 10))}`);
  const signature = infer(node);
  return { signature, value: convert(node, signature) };
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}
  done(): boolean {
    return this.pos >= this.s.length;
  }
  space(): void {
    while (!this.done() && /\s/.test(this.s[this.pos])) this.pos++;
  }
  private peek(): string {
    this.space();
    return this.s[this.pos] ?? '';
  }
  private expect(c: string): void {
    if (this.peek() !== c) throw new Error(this.done() ? `missing ${JSON.stringify(c)} at the end` : `expected ${JSON.stringify(c)} at ${JSON.stringify(this.s.slice(this.pos, this.pos + 10))}`);
    this.pos++;
  }
  value(): Node {
    const c = this.peek();
    if (c === '') throw new Error('a value is missing');
    if (c === '@') {
      this.pos++;
      const [type] = oneType(this.s.slice(this.pos));
      this.pos += type.length;
      return typed(this.value(), type);
    }
    const word = this.s.slice(this.pos).match(/^[a-z][a-z0-9]*/)?.[0];
    if (word && KEYWORDS[word] && !/^b['"]/.test(this.s.slice(this.pos))) {
      this.pos += word.length;
      return typed(this.value(), KEYWORDS[word]);
    }
    if (word === 'true' || word === 'false') {
      this.pos += word.length;
      return { kind: 'bool', value: word === 'true' };
    }
    if (c === "'" || c === '"') return { kind: 'str', text: this.quoted() };
    if (c === 'b' && /['"]/.test(this.s[this.pos + 1] ?? '')) {
      this.pos++;
      return { kind: 'bytes', value: Buffer.from(this.quoted(), 'latin1') };
    }
    if (/[-+0-9.]/.test(c)) {
      const m = this.s.slice(this.pos).match(/^[-+]?(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|[0-9]+\.)/);
      if (!m || /^[A-Za-z0-9_.]/.test(this.s.slice(this.pos + m[0].length))) throw new Error(`bad number ${JSON.stringify(this.s.slice(this.pos).match(/^\S*/)![0])}`);
      this.pos += m[0].length;
      return { kind: 'num', text: m[0] };
    }
    if (c === '[') return { kind: 'array', items: this.list(']') };
    if (c === '(') {
      const items = this.list(')');
      return { kind: 'tuple', items };
    }
    if (c === '<') {
      this.pos++;
      const inner = this.value();
      this.expect('>');
      return { kind: 'variant', inner };
    }
    if (c === '{') {
      this.pos++;
      const entries: [Node, Node][] = [];
      if (this.peek() === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      for (;;) {
        const k = this.value();
        this.expect(':');
        entries.push([k, this.value()]);
        if (this.peek() === '}') break;
        this.expect(',');
      }
      this.pos++;
      return { kind: 'dict', entries };
    }
    throw new Error(`unexpected ${JSON.stringify(this.s.slice(this.pos).match(/^\S{1,10}/)![0])}`);
  }
  // "[a, b]" or "(a, b)"; a tuple of one is "(a,)".
  private list(end: string): Node[] {
    this.pos++;
    const items: Node[] = [];
    if (this.peek() === end) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      if (this.peek() === end) break;
      this.expect(',');
      if (end === ')' && this.peek() === ')') break;
    }
    this.pos++;
    return items;
  }
  // A quoted string with GVariant's escapes.
  private quoted(): string {
    const q = this.s[this.pos++];
    let out = '';
    for (;;) {
      if (this.done()) throw new Error('unterminated string');
      const c = this.s[this.pos++];
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos++] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (simple[e]) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('bad unicode escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += n;
      } else if (e === '') throw new Error('unterminated string');
      else out += e;
    }
  }
}

function typed(node: Node, type: string): Node {
  if (node.type) throw new Error('two type annotations on one value');
  return { ...node, type };
}

// The first complete type of a signature and what follows it.
function oneType(sig: string): [string, string] {
  const c = sig[0];
  if (c === undefined) throw new Error('a type is missing');
  if ('bynqiuxtdsogv'.includes(c)) return [c, sig.slice(1)];
  if (c === 'a') {
    const [t, rest] = oneType(sig.slice(1));
    return [`a${t}`, rest];
  }
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let rest = sig.slice(1);
    let inner = '';
    let n = 0;
    while (rest[0] !== close) {
      const [t, r] = oneType(rest);
      inner += t;
      rest = r;
      n++;
    }
    if (c === '{' && (n !== 2 || !'bynqiuxtdsog'.includes(inner[0]))) throw new Error(`invalid dictionary type ${JSON.stringify(`{${inner}}`)}`);
    return [`${c}${inner}${close}`, rest.slice(1)];
  }
  throw new Error(`invalid type ${JSON.stringify(sig)}`);
}

// The signature a value has without outside help, or an error saying
// why it needs a type (an empty array, say).
function infer(node: Node): string {
  if (node.type) return node.type;
  switch (node.kind) {
    case 'num':
      return /^[-+]?0[xX]/.test(node.text) || !/[.eE]/.test(node.text) ? 'i' : 'd';
    case 'str':
      return 's';
    case 'bool':
      return 'b';
    case 'bytes':
      return 'ay';
    case 'variant':
      return 'v';
    case 'tuple':
      if (!node.items.length) throw new Error('an empty tuple cannot go over D-Bus');
      return `(${node.items.map(infer).join('')})`;
    case 'array':
      return `a${common(node.items, 'array')}`;
    case 'dict':
      return `a{${common(node.entries.map(([k]) => k), 'dictionary')}${common(node.entries.map(([, v]) => v), 'dictionary')}}`;
  }
}

// The element type of an array (or of a dictionary's keys or values): the
// one any element says it has, else the one they all infer (int32 and
// double together: double).
function common(items: Node[], what: string): string {
  if (!items.length) throw new Error(`an empty ${what} needs its type, e.g. ${what === 'array' ? '"@as []"' : '"@a{sv} {}"'}`);
  const given = items.find((n) => n.type);
  if (given) return given.type!;
  const sigs = new Set(items.map(infer));
  if (sigs.size === 1) return [...sigs][0];
  if (sigs.size === 2 && sigs.has('i') && sigs.has('d')) return 'd';
  throw new Error(`the elements of ${what === 'array' ? 'an array' : 'a dictionary'} differ in type (${[...sigs].join(', ')})`);
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  y: [0n, 0xffn], n: [-0x8000n, 0x7fffn], q: [0n, 0xffffn], i: [-0x8000_0000n, 0x7fff_ffffn], u: [0n, 0xffff_ffffn], x: [-(2n ** 63n), 2n ** 63n - 1n], t: [0n, 2n ** 64n - 1n],
};

// The node as a value of the signature, in the form dbus-next marshals:
// numbers (64-bit ones as bigint), strings, booleans, Buffer for "ay",
// arrays, objects for dictionaries, NestedVariant for "v".
function convert(node: Node, sig: string): unknown {
  const mismatch = () => new Error(`${describe(node)} is not a value of type ${sig}`);
  if (node.type && node.type !== sig) throw mismatch();
  switch (node.kind) {
    case 'num': {
      if (sig === 'd') {
        const n = Number(node.text);
        if (!Number.isFinite(n)) throw new Error(`bad number ${node.text}`);
        return n;
      }
      const range = INT_RANGE[sig];
      if (!range) throw mismatch();
      if (/[.eE]/.test(node.text) && !/^[-+]?0[xX]/.test(node.text)) throw new Error(`${node.text} is not an integer (type ${sig})`);
      const neg = node.text.startsWith('-');
      const digits = node.text.replace(/^[-+]/, '');
      // 0x: hex; a leading 0: octal (as GVariant and godbus)
      const abs = /^0[xX]/.test(digits) ? BigInt(digits) : /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : /^[0-9]+$/.test(digits) ? BigInt(digits) : undefined;
      if (abs === undefined) throw new Error(`bad number ${node.text}`);
      const n = neg ? -abs : abs;
      if (n < range[0] || n > range[1]) throw new Error(`${node.text} is out of range for type ${sig}`);
      return sig === 'x' || sig === 't' ? n : Number(n);
    }
    case 'str':
      if (sig === 's') return node.text;
      if (sig === 'o') {
        if (!/^\/$|^(\/[A-Za-z0-9_]+)+$/.test(node.text)) throw new Error(`${JSON.stringify(node.text)} is not an object path`);
        return node.text;
      }
      if (sig === 'g') {
        let rest = node.text;
        while (rest) rest = oneType(rest)[1];
        return node.text;
      }
      throw mismatch();
    case 'bool':
      if (sig !== 'b') throw mismatch();
      return node.value;
    case 'bytes':
      if (sig !== 'ay') throw mismatch();
      return node.value;
    case 'variant':
      if (sig !== 'v') throw mismatch();
      return new NestedVariant(infer(node.inner), convert(node.inner, infer(node.inner)));
    case 'tuple': {
      if (sig[0] !== '(') throw mismatch();
      const types: string[] = [];
      let rest = sig.slice(1, -1);
      while (rest) {
        const [t, r] = oneType(rest);
        types.push(t);
        rest = r;
      }
      if (types.length !== node.items.length) throw mismatch();
      return node.items.map((n, i) => convert(n, types[i]));
    }
    case 'array': {
      if (sig[0] !== 'a' || sig[1] === '{') throw mismatch();
      const elem = sig.slice(1);
      const items = node.items.map((n) => convert(n, elem));
      return elem === 'y' ? Buffer.from(items as number[]) : items;
    }
    case 'dict': {
      if (!sig.startsWith('a{')) throw mismatch();
      const [k, rest] = oneType(sig.slice(2));
      const [v] = oneType(rest);
      const out: Record<string, unknown> = {};
      for (const [key, value] of node.entries) out[String(convert(key, k))] = convert(value, v);
      return out;
    }
  }
}

function describe(node: Node): string {
  switch (node.kind) {
    case 'num':
      return node.text;
    case 'str':
      return JSON.stringify(node.text);
    case 'bool':
      return String(node.value);
    default:
      return `a ${node.kind}`;
  }
}
