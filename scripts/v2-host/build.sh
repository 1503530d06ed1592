#!/bin/sh
# build.sh: fetch Debian's 6.1 kernel and build the initramfs for the cgroup v2
# test VM, in $RUNTS_V2_CACHE (default /var/cache/runts-v2-host). Idempotent:
# does nothing when the kernel and an up-to-date initramfs are already there.
# Needs root, apt, qemu-system-x86 and busybox-static (installed if missing).
# Prints the paths of the kernel and the initramfs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${RUNTS_V2_CACHE:-/var/cache/runts-v2-host}
mkdir -p "$cache"

need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "v2-host: installing $2" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >&2
}
need_pkg qemu-system-x86_64 qemu-system-x86
[ -x /bin/busybox ] || need_pkg busybox busybox-static

# The modules the initramfs loads: virtio PCI, 9p over virtio, overlayfs.
mods='drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_legacy_dev
      drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
      net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay'
# What criu needs to initialise and to dump a container (criu check fails
# without nf_tables; it dumps sockets through the diag modules, locks a network
# namespace with iptables, which is nft-based on Debian 12, and probes tun and
# veth), with the modules they depend on; crc32c_generic is libcrc32c's
# soft dependency (it asks the crypto API for crc32c as it loads); criu's network lock
# rules use xt_mark, and it dumps a network namespace's conntrack entries through
# nf_conntrack_netlink.
mods="$mods net/netfilter/nfnetlink net/netfilter/nf_tables net/netfilter/nft_compat net/netfilter/x_tables
      net/ipv4/netfilter/ip_tables net/ipv4/netfilter/iptable_filter net/ipv6/netfilter/ip6_tables
      net/ipv6/netfilter/ip6table_filter net/unix/unix_diag net/ipv4/inet_diag net/ipv4/tcp_diag
      net/ipv4/udp_diag net/netlink/netlink_diag net/packet/af_packet_diag drivers/net/tun drivers/net/veth
      net/netfilter/xt_mark net/netfilter/nf_conntrack_netlink crypto/crc32c_generic"
# Pod and engine networking in the guest: the CNI bridge plugin (cri.test.ts)
# and dockerd's bridge with its NAT rules (iptables-nft).
mods="$mods net/bridge/bridge net/bridge/br_netfilter net/netfilter/nf_nat net/netfilter/nft_chain_nat
      net/netfilter/xt_MASQUERADE net/netfilter/xt_conntrack net/netfilter/xt_addrtype"

# The kernel: the 6.1 package linux-image-amd64 depends on (or $RUNTS_V2_KERNEL_PKG),
# remembered in $cache/kernel-package so later runs need no apt.
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' | head -n1; }
pkg=${RUNTS_V2_KERNEL_PKG:-}
if [ -z "$pkg" ] && [ -f "$cache/kernel-package" ]; then pkg=$(cat "$cache/kernel-package"); fi
if [ -z "$pkg" ]; then
  pkg=$(kernel_pkg)
  if [ -z "$pkg" ]; then apt-get update -q >&2; pkg=$(kernel_pkg); fi
  [ -n "$pkg" ] || { echo "v2-host: cannot find the kernel package behind linux-image-amd64" >&2; exit 1; }
fi
kver=${pkg#linux-image-}
kdir=$cache/kernel-$kver # vmlinuz and modules/*.ko, nothing else of the package
# Extracted again when the list of modules changes.
if [ ! -f "$kdir/vmlinuz" ] || [ "$(cat "$kdir/mods" 2>/dev/null)" != "$(echo $mods)" ]; then
  echo "v2-host: downloading $pkg" >&2
  tmp=$(mktemp -d "$cache/download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download "$pkg" 2>&1 | grep -v unsandboxed >&2) || true
  deb=$(ls "$tmp"/"$pkg"_*.deb 2>/dev/null | head -n1)
  [ -n "$deb" ] || { echo "v2-host: apt-get download $pkg failed" >&2; exit 1; }
  dpkg-deb -x "$deb" "$tmp/x"
  rm -rf "$kdir"
  mkdir -p "$kdir.tmp/modules"
  n=0
  # The listed modules and, recursively, those their .modinfo says they
  # depend on (the package has no modules.dep: depmod makes it at install).
  kmods=$tmp/x/lib/modules/$kver/kernel
  want=$(echo $mods); done_=
  while [ -n "$want" ]; do
    next=
    for m in $want; do
      case " $done_ " in *" $m "*) continue;; esac
      done_="$done_ $m"
      base=$kmods/$m.ko
      out=$kdir.tmp/modules/$(printf '%02d' $n)-$(basename "$m").ko
      if [ -f "$base" ]; then cp "$base" "$out"
      elif [ -f "$base.xz" ]; then xz -dc "$base.xz" > "$out"
      elif [ -f "$base.zst" ]; then zstd -dcq "$base.zst" > "$out"
      else echo "v2-host: module $m not in $pkg (built in?), skipped" >&2; continue; fi
      n=$((n + 1))
      for d in $(tr '\0' '\n' < "$out" | sed -n 's/^depends=//p' | tr ',' ' '); do
        f=$(cd "$kmods" && find . -name "$d.ko*" | head -n1)
        if [ -n "$f" ]; then f=${f#./}; next="$next ${f%%.ko*}"; fi
      done
    done
    want=$(echo $next)
  done
  cp "$tmp/x/boot/vmlinuz-$kver" "$kdir.tmp/vmlinuz"
  cp "$tmp/x/boot/config-$kver" "$kdir.tmp/config"
  echo $mods > "$kdir.tmp/mods"
  rm -rf "$kdir"; mv "$kdir.tmp" "$kdir"
  rm -rf "$tmp"
  trap - EXIT
fi
echo "$pkg" > "$cache/kernel-package"

# The initramfs: static busybox, /init (stage 1) and the modules, named by a
# hash of what goes in, so that worktrees with different versions of init
# sharing this cache each boot their own.
sum=$(cat "$here/init" "$0" /bin/busybox "$kdir/mods" | md5sum | cut -c1-12)
initrd=$cache/initramfs-$kver-$sum.cpio.gz
if [ ! -f "$initrd" ]; then
  echo "v2-host: building $initrd" >&2
  stage=$(mktemp -d "$cache/initramfs.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/newroot" "$stage/lower" "$stage/upper"
  cp /bin/busybox "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  mknod -m 600 "$stage/dev/console" c 5 1
  mknod -m 666 "$stage/dev/null" c 1 3
  cp "$here/init" "$stage/init"
  chmod 755 "$stage/init"
  cp -r "$kdir/modules" "$stage/modules"
  (cd "$stage" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$initrd.$$"
  mv "$initrd.$$" "$initrd"
fi
# The kernel and the initramfs to boot, for run.sh.
echo "$cache/kernel-$kver/vmlinuz $initrd"
