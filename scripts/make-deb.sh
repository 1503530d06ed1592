#!/usr/bin/env bash
# Builds the Debian package of runts from the built tree (make deb; no
# network): what `make install PREFIX=/usr` puts in /usr/lib/runts, the
# launcher as /usr/bin/runts, the man pages and the bash completion from
# build/ (scripts/gen-docs.mjs), and /usr/share/doc/runts. docs/packaging.md
# says why it is laid out so.
#   scripts/make-deb.sh OUTDIR [ARCH]   writes OUTDIR/runts_<version>_<ARCH>.deb
# ARCH is this host's (dpkg --print-architecture) or, from an amd64 host,
# arm64: the native programs cross-compiled (make arm64), koffi's arm64 build.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
version=$(node -p "require('$repo/package.json').version")
host=$(dpkg --print-architecture)
arch=${2:-$host}
case $arch in
  amd64) node_arch=x64 gnu=x86_64-linux-gnu ;;
  arm64) node_arch=arm64 gnu=aarch64-linux-gnu ;;
  *) echo "make-deb: no package for $arch (amd64 or arm64)" >&2; exit 1 ;;
esac
cc=gcc
[ "$arch" = "$host" ] || cc=$gnu-gcc
# Debian's nodejs is /usr/bin/node: the launcher runs it by that path.
node=/usr/bin/node
maintainer=${DEB_MAINTAINER:-runts maintainers <runts@users.noreply.github.com>}

stage=$(mktemp -d /tmp/runts-deb-XXXXXX)
trap 'rm -rf "$stage"' EXIT
root=$stage/root

# /usr/lib/runts: bin/, build/, package.json and the production node_modules.
make -s -C "$repo" install DESTDIR="$root" PREFIX=/usr >/dev/null
lib=$root/usr/lib/runts
# The launcher, runts-init and the addon, built again for this package (the
# launcher names the node it runs: native/launcher.c) and its architecture.
rm -rf "$lib/bin/arm64" "$lib/bin/runts" "$lib/bin/runts-init" "$lib/bin/runts-addon.node"
make -s -C "$repo/native" CC="$cc" BIN="$lib/bin" NODE="$node" >/dev/null
# What only a development tree or the Node API needs.
rm -rf "$lib/build/man" "$lib/build/completion" "$lib/build/api" "$lib"/build/.[a-z]*
find "$lib/build" \( -name '*.d.ts' -o -name '*.d.cts' \) -delete
# koffi's prebuilt addons for other systems (musl), and what only builds
# it (its C++ sources and headers; its JavaScript in src/ stays).
koffi_arch=$lib/node_modules/@koromix/koffi-linux-$node_arch
[ -d "$koffi_arch" ] || { echo "make-deb: no $koffi_arch (make arm64 fetches koffi's arm64 build)" >&2; exit 1; }
find "$lib/node_modules/@koromix" -mindepth 1 -maxdepth 1 ! -name "koffi-linux-$node_arch" -exec rm -rf {} +
find "$koffi_arch" -mindepth 1 -maxdepth 1 -type d ! -name "linux_$node_arch" -exec rm -rf {} +
rm -rf "$lib/node_modules/koffi/vendor" "$lib/node_modules/koffi/doc" "$lib/node_modules/koffi/cnoke.cjs" "$lib/node_modules/koffi/src/koffi/src/trampolines.cjs"
find "$lib/node_modules/koffi/src" -type f ! -name '*.js' ! -name '*.cjs' -delete
# The modules' development dotfiles (.eslintrc, .npmignore, .gitattributes).
find "$lib/node_modules" -name '.*' -exec rm -rf {} +
# Relative, as Debian's policy wants a link within /usr.
ln -sfn ../lib/runts/bin/runts "$root/usr/bin/runts"

# Man pages and completion in their standard places.
install -d "$root/usr/share/man/man8" "$root/usr/share/bash-completion/completions" "$root/usr/share/doc/runts"
for page in "$repo"/build/man/*.8; do
  gzip -9n < "$page" > "$root/usr/share/man/man8/$(basename "$page").gz"
done
install -m 0644 "$repo/build/completion/runts.bash" "$root/usr/share/bash-completion/completions/runts"

# copyright (machine-readable) and changelog (Debian's format; a native package).
year=$(date -u +%Y)
cat > "$root/usr/share/doc/runts/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: runts
Source: https://github.com/runts/runts

Files: *
Copyright: $year the runts authors
License: Apache-2.0

Files: usr/lib/runts/node_modules/ajv/*
Copyright: Evgeny Poberezkin and the ajv contributors
License: MIT

Files: usr/lib/runts/node_modules/koffi/* usr/lib/runts/node_modules/@koromix/*
Copyright: Niels Martignène
License: MIT

Files: usr/lib/runts/node_modules/yargs/* usr/lib/runts/node_modules/yargs-parser/*
Copyright: Ben Coe and the yargs contributors
License: MIT

Files: usr/lib/runts/node_modules/*
Copyright: the authors named in each module's package.json and LICENSE file
License: MIT or ISC or BSD-3-Clause, as each module's LICENSE file says

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to
 deal in the Software without restriction, including without limitation the
 rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 sell copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 IN THE SOFTWARE.
EOF
commit=$(node -p "require('$repo/build/version.json').commit")
date=$(date -uR -d "@$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)")
cat <<EOF | gzip -9n > "$root/usr/share/doc/runts/changelog.gz"
runts ($version) unstable; urgency=medium

  * runts $version, built from commit $commit.

 -- $maintainer  $date
EOF

# Modes as Debian wants them: directories and programs 0755, the rest 0644.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/bin/runts" "$lib/bin/runts-init"

# The shared objects Node loads (the addon, koffi's) need these libraries;
# runts-init and the launcher are static.
install -d "$stage/debian"
printf 'Source: runts\n\nPackage: runts\nArchitecture: any\n' > "$stage/debian/control"
# Cross-built: the libraries are found in the cross packages
# (libc6-arm64-cross, ...), whose names end in -arm64-cross; on an arm64
# host the same libraries come from the plain packages.
libdirs=()
[ "$arch" = "$host" ] || libdirs=(-l"/usr/$gnu/lib")
shlibs=$(cd "$stage" && find root -name '*.node' -printf '-e%p\n' | xargs dpkg-shlibdeps -O "${libdirs[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p' | sed -e "s/-$arch-cross//g" -e "s/:$arch//g")
[ -n "$shlibs" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

# runts-init and the launcher are static on purpose (native/Makefile).
install -d "$root/usr/share/lintian/overrides"
cat > "$root/usr/share/lintian/overrides/runts" <<EOF
# runts-init runs in the container before the exec of its program, from a
# sealed copy of itself, with no loader or libraries to find there; the
# launcher is static to start in the least time (docs/performance.md).
runts: statically-linked-binary [usr/lib/runts/bin/runts-init]
runts: statically-linked-binary [usr/lib/runts/bin/runts]
EOF
chmod 0644 "$root/usr/share/lintian/overrides/runts"

size=$(du -sk --apparent-size "$root" | cut -f1)
install -d "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<EOF
Package: runts
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: nodejs (>= 18), libseccomp2, $shlibs
Suggests: criu
Section: admin
Priority: optional
Description: OCI container runtime in TypeScript, a drop-in for runc
 runts runs containers from OCI bundles (a config.json and a root
 filesystem) with the commands and options of runc, so that containerd,
 podman, docker and Kubernetes can call it in runc's place.
 .
 It is a TypeScript program run by Node.js (Debian's nodejs 18 or later;
 its start-up code cache is made for the Node.js it was built with, and
 another version reads the code instead) and a small static init. seccomp
 filters are compiled with libseccomp; checkpoint and restore need criu.
EOF

deb=$out/runts_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "make-deb: wrote $deb"
