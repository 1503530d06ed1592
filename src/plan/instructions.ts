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

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n);
  return b;
}

export function encodePlan(plan: Instruction[]): Buffer {
  const parts: Buffer[] = [];
  for (const i of plan) {
    const fields = [i.op, i.label, ...i.args];
    parts.push(u32(fields.length));
    for (const f of fields) {
      const bytes = typeof f === 'string' ? Buffer.from(f) : f;
      parts.push(u32(bytes.length), bytes);
    }
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length), body]);
}

function show(a: Arg): string {
  if (typeof a !== 'string') return `<${a.length} bytes>`;
  return a !== '' && /^[A-Za-z0-9_./:,=+@%-]+$/.test(a) ? a : JSON.stringify(a);
}

export function formatPlan(plan: Instruction[]): string {
  return plan.map((i, n) => `${String(n + 1).padStart(3)}  ${i.op}${i.args.map((a) => ' ' + show(a)).join('')}`).join('\n') + '\n';
}
