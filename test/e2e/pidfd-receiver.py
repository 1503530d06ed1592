#!/usr/bin/env python3
# A --pidfd-socket peer for tests, as containerd's shim would be: listens on
# argv[1], receives one message with a pidfd (SCM_RIGHTS), prints the
# message and the pid the kernel says the pidfd is for (its fdinfo), then,
# with argv[2] == "kill", sends SIGKILL through the pidfd and prints "killed".
# With argv[2] == "loop", it takes one such message per connection until
# killed, printing "msg:... fds:N" for each.
import os, signal, socket, sys

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(64)
print("listening", flush=True)
while len(sys.argv) > 2 and sys.argv[2] == "loop":
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    print("msg:%s fds:%d" % (msg.decode(), len(fds)), flush=True)
    for fd in fds:
        os.close(fd)
    conn.close()
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
pid = None
with open("/proc/self/fdinfo/%d" % fds[0]) as f:
    for line in f:
        if line.startswith("Pid:"):
            pid = line.split()[1]
print("msg:%s fds:%d pid:%s" % (msg.decode(), len(fds), pid), flush=True)
if len(sys.argv) > 2 and sys.argv[2] == "kill":
    signal.pidfd_send_signal(fds[0], signal.SIGKILL)
    print("killed", flush=True)
