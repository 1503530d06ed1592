#!/usr/bin/env python3
# Runs a foreign-architecture runts-init under qemu-user from a sealed memfd:
#   sealed-qemu.py QEMU INIT [ARGS...]
# The init re-executes itself from a sealed copy unless it runs from one
# already (native/init/main.c, ensure_cloned); under qemu-user that re-exec
# would need binfmt_misc, so the copy is made here and qemu runs it. qemu
# shows the guest /proc/self/exe as that memfd, seals and all.
import fcntl
import os
import sys

qemu, init, args = sys.argv[1], sys.argv[2], sys.argv[3:]
fd = os.memfd_create('runts-init', os.MFD_ALLOW_SEALING)  # inherited by qemu
with open(init, 'rb') as f:
    os.write(fd, f.read())
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
os.execvp(qemu, [qemu, '-0', 'runts-init', f'/proc/self/fd/{fd}', *args])
