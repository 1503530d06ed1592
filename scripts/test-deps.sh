#!/usr/bin/env bash
# Installs every Debian package that any test needs, before the first test
# runs, so that no test depends on another test file having installed
# something (make test runs this). One list, one apt-get call; apt-get update
# only when something is missing. Add a package here when a test needs it.
set -euo pipefail

pkgs=(
  busybox-static       # the rootfs of every bundle
  runc crun            # parity tests and make bench compare against them
  podman conmon        # engines.test.ts
  containerd           # engines.test.ts, cri.test.ts (ctr, containerd-shim-runc-v2, the CRI plugin)
  containernetworking-plugins  # cri.test.ts (loopback, bridge, host-local)
  criu                 # checkpoint.test.ts (its error paths run everywhere)
  uidmap               # rootless.test.ts (newuidmap, newgidmap)
  iproute2             # network namespaces in the tests
  python3              # test/e2e/*.py helpers (pty, console socket, seccomp agent)
  util-linux           # unshare, setpriv, runuser
  qemu-system-x86      # the stock-host VM (scripts/v2-host)
  apparmor             # the stock-host VM boots with AppArmor (apparmor_parser, profiles; lsm.test.ts)
  systemd dbus         # the stock-host VM's PID 1 and system bus (this machine's, shared)
  man-db               # manpage.test.ts renders the man pages; deb.test.ts: man -w
  lintian              # deb.test.ts checks the Debian package
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross  # make arm64 (bin/arm64)
  qemu-user-static     # init-cgroups.test.ts runs the arm64 runts-init
)
# Without their recommends (selinux-policy-default's pull in setools and a
# scientific Python stack). Harmless on a host without the LSM: nothing
# loads a policy there (docs/lsm.md).
bare=(
  selinux-policy-default policycoreutils # lsm.test.ts: the SELinux VM boot (load_policy, runcon)
  docker.io            # docker.test.ts: dockerd 20.10 and its matching client (/usr/bin/docker); its
                       # recommends would add cgroupfs-mount, whose boot script mounts v1 hierarchies
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=() missing_bare=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${bare[@]}"; do installed "$p" || missing_bare+=("$p"); done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_bare[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "test-deps: missing ${missing[*]} ${missing_bare[*]}; run as root to install them" >&2
  exit 1
fi
echo "test-deps: installing ${missing[*]} ${missing_bare[*]}"
export DEBIAN_FRONTEND=noninteractive
# The engines' daemons (dockerd, containerd) must not start on install: the
# tests start their own, with private state. A policy-rc.d that says no, for
# the install only, unless the host has one already (docker images do).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
[ ${#missing[@]} -eq 0 ] || apt-get install -y -q "${missing[@]}"
[ ${#missing_bare[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${missing_bare[@]}"
