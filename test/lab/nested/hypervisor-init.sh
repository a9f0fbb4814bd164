#!/bin/bash
# hypervisor-init.sh: PID 1 of a nested-lab hypervisor, after the initramfs switch_root'ed into
# overlay(the machine's / over 9p, read-only; tmpfs). Mounts what a hypervisor needs, binds the
# booted kernel's modules, loads the modules of the lab's roles, brings the management and
# underlay NICs up from $XN_JOB/config.env, then serves the control channel
# (control-server.py). When that returns (the host asked to power off, or it failed) it stops
# what runs, syncs the job share and powers off.
#
# Kernel command line: xn.job=DIR (the host's job directory, shared rw over 9p tag "job", mounted
# at the same path) xn.kroot=DIR (the fetched kernel: boot/, lib/modules/<kver>/).
# Console markers: XN-STEP <step> (boot timing), XN-BOOTED, XN-FAILED <why> (the host quotes it), XN-POWEROFF.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
HERE=$(dirname "$(readlink -f "$0")")
export XN_RUN=/run/xtrace-nested

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
step() { echo "XN-STEP $1 uptime=$(uptime_s)s"; }   # where a boot's time goes

power_off() {
  echo "XN-POWEROFF uptime=$(uptime_s)s"
  # inner QEMUs and the agent first: they write into the job share
  for pidfile in "$XN_RUN"/*.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done
  sleep 0.5
  sync
  umount "$XN_JOB" 2>/dev/null
  echo o > /proc/sysrq-trigger
  sleep 30
}

fail() {
  echo "XN-FAILED $*"
  power_off
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The checkout (this script's, found from $HERE) and the fetched kernel may live under a directory
# covered with a tmpfs below (a clone in /tmp): held aside now, bound back once the tmpfs are on.
keep=("$(readlink -f "$HERE/../../..")" "$(arg xn.kroot)")
for i in "${!keep[@]}"; do mkdir -p "/xn-keep/$i" && mount --bind "${keep[$i]}" "/xn-keep/$i"; done
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock /run/netns /run/openvswitch "$XN_RUN"
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# the machine's container store and OVS database are not this hypervisor's
mount -t tmpfs tmpfs /var/lib/containers 2>/dev/null
mount -t tmpfs tmpfs /etc/openvswitch 2>/dev/null
for i in "${!keep[@]}"; do
  if [ -e "${keep[$i]}/." ] && [ -n "$(ls -A "${keep[$i]}" 2> /dev/null)" ]; then umount "/xn-keep/$i"; continue; fi
  mkdir -p "${keep[$i]}" && mount --bind "/xn-keep/$i" "${keep[$i]}" || fail "cannot bind ${keep[$i]} back over the tmpfs"
done

kroot=$(arg xn.kroot)
kver=$(uname -r)
mkdir -p "/lib/modules/$kver"
mount --bind "$kroot/lib/modules/$kver" "/lib/modules/$kver" || fail "no modules for $kver under $kroot"
mount --bind "$kroot/boot" /boot

export XN_JOB=$(arg xn.job)
mkdir -p "$XN_JOB"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 job "$XN_JOB" || fail "job share mount"
[ -f "$XN_JOB/config.env" ] || fail "no $XN_JOB/config.env"
set -a
. "$XN_JOB/config.env"
set +a

step mounted
hostname "$XN_HOSTNAME"
# no udev here: the NICs' and the control port's drivers are loaded by name too
modprobe -a virtio_net virtio_console openvswitch vxlan tun vhost_net kvm_amd || fail "modprobe (see above)"
step modules
[ -c /dev/kvm ] || fail "no /dev/kvm after modprobe kvm_amd (does -cpu max expose svm?)"

# IPv6 off: no router solicitations or MLD reports on the traced path
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link set lo up
nic_by_mac() { ip -o link | awk -v mac="$1" '$0 ~ "link/ether " mac { sub(":", "", $2); print $2; exit }'; }
for nic in mgmt underlay; do
  mac_var=XN_${nic^^}_MAC
  dev_var=XN_${nic^^}_DEV
  dev=$(nic_by_mac "${!mac_var}")
  [ -n "$dev" ] || fail "no NIC with MAC ${!mac_var} ($nic)"
  ip link set "$dev" name "${!dev_var}" || fail "rename $dev"
done
ip link set "$XN_MGMT_DEV" up
ip addr add "$XN_MGMT_ADDR" dev "$XN_MGMT_DEV"
# no default route: the management network reaches the host's NATS forward and nothing else
ip link set "$XN_UNDERLAY_DEV" mtu "$XN_UNDERLAY_MTU" up || fail "underlay MTU $XN_UNDERLAY_MTU"
ip addr add "$XN_UNDERLAY_ADDR" dev "$XN_UNDERLAY_DEV"
for n in $XN_UNDERLAY_NEIGHBORS; do
  ip neigh replace "${n%@*}" lladdr "${n#*@}" dev "$XN_UNDERLAY_DEV" nud permanent
done

# no udev, so no /dev/virtio-ports/<name> links: find the port by its name in sysfs
control_port() { grep -lx xtrace.control /sys/class/virtio-ports/*/name 2> /dev/null | head -1 | cut -d/ -f5; }
for _ in $(seq 50); do [ -n "$(control_port)" ] && break; sleep 0.1; done
port=$(control_port)
[ -n "$port" ] && [ -c "/dev/$port" ] || fail "no virtio-serial port named xtrace.control"

echo "XN-BOOTED uptime=$(uptime_s)s kernel=$kver"
python3 "$HERE/control-server.py" "/dev/$port" 2> "$XN_JOB/control-server.log" ||
  echo "XN-FAILED control server exited $?"
power_off
