#!/bin/sh
# make-bundle.sh DIR: the example bundle: a busybox rootfs and the config
# `runts spec` writes, made non-interactive to print what the container sees.
set -eu
dir=$1
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
"$here/scripts/make-rootfs.sh" "$dir/rootfs"
( cd "$dir" && "$here/bin/runts" spec )
node -e '
const fs = require("fs");
const file = process.argv[1];
const c = JSON.parse(fs.readFileSync(file, "utf8"));
c.process.terminal = false;
c.process.args = ["sh", "-c",
  "echo \"hostname: $(hostname)\"; echo \"id: $(id)\"; echo \"processes:\"; ps -o pid,user,args; echo \"mounts:\"; cat /proc/self/mounts"];
fs.writeFileSync(file, JSON.stringify(c, null, "\t") + "\n");
' "$dir/config.json"
