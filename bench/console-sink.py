#!/usr/bin/env python3
# The benchmark's --console-socket peer (bench/rows.mjs, the exec -t row):
# listens on argv[1], says "ready", and for each connection takes the pty
# master sent with SCM_RIGHTS and closes it, as an engine would once the
# exec'd process is done. Killed by the benchmark when the rows end.
import os, socket, sys

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(64)
print("ready", flush=True)
while True:
    conn, _ = srv.accept()
    try:
        _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
        for fd in fds:
            os.close(fd)
    except OSError:
        pass
    conn.close()
