// An interactive exec through the CRI streaming server, as kubectl exec -it
// reaches it: a WebSocket on the URL the CRI's Exec returned, with the
// Kubernetes channel protocol v4 (each binary message: one byte naming the
// channel, then the data; 0 stdin, 1 stdout, 2 stderr, 3 the final status as
// JSON, 4 terminal resize as JSON). Sends the size, waits for the first
// output (the shell's prompt), types the input, and prints what came back as
// one JSON line: { protocol, stdout, stderr, status }.
// Usage: node --experimental-websocket stream-exec.mjs URL INPUT COLS ROWS
const [url, input, cols, rows] = process.argv.slice(2);
const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
ws.binaryType = 'arraybuffer';
const got = { protocol: '', stdout: '', stderr: '', status: '' };
const send = (channel, text) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
let typed = false;
const timer = setTimeout(() => {
  got.status = 'timed out';
  ws.close();
}, 20000);
ws.onopen = () => {
  got.protocol = ws.protocol;
  send(4, JSON.stringify({ Width: Number(cols), Height: Number(rows) }));
};
ws.onmessage = (e) => {
  const b = Buffer.from(e.data);
  if (b.length < 2) return; // a channel's empty opening message
  const text = b.subarray(1).toString();
  if (b[0] === 1) got.stdout += text;
  else if (b[0] === 2) got.stderr += text;
  else if (b[0] === 3) got.status += text;
  if (b[0] === 1 && !typed) {
    typed = true;
    send(0, input);
  }
};
ws.onerror = (e) => {
  got.status ||= `websocket error: ${e.message ?? e.type}`;
};
ws.onclose = () => {
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(got) + '\n');
};
