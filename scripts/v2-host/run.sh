#!/bin/sh
# run.sh [TEST FILE...]: run runts tests on a pure cgroup v2 host: a Debian 6.1
# kernel under qemu (TCG, no KVM needed) booted with cgroup_no_v1=all, the
# host's / shared read-only over virtio-9p (under a tmpfs overlay in the
# guest), cgroup2 at /sys/fs/cgroup with every controller enabled.
# Runs a smoke test of `bin/runts run` and then tap on the test files
# (default test/e2e/cgroups.test.ts); prints the guest console and exits with
# the guest's status (125: the VM failed; 124: timed out).
#
# Environment: RUNTS_V2_CACHE (kernel + initramfs, default
# /var/cache/runts-v2-host), RUNTS_V2_TIMEOUT (s, default 1800),
# RUNTS_V2_MEM (default 4G), RUNTS_V2_CPUS (default 2), RUNTS_V2_SMOKE=0
# (skip the smoke test), RUNTS_V2_CMD (run this shell command in the guest
# instead of the tests), TAP_ARGS (extra tap options), RUNTS_V2_SELINUX=1
# (boot with SELinux instead of AppArmor, permissive: security=selinux
# selinux=1 enforcing=0; the guest loads Debian's selinux-policy-default).
# AppArmor is on by default in Debian's kernel; the guest mounts securityfs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RUNTS_V2_CACHE:-/var/cache/runts-v2-host}
export RUNTS_V2_CACHE=$cache
[ "$(id -u)" = 0 ] || { echo "v2-host: run as root (the guest shares / with passthrough permissions)" >&2; exit 125; }
[ -x "$repo/bin/runts" ] && [ -f "$repo/build/main.js" ] || { echo "v2-host: build first (make build)" >&2; exit 125; }
"$here/build.sh" >/dev/null

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

append="console=ttyS0 rdinit=/init panic=-1 loglevel=4 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
append="$append runts_guest=$here/guest.sh runts_job=$job"
if [ "${RUNTS_V2_SELINUX:-0}" = 1 ]; then append="$append security=selinux selinux=1 enforcing=0"; fi
echo "v2-host: booting $(cat "$cache/kernel-package") under qemu (TCG); console log in $log (this run: $runlog)" >&2
start=$(date +%s)
status_file=$job.status
{
  timeout -k 10 "${RUNTS_V2_TIMEOUT:-1800}" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -smp "${RUNTS_V2_CPUS:-2}" -m "${RUNTS_V2_MEM:-4G}" \
    -nographic -no-reboot -nic none \
    -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" -append "$append" \
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
