#!/bin/bash
# hypervisor-vm.sh: the VMs of a nested-lab hypervisor, KVM guests (nested SVM) on the taps
# hypervisor-ovs.sh made, virtio-net with vhost-net, the image of build-vm-image.sh ($XN_VM_IMAGE).
#
#   hypervisor-vm.sh start J IP/PREFIX MAC TAP MTU MEMORY_MB [NEIGHBOR_IP@MAC...]
#   hypervisor-vm.sh wait-ready J TIMEOUT_S     until the VM printed XG-READY (prints its boot time)
#   hypervisor-vm.sh stop J
#
# VM J's serial console is the unix socket $XN_RUN/vmJ.sock (vm-console.py talks to it); QEMU's
# logfile= keeps everything it printed in $XN_JOB/vmJ-console.log, QEMU's own messages go to
# $XN_JOB/vmJ-qemu.log. The process is named <hostname>-vmJ (ps, teardown); debug-threads names its
# threads ("CPU 0/KVM": tests raise the vCPU above a CPU hog that delays the vhost worker).
set -euo pipefail
cmd=$1 j=$2
pidfile=$XN_RUN/vm$j.pid
console_log=$XN_JOB/vm$j-console.log
qemu_log=$XN_JOB/vm$j-qemu.log

start() {
  local ip=$1 mac=$2 tap=$3 mtu=$4 memory=$5
  shift 5
  local neigh
  neigh=$(IFS=,; echo "$*")
  date +%s.%N > "$XN_RUN/vm$j.started"
  # -daemonize: QEMU returns once the VM runs (or fails with its reason on stderr), pid in the pidfile
  qemu-system-x86_64 -name "$XN_HOSTNAME-vm$j,process=$XN_HOSTNAME-vm$j,debug-threads=on" \
    -accel kvm -cpu host -smp 1 -m "$memory" -nodefaults -no-user-config -display none -no-reboot \
    -chardev "socket,id=console,path=$XN_RUN/vm$j.sock,server=on,wait=off,logfile=$console_log" \
    -serial chardev:console \
    -kernel "$XN_VM_IMAGE/vmlinux" -initrd "$XN_VM_IMAGE/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 xg.ip=$ip xg.mtu=$mtu xg.neigh=$neigh xg.echo_port=7000" \
    -netdev "tap,id=net0,ifname=$tap,script=no,downscript=no,vhost=on" \
    -device "virtio-net-pci,netdev=net0,mac=$mac" \
    -pidfile "$pidfile" -daemonize 2> "$qemu_log" ||
    { echo "vm $j: qemu failed: $(cat "$qemu_log")" >&2; exit 1; }
}

wait_ready() {
  local timeout_s=$1 started now
  started=$(cat "$XN_RUN/vm$j.started")
  while :; do
    if grep -q '^XG-READY' "$console_log" 2> /dev/null; then
      now=$(date +%s.%N)
      echo "vm $j ready after $(awk -v a="$started" -v b="$now" 'BEGIN { printf "%.1f", b - a }') s"
      return 0
    fi
    if grep -q '^XG-FAILED' "$console_log" 2> /dev/null || ! kill -0 "$(cat "$pidfile")" 2> /dev/null; then
      echo "vm $j failed to boot: $(grep -a '^XG-FAILED' "$console_log" || echo 'qemu exited'); qemu: $(cat "$qemu_log")" >&2
      exit 1
    fi
    now=$(date +%s)
    if [ $((now - ${started%.*})) -ge "$timeout_s" ]; then
      echo "vm $j not ready after $timeout_s s" >&2
      exit 1
    fi
    sleep 0.5
  done
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2> /dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2> /dev/null || true
  rm -f "$pidfile"
}

case $cmd in
  start) shift 2; start "$@" ;;
  wait-ready) wait_ready "$3" ;;
  stop) stop ;;
  *) echo "usage: hypervisor-vm.sh start|wait-ready|stop J ..." >&2; exit 2 ;;
esac
