#!/bin/sh
# run.sh [TEST FILE...]: run runts tests on a stock host: a Debian 6.1 kernel
# under qemu (TCG, no KVM needed) booted with cgroup_no_v1=all, the host's /
# shared read-only over virtio-9p (under a tmpfs overlay in the guest), and
# this machine's systemd as PID 1 owning a pure cgroup v2 tree, with the
# system D-Bus and AppArmor (RUNTS_V2_MODE=plain: no systemd, cgroup2
# mounted by the initramfs with every controller enabled).
# Runs a smoke test of `bin/runts run` and then tap on the test files
# (default test/e2e/cgroups.test.ts); prints the guest console and exits with
# the guest's status (125: the VM failed; 124: timed out).
#
# Environment: RUNTS_V2_MODE (systemd, the default; hybrid: systemd with
# the v1 controllers and name=systemd, cgroup2 at /sys/fs/cgroup/unified;
# or plain),
# RUNTS_V2_CACHE (kernel + initramfs, default /var/cache/runts-v2-host),
# RUNTS_V2_TIMEOUT (s, default 1800), RUNTS_V2_MEM (default 4G),
# RUNTS_V2_CPUS (default 2), RUNTS_V2_SMOKE=0 (skip the smoke test),
# RUNTS_V2_CMD (run this shell command in the guest instead of the tests),
# RUNTS_V2_APPEND (more kernel parameters, e.g. security=selinux),
# TAP_ARGS (extra tap options), RUNTS_V2_SELINUX=1 (SELinux instead of
# AppArmor, permissive: security=selinux selinux=1 enforcing=0, with
# Debian's selinux-policy-default; docs/lsm.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RUNTS_V2_CACHE:-/var/cache/runts-v2-host}
export RUNTS_V2_CACHE=$cache
[ "$(id -u)" = 0 ] || { echo "v2-host: run as root (the guest shares / with passthrough permissions)" >&2; exit 125; }
[ -x "$repo/bin/runts" ] && [ -f "$repo/build/main.js" ] || { echo "v2-host: build first (make build)" >&2; exit 125; }
boot=$("$here/build.sh")
kernel=${boot% *} initrd=${boot#* }

if [ $# -eq 0 ]; then set -- test/e2e/cgroups.test.ts; fi
tests=
for f in "$@"; do
  case $f in /*) f=${f#"$repo"/} ;; esac
  [ -e "$repo/$f" ] || { echo "v2-host: no $f in $repo" >&2; exit 125; }
  tests="$tests $f"
done

job=$(mktemp "$cache/job.XXXXXX")
log=$cache/last-run.log
runlog=$job.log
trap 'rm -f "$job" "$runlog" "$job.status"' EXIT
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "RUNTS_DIR=$(q "$repo")"
  if [ -n "${RUNTS_V2_CMD:-}" ]; then echo "RUNTS_V2_CMD=$(q "$RUNTS_V2_CMD")"; else echo "TESTS=$(q "${tests# }")"; fi
  echo "SMOKE=${RUNTS_V2_SMOKE:-1}"
  echo "TAP_ARGS=$(q "${TAP_ARGS:-}")"
  echo "TAP_TIMEOUT=${TAP_TIMEOUT:-600}"
} > "$job"
chmod 644 "$job"

mode=${RUNTS_V2_MODE:-systemd}
# hybrid: systemd 252 mounts every v1 controller, its own name=systemd
# hierarchy and an empty-controller cgroup2 at /sys/fs/cgroup/unified
# (systemd.unified_cgroup_hierarchy=0 without legacy_systemd_cgroup_controller;
# 252 needs no SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE, which came with 256).
case $mode in
  systemd|plain) cgroups="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" ;;
  hybrid) cgroups="systemd.unified_cgroup_hierarchy=0" ;;
  *) echo "v2-host: RUNTS_V2_MODE must be systemd, hybrid or plain, not '$mode'" >&2; exit 125 ;;
esac
append="console=ttyS0 rdinit=/init panic=-1 loglevel=4 $cgroups"
# systemd: only failed units on the console (it is the tests' output too).
append="$append systemd.show_status=error runts_mode=$mode runts_guest=$here/guest.sh runts_repo=$repo runts_job=$job ${RUNTS_V2_APPEND:-}"
if [ "${RUNTS_V2_SELINUX:-0}" = 1 ]; then append="$append security=selinux selinux=1 enforcing=0"; fi
echo "v2-host: booting $(cat "$cache/kernel-package") under qemu (TCG), $mode mode; console log in $log (this run: $runlog)" >&2
start=$(date +%s)
status_file=$job.status
{
  timeout -k 10 "${RUNTS_V2_TIMEOUT:-1800}" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -smp "${RUNTS_V2_CPUS:-2}" -m "${RUNTS_V2_MEM:-4G}" \
    -nographic -no-reboot -nic none \
    -kernel "$kernel" -initrd "$initrd" -append "$append" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
    </dev/null 2>&1 && rc=0 || rc=$?
  echo "v2-host: qemu exit $rc" > "$status_file"
} | sed -u -E 's/\r$//; s/\x1b(\[[0-9;?]*[A-Za-z]|c)//g' | tee "$runlog"
end=$(date +%s)
qemu_status=$(sed -n 's/^v2-host: qemu exit //p' "$status_file")
cp "$runlog" "$log"
status=$(sed -n 's/^RUNTS-V2-HOST: exit \([0-9]*\)$/\1/p' "$runlog" | tail -n1)
if [ -z "$status" ]; then
  if [ "$qemu_status" = 124 ]; then echo "v2-host: timed out after ${RUNTS_V2_TIMEOUT:-1800} s" >&2; status=124
  else echo "v2-host: the guest did not report a status (qemu exit $qemu_status)" >&2; status=125; fi
fi
echo "v2-host: guest status $status, $((end - start)) s" >&2
exit "$status"
