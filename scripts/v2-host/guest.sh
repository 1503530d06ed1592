#!/bin/sh
# Stage 2 of the cgroup v2 test VM, inside the shared host root (see init):
# the oneshot unit runts-tests.service under systemd (RUNTS_V2_MODE=systemd,
# the stock host, or hybrid), or PID 1 itself (plain). Sources the job file run.sh wrote
# ($runts_job), prints the host's setup, runs the smoke test and the tap
# tests (or the job's command), prints "RUNTS-V2-HOST: exit N" and powers
# off: under systemd by exiting (the unit's SuccessAction=poweroff-force).
bb=/bin/busybox
status=0
finish() {
  echo "RUNTS-V2-HOST: exit $status"
  $bb sync
  [ "${RUNTS_V2_MODE:-plain}" != plain ] && exit 0
  $bb poweroff -f
}
trap finish EXIT
[ -n "${runts_job:-}" ] && [ -f "$runts_job" ] || { echo "v2-guest: no job file '$runts_job'"; status=125; exit; }
. "$runts_job"
cd "$RUNTS_DIR" || { status=125; exit; }

# The LSMs' interfaces, as on a stock host (systemd mounts them; plain mode
# does it here): securityfs (AppArmor's policy and profile list) and, when
# the kernel was booted with SELinux (run.sh RUNTS_V2_SELINUX=1), selinuxfs
# and Debian's policy. A task started before the policy was loaded carries
# the context "kernel", which runtimes read as "SELinux disabled": this
# script then runs again in a domain of the policy (docs/lsm.md).
if [ -d /sys/kernel/security ] && ! grep -q ' /sys/kernel/security ' /proc/self/mountinfo; then
  $bb mount -t securityfs securityfs /sys/kernel/security
fi
if [ -d /sys/fs/selinux ]; then
  grep -q ' /sys/fs/selinux ' /proc/self/mountinfo || $bb mount -t selinuxfs selinuxfs /sys/fs/selinux
  if [ "$(tr -d '\0' < /proc/self/attr/current)" = kernel ] && [ -z "${RUNTS_SELINUX_LOADED:-}" ]; then
    load_policy -i || echo "v2-guest: cannot load the SELinux policy"
    export RUNTS_SELINUX_LOADED=1
    trap - EXIT
    exec runcon system_u:system_r:unconfined_t:s0-s0:c0.c1023 /bin/busybox sh "$0" || { trap finish EXIT; echo "v2-guest: runcon failed"; }
  fi
  echo "==== v2-guest: SELinux $(getenforce 2>&1), context $(tr -d '\0' < /proc/self/attr/current)"
fi
[ -f /sys/module/apparmor/parameters/enabled ] && echo "==== v2-guest: AppArmor enabled: $(cat /sys/module/apparmor/parameters/enabled), context $(cat /proc/self/attr/current 2>&1 | tr -d '\0')"

echo "==== v2-guest: kernel $(uname -r), $(nproc) CPUs, $($bb free -m | $bb awk '/Mem:/{print $2}') MiB"
echo "==== /proc/self/mountinfo (cgroup):"
grep cgroup /proc/self/mountinfo
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  echo "==== /sys/fs/cgroup/cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
  echo "==== /sys/fs/cgroup/cgroup.subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
fi
echo "==== node $(node --version)"
if [ "${RUNTS_V2_MODE:-plain}" != plain ]; then
  echo "==== PID 1: $(cat /proc/1/comm), system $(systemctl is-system-running 2>&1), boot $(awk '{print int($1)}' /proc/uptime) s"
  echo "==== this unit's cgroup: $(cat /proc/self/cgroup)"
  echo "==== D-Bus: $(busctl --system status org.freedesktop.systemd1 2>/dev/null | sed -n 's/^PID=/systemd pid /p')"
  echo "==== LSM: $(cat /sys/kernel/security/lsm 2>&1), AppArmor enabled: $(cat /sys/module/apparmor/parameters/enabled 2>&1), profiles loaded: $(wc -l < /sys/kernel/security/apparmor/profiles 2>/dev/null)"
  systemctl --no-pager --failed --plain --no-legend 2>&1 | sed 's/^/==== failed unit: /'
fi
# The bundles' code caches made on this machine: the guest's Node accepts
# them (checked under `-cpu max` on 2026-12-07: V8's check covers its version,
# flags and the source, not the emulated CPU), so they are used as they are.
# Were one rejected, every runts call would compile its bundle from source:
# the guest would then make its own (its / is a writable overlay of the host's).
if node -e '
  const fs = require("fs"), { Script } = require("vm");
  for (const n of ["light", "full"]) {
    const f = `build/runts-${n}.js`;
    const s = new Script(fs.readFileSync(f, "utf8"), { filename: f, cachedData: fs.readFileSync(`build/runts-${n}.cache`) });
    if (s.cachedDataRejected) process.exit(3);
  }'; then
  echo "==== v2-guest: Node accepts the host's code caches of the bundles"
else
  start=$(date +%s)
  node scripts/bundle.mjs build src >/dev/null || { echo "v2-guest: cannot build the bundles"; status=125; exit; }
  echo "==== v2-guest: this Node rejects the host's code caches: bundles rebuilt ($(( $(date +%s) - start )) s)"
fi

if [ -n "${RUNTS_V2_CMD:-}" ]; then
  echo "==== v2-guest: sh -c '$RUNTS_V2_CMD'"
  sh -c "$RUNTS_V2_CMD"
  status=$?
  exit
fi

smoke() {
  set -e
  s=/tmp/v2-smoke
  mkdir -p $s/bundle
  scripts/make-rootfs.sh $s/rootfs
  bin/runts spec --bundle $s/bundle
  node -e '
    const fs = require("fs"); const f = process.argv[1];
    const c = JSON.parse(fs.readFileSync(f, "utf8"));
    c.root = { path: process.argv[2], readonly: true };
    c.process.terminal = false;
    c.process.args = ["sh", "-c", "echo hello from the container; sleep 3"];
    c.linux.resources = { ...c.linux.resources, memory: { limit: 33554432 }, pids: { limit: 17 } };
    fs.writeFileSync(f, JSON.stringify(c, null, 2));' $s/bundle/config.json $s/rootfs
  id=smoke-$$
  bin/runts --root $s/state run --bundle $s/bundle $id > $s/out 2>&1 &
  run=$!
  d=/sys/fs/cgroup/runts/$id
  i=0
  while [ ! -f $d/pids.max ] || [ "$(cat $d/pids.max)" != 17 ]; do
    i=$((i + 1)); [ $i -lt 300 ] || { echo "smoke: no $d/pids.max = 17 after 30 s"; ls -l $d 2>&1; cat $s/out; return 1; }
    sleep 0.1
  done
  mem=$(cat $d/memory.max) pids=$(cat $d/pids.max)
  echo "smoke: $d/memory.max = $mem, pids.max = $pids"
  echo "smoke: $d/cgroup.controllers = $(cat $d/cgroup.controllers)"
  wait $run || { echo "smoke: runts run exited $?"; cat $s/out; return 1; }
  cat $s/out
  [ "$mem" = 33554432 ] || { echo "smoke: memory.max is $mem, not 33554432"; return 1; }
  [ ! -e $d ] || { echo "smoke: $d left behind"; return 1; }
  echo "smoke: ok"
}

if [ "${SMOKE:-1}" = 1 ]; then
  echo "==== v2-guest: smoke test (bin/runts run with memory and pids limits)"
  start=$(date +%s)
  (smoke)
  s=$?
  echo "==== v2-guest: smoke test exit $s ($(( $(date +%s) - start )) s)"
  [ $s -eq 0 ] || status=$s
fi

if [ -n "${TESTS:-}" ]; then
  echo "==== v2-guest: tap $TESTS"
  start=$(date +%s)
  # shellcheck disable=SC2086
  node_modules/.bin/tap --disable-coverage --allow-empty-coverage --timeout=${TAP_TIMEOUT:-600} ${TAP_ARGS:-} $TESTS
  t=$?
  echo "==== v2-guest: tap exit $t ($(( $(date +%s) - start )) s)"
  [ $t -eq 0 ] || status=$t
fi
exit
