#!/usr/bin/env python3
# A --console-socket peer for tests, as conmon or containerd's shim would be:
# listens on argv[1], receives the pty master (SCM_RIGHTS), prints the name
# sent with it, writes argv[2] to the terminal and copies what comes back to
# stdout until the terminal closes or argv[3] seconds pass.
import os, select, socket, sys, time

path, typed, limit = sys.argv[1], sys.argv[2].encode(), float(sys.argv[3])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
master = fds[0]
print("name:" + msg.decode(), flush=True)
os.write(master, typed)
deadline = time.time() + limit
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.2)
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        sys.stdout.write(data.decode(errors="replace"))
        sys.stdout.flush()
