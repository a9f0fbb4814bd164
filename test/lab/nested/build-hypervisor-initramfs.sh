#!/usr/bin/env bash
# build-hypervisor-initramfs.sh KVER: the busybox initramfs a hypervisor boots with (initramfs-init.sh as
# /init, the kernel's 9p/overlay modules). Written to kernels/<KVER>/hypervisor-initramfs.gz in the
# cache; rebuilt only when its inputs changed. The caller holds the cache lock (fetch-kernel.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: build-hypervisor-initramfs.sh KVER}
kroot=$(kernel_dir "$kver")
out=$kroot/hypervisor-initramfs.gz
[ -d "$kroot/lib/modules/$kver" ] || die "kernel $kver is not fetched (fetch-kernel.sh $kver)"

digest=$(inputs_digest "$NESTED_HERE/initramfs-init.sh" "$0" "$NESTED_HERE/lib.sh" /bin/busybox "$kver")
[ -s "$out" ] && [ "$(cat "$out.inputs" 2>/dev/null)" = "$digest" ] && exit 0

[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,proc,sys,dev,lower,rw,newroot}
cp /bin/busybox "$work/bin/"
copy_modules "$kroot" "$kver" "$work/mods" virtio_pci 9pnet_virtio 9p overlay
install -m 755 "$NESTED_HERE/initramfs-init.sh" "$work/init"
pack_initramfs "$work" "$out"
echo "$digest" > "$out.inputs"
log "built $out ($(du -h "$out" | cut -f1); modules: $(tr '\n' ' ' < "$work/mods/order"))"
