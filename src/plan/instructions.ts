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
// u32 field count and each field as u32 length + bytes (little-endian). One
// buffer, written in place: a Buffer per field made this 1 ms for 65
// instructions.
export function encodePlan(plan: Instruction[]): Buffer {
  let size = 4;
  for (const i of plan) {
    size += 12 + Buffer.byteLength(i.op) + Buffer.byteLength(i.label);
    for (const a of i.args) size += 4 + (typeof a === 'string' ? Buffer.byteLength(a) : a.length);
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32LE(size - 4, 0);
  const field = (f: Arg) => {
    const n = typeof f === 'string' ? out.write(f, at + 4) : f.copy(out, at + 4);
    out.writeUInt32LE(n, at);
    at += 4 + n;
  };
  for (const i of plan) {
    at = out.writeUInt32LE(2 + i.args.length, at);
    field(i.op);
    field(i.label);
    for (const a of i.args) field(a);
  }
  return out;
}

function show(a: Arg): string {
  if (typeof a !== 'string') return `<${a.length} bytes>`;
  return a !== '' && /^[A-Za-z0-9_./:,=+@%-]+$/.test(a) ? a : JSON.stringify(a);
}

export function formatPlan(plan: Instruction[]): string {
  return plan.map((i, n) => `${String(n + 1).padStart(3)}  ${i.op}${i.args.map((a) => ' ' + show(a)).join('')}`).join('\n') + '\n';
}
