# lib.sh: helpers shared by the nested lab's host-side build scripts (sourced, not run).
#
# The cache (kernels, initramfs images, the VM image) lives in $XTRACE_NESTED_DIR, default
# /var/cache/xtrace/nested. Layout:
#   kernels/<kver>/             dpkg -x of linux-image-<kver> (boot/, lib/modules/<kver>/), depmod'ed
#   kernels/<kver>/hypervisor-initramfs.gz   busybox initramfs: 9p root + tmpfs overlay + switch_root
#   kernels/<alias> -> <kver>   alias symlinks (debian-6.1, debian-6.12)
#   vm/vmlinuz, vm/initrd.gz    the inner VM image (build-vm-image.sh)

NESTED_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NESTED_DIR=${XTRACE_NESTED_DIR:-/var/cache/xtrace/nested}

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "$*"; exit 1; }

# Serializes builders of the cache (two test runs fetching the same kernel at once).
lock_cache() {
  mkdir -p "$NESTED_DIR"
  exec 9>"$NESTED_DIR/.lock"
  flock 9
}

# A digest of the given files and strings: a cached artifact is rebuilt when its inputs change.
inputs_digest() {
  local x
  for x in "$@"; do
    # contents only: the same file reached by another path is the same input
    if [ -f "$x" ]; then sha1sum < "$x"; else printf '%s\n' "$x"; fi
  done | sha1sum | cut -d' ' -f1
}

# copy_modules KROOT KVER DEST MODULE...: copies MODULE and its dependencies, decompressed (busybox
# insmod takes plain .ko), into DEST as <name>.ko and writes DEST/order (load order, one a line).
copy_modules() {
  local kroot=$1 kver=$2 dest=$3; shift 3
  local path name
  mkdir -p "$dest"; : > "$dest/order"
  # --show-depends prints "insmod PATH" in load order (or "builtin NAME"); -a: every argument is a module
  while read -r path; do
    name=$(basename "$path"); name=${name%%.ko*}
    case $path in
      *.ko.xz) xz -dc "$path" ;;
      *.ko.zst) zstd -dcq "$path" ;;
      *.ko.gz) gzip -dc "$path" ;;
      *) cat "$path" ;;
    esac > "$dest/$name.ko"
    echo "$name" >> "$dest/order"
  done < <(modprobe -d "$kroot" -S "$kver" -a --show-depends "$@" | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
}

# pack_initramfs DIR OUT: newc cpio of DIR, gzip'ed, written atomically to OUT.
pack_initramfs() {
  (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2.tmp"
  mv "$2.tmp" "$2"
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage (xz, zstd or gzip), which
# QEMU boots through its PVH entry: no firmware real-mode path, no decompression in the guest (under
# TCG, or KVM nested in TCG, decompressing an xz kernel alone takes seconds).
extract_vmlinux() {
  local bz=$1 out=$2 magic tool offset
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    offset=$(LC_ALL=C grep -obUaP "${magic#*:}" "$bz" | head -1 | cut -d: -f1)
    [ -n "$offset" ] || continue
    # the payload is followed by the rest of the bzImage: decode the first stream only, ignore the rest
    case $tool in
      xz) tail -c +$((offset + 1)) "$bz" | xz -dc --single-stream > "$out.tmp" 2>/dev/null ;;
      zstd) tail -c +$((offset + 1)) "$bz" | zstd -dcq > "$out.tmp" 2>/dev/null ;;
      gzip) tail -c +$((offset + 1)) "$bz" | gzip -dc > "$out.tmp" 2>/dev/null ;;
    esac
    if [ "$(head -c 4 "$out.tmp" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$out.tmp" "$out"
      return 0
    fi
  done
  rm -f "$out.tmp"
  return 1
}

# kernel_dir KVER: where a fetched kernel lives.
kernel_dir() { echo "$NESTED_DIR/kernels/$1"; }
