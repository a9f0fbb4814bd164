#!/usr/bin/env bash
# fetch-kernel.sh [--cached] <debian-6.1 | debian-6.12 | KVER>
#
# Makes a Debian distro kernel bootable as a nested-lab hypervisor and prints its kver
# (e.g. 6.12.118+deb12-amd64) on stdout:
#   * resolves an alias to the newest plain-flavour linux-image-<kver> package in apt's lists
#     (not -cloud, -rt or -unsigned); with --cached, an alias already fetched is used as is
#     (no apt-cache, no network: what a test run wants);
#   * apt-get download + dpkg -x into $XTRACE_NESTED_DIR/kernels/<kver> (default
#     /var/cache/xtrace/nested), depmod;
#   * builds the hypervisor initramfs (build-hypervisor-initramfs.sh) and points the alias
#     symlink kernels/<alias> at <kver>.
# Idempotent: a cached kernel is not fetched again and an up-to-date initramfs not rebuilt; when a
# newer kernel takes an alias, the one it replaced is removed.
# Needs (Debian): apt, dpkg, kmod, busybox-static, cpio, xz-utils, zstd.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cached=0
if [ "${1:-}" = --cached ]; then cached=1; shift; fi
want=${1:?usage: fetch-kernel.sh [--cached] <debian-6.1|debian-6.12|KVER>}
case $want in
  debian-6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
  debian-6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
  *)
    [[ $want =~ ^[0-9]+\.[0-9]+[0-9A-Za-z.+~-]*-amd64$ ]] ||
      die "expected debian-6.1, debian-6.12 or an exact kernel version like 6.12.118+deb12-amd64, got '$want'"
    pattern= ;;
esac

lock_cache
kernels=$NESTED_DIR/kernels
mkdir -p "$kernels"

is_fetched() { [ -f "$(kernel_dir "$1")/.complete" ]; }

# the newest package matching $pattern in apt's (local) lists, as a kver
newest_in_lists() {
  apt-cache search --names-only "$pattern" | awk '{ print $1 }' | sed 's/^linux-image-//' | sort -V | tail -1
}

fetch() { # KVER
  local kver=$1 tmp
  tmp=$(mktemp -d "$kernels/.fetch.XXXXXX")
  # apt's sandbox user (_apt) cannot write into a root-owned temporary directory
  if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "linux-image-$kver" >&2); then
    log "linux-image-$kver not in apt's lists: apt-get update and retry"
    apt-get -q update >&2
    (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "linux-image-$kver" >&2) ||
      { rm -rf "$tmp"; die "cannot download linux-image-$kver"; }
  fi
  dpkg -x "$tmp"/linux-image-*.deb "$tmp/root"
  rm -f "$tmp"/linux-image-*.deb
  # merged-/usr packages ship usr/lib/modules; everything here expects lib/modules
  if [ ! -d "$tmp/root/lib/modules/$kver" ] && [ -d "$tmp/root/usr/lib/modules/$kver" ]; then
    mkdir -p "$tmp/root/lib/modules" && ln -s "../../usr/lib/modules/$kver" "$tmp/root/lib/modules/$kver"
  fi
  [ -f "$tmp/root/boot/vmlinuz-$kver" ] || { rm -rf "$tmp"; die "linux-image-$kver has no boot/vmlinuz-$kver"; }
  depmod -b "$tmp/root" "$kver"
  rm -rf "$(kernel_dir "$kver")"
  mv "$tmp/root" "$(kernel_dir "$kver")"
  rmdir "$tmp"
  touch "$(kernel_dir "$kver")/.complete"
  log "fetched linux-image-$kver into $(kernel_dir "$kver")"
}

kver=
if [ -z "$pattern" ]; then
  kver=$want
elif [ $cached = 1 ] && [ -L "$kernels/$want" ] && is_fetched "$(readlink "$kernels/$want")"; then
  kver=$(readlink "$kernels/$want")
else
  kver=$(newest_in_lists)
  if [ -z "$kver" ]; then
    log "no package matches $pattern in apt's lists: apt-get update"
    apt-get -q update >&2
    kver=$(newest_in_lists)
  fi
  [ -n "$kver" ] || die "no linux-image package matches $pattern (is deb.debian.org bookworm/bookworm-security in apt's sources?)"
fi

is_fetched "$kver" || fetch "$kver"
"$NESTED_HERE/build-hypervisor-initramfs.sh" "$kver"
if [ -n "$pattern" ]; then
  old=$(readlink "$kernels/$want" || true)
  ln -sfn "$kver" "$kernels/$want"
  # a newer kernel took the alias: drop the one it replaced, unless another alias still names it
  if [ -n "$old" ] && [ "$old" != "$kver" ] && ! readlink "$kernels"/debian-* | grep -qxF "$old"; then
    rm -rf "$(kernel_dir "$old")"
    log "removed $old (replaced by $kver as $want)"
  fi
fi
echo "$kver"
