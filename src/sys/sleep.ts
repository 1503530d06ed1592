// A synchronous sleep for the short retry loops of create, start and delete.
// The buffer is made on first use, not by every command that loads this.
let cell: Int32Array | undefined;

export function sleepSync(ms: number): void {
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms);
}
