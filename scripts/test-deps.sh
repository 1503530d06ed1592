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
  apparmor             # the stock-host VM boots with AppArmor (apparmor_parser, profiles)
  systemd dbus         # the stock-host VM's PID 1 and system bus (this machine's, shared)
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "test-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
