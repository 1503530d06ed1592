#!/usr/bin/env python3
# Drives a command through a real pty, as a person at a terminal would:
# pty-drive.py ROWS COLS STEPS_JSON -- COMMAND...
# STEPS_JSON is a list of [seconds_to_wait, text_to_type] ("\u0003" is Ctrl-C).
# Prints everything the terminal showed, then "EXIT=<status>".
import json, os, pty, select, struct, sys, time, fcntl, termios

rows, cols, steps = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
cmd = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
out = b""

def pump(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if fd in r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            out += data
    return True

for wait, text in steps:
    if not pump(wait):
        break
    os.write(fd, text.encode())
pump(3)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nEXIT=%d" % (os.waitstatus_to_exitcode(status)))
