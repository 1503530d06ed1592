// An instruction for the native init (docs/init-protocol.md), its binary
// encoding, and its printed form for --dry-run.

export type Arg = string | Buffer;

export interface Instruction {
  op: string;
  label: string; // what an error message calls this step
  args: Arg[];
}

export function ins(op: string, label: string, ...args: (Arg | number)[]): Instruction {
  return { op, label, args: args.map((a) => (typeof a === 'number' ? String(a) : a)) };
}

// The plan as the init reads it: u32 total length, then per instruction a
// u32 field count and each field as u32 length + bytes (little-endian).
// Built as one string of one char per byte and turned into a Buffer once:
// a Buffer write per field (about 500 for run's plan) took 0.6 ms of
// interpreted code, a Buffer per field 1 ms (docs/performance.md, item 31).
const WIDE = /[^\x00-\x7f]/;

const u32 = (n: number) => String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);

// A field's bytes, one char each: ASCII as it is, other text as its UTF-8.
const bytesOf = (f: Arg) => (typeof f !== 'string' ? f.toString('latin1') : WIDE.test(f) ? Buffer.from(f, 'utf8').toString('latin1') : f);

export function encodePlan(plan: Instruction[]): Buffer {
  const parts: string[] = [];
  const field = (f: Arg) => {
    const b = bytesOf(f);
    parts.push(u32(b.length), b);
  };
  for (const i of plan) {
    parts.push(u32(2 + i.args.length));
    field(i.op);
    field(i.label);
    for (const a of i.args) field(a);
  }
  const body = parts.join('');
  return Buffer.from(u32(body.length) + body, 'latin1');
}

function show(a: Arg): string {
  if (typeof a !== 'string') return `<${a.length} bytes>`;
  return a !== '' && /^[A-Za-z0-9_./:,=+@%-]+$/.test(a) ? a : JSON.stringify(a);
}

export function formatPlan(plan: Instruction[]): string {
  return plan.map((i, n) => `${String(n + 1).padStart(3)}  ${i.op}${i.args.map((a) => ' ' + show(a)).join('')}`).join('\n') + '\n';
}
