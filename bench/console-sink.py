#!/usr/bin/env python3
# The benchmark's --console-socket peer (bench/rows.mjs, the exec -t row):
# listens on argv[1], says "ready", and for each connection takes the pty
# master sent with SCM_RIGHTS and keeps it open, as an engine does while
# the exec'd process runs (a master closed at once hangs the pty up under
# the runtime still setting it up: EIO). Killed by the benchmark when the
# rows end, which closes them all.
import socket, sys

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(64)
print("ready", flush=True)
held = []
while True:
    conn, _ = srv.accept()
    try:
        _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
        held.extend(fds)
    except OSError:
        pass
    conn.close()
