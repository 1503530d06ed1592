#!/usr/bin/env python3
# A seccomp notification agent for tests: listens on argv[1], receives the
# notification fd with the seccomp state (SCM_RIGHTS), writes the state to
# argv[2], then answers every notification with the errno argv[3] until the
# fd closes or argv[4] seconds pass, printing the syscall numbers it saw.
import fcntl, json, os, select, socket, struct, sys, time

path, state_file, errno_ret, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
RECV = 0xC0502100  # SECCOMP_IOCTL_NOTIF_RECV: struct seccomp_notif, 80 bytes
SEND = 0xC0182101  # SECCOMP_IOCTL_NOTIF_SEND: struct seccomp_notif_resp, 24 bytes
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 65536, 1)
with open(state_file, "w") as f:
    f.write(msg.decode())
fd = fds[0]
deadline = time.time() + limit
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if fd not in r:
        continue
    buf = bytearray(80)
    try:
        fcntl.ioctl(fd, RECV, buf)
    except OSError:
        break
    nid, pid, flags, nr = struct.unpack_from("=QIIi", buf, 0)
    print("syscall %d from %d" % (nr, pid), flush=True)
    resp = struct.pack("=QqiI", nid, 0, -errno_ret, 0)
    try:
        fcntl.ioctl(fd, SEND, bytearray(resp))
    except OSError:
        pass
