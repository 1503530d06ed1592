#!/usr/bin/env bash
# Puts koffi's prebuilt addon for another architecture beside the host's in
# node_modules (npm ci installs only the host's: its optional dependency
# @koromix/koffi-linux-<arch> names a cpu). The version and the integrity
# come from package-lock.json; the tarball must match that integrity.
#   scripts/fetch-koffi-arch.sh arm64
set -euo pipefail
arch=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
name=@koromix/koffi-linux-$arch
read -r version integrity < <(node -e '
  const p = require(process.argv[1]).packages["node_modules/" + process.argv[2]];
  if (!p) { console.error(`fetch-koffi-arch: ${process.argv[2]} is not in package-lock.json`); process.exit(1); }
  console.log(p.version, p.integrity);' "$repo/package-lock.json" "$name")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "fetch-koffi-arch: $name@$version: integrity $got, package-lock.json says $integrity" >&2
  exit 1
fi
dest=$repo/node_modules/$name
rm -rf "$dest"
mkdir -p "$dest"
tar xzf "$tgz" -C "$dest" --strip-components=1
echo "fetch-koffi-arch: $name@$version in node_modules"
