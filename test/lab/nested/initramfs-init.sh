#!/bin/busybox sh
# /init of a hypervisor's initramfs (build-hypervisor-initramfs.sh): mounts the machine's / (virtio-9p
# tag "hostroot", read-only) under a tmpfs overlay and switch_roots into it, running the script named
# by xn.init= on the kernel command line as PID 1. On any failure it says so on the console and
# powers off, so the host sees QEMU exit instead of a guest waiting forever.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

fail() {
  echo "XN-INITRAMFS-FAILED: $*" > /dev/console
  poweroff -f
}

for m in $(cat /mods/order); do insmod "/mods/$m.ko" || fail "insmod $m"; done
# cache=loose: the root is read-only and never changes under a running lab; caching is what makes
# exec'ing node, python3 or qemu over 9p bearable under TCG
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || fail "9p root mount"
mount -t tmpfs -o size=75% tmpfs /rw || fail "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "overlay mount"
mount --move /dev /newroot/dev
init=$(sed -n 's/.*xn\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$init" ] && [ -x "/newroot$init" ] || fail "xn.init=$init is not an executable on the root"
umount /sys
umount /proc
exec switch_root /newroot "$init"
