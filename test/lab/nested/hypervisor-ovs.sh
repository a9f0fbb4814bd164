#!/bin/bash
# hypervisor-ovs.sh BRIDGE VNI REMOTE_IP TAP...: the hypervisor's virtual switch, Open vSwitch with its
# kernel datapath (no systemd here: the daemons are started by hand):
#   BRIDGE with a VXLAN port vxlan0 (key VNI, to REMOTE_IP over the underlay) and one tap per VM
#   (created here: QEMU opens them by name with vhost=on).
# Everything is written to the database before ovs-vswitchd starts: ports added while it runs
# came up without upcalls on 6.1 and 6.12 alike. Even so its first start can lose every upcall
# (ovs-dpctl show: lost:N; ENOTCONN on the upcall socket), so forwarding is checked with two
# namespaces on a scratch bridge port pair and ovs-vswitchd restarted once if it fails.
# Logs: $XN_JOB/ovs-vswitchd.log, $XN_JOB/ovsdb-server.log. Prints "ovs: forwarding ..." on success.
set -euo pipefail
bridge=$1 vni=$2 remote=$3
shift 3
db=$XN_RUN/ovs/conf.db
mkdir -p "$XN_RUN/ovs"

start_vswitchd() {
  ovs-vswitchd -vconsole:off unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid --detach \
    --log-file="$XN_JOB/ovs-vswitchd.log"
  ovs-vsctl --timeout=60 wait-until Interface vxlan0 'ofport>0' > /dev/null
}

# two namespaces on the bridge ping each other: the datapath's first packets are upcalls
forwards() {
  ip netns exec xnchk-a ping -c 2 -i 0.2 -W 2 169.254.99.2 > /dev/null 2>&1
}

add_check_ports() {
  for side in a b; do
    ip netns add "xnchk-$side"
    ip link add "xnchk-$side" type veth peer name eth0 netns "xnchk-$side"
    ip link set "xnchk-$side" up
    ovs-vsctl --no-wait add-port "$bridge" "xnchk-$side"
    ip -n "xnchk-$side" link set lo up
    ip -n "xnchk-$side" link set eth0 up
  done
  ip -n xnchk-a addr add 169.254.99.1/30 dev eth0
  ip -n xnchk-b addr add 169.254.99.2/30 dev eth0
}

remove_check_ports() {
  for side in a b; do
    ovs-vsctl --if-exists del-port "$bridge" "xnchk-$side"
    ip netns del "xnchk-$side"
  done
}

ovsdb-tool create "$db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$db" -vconsole:off --remote=punix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovsdb-server.pid \
  --detach --log-file="$XN_JOB/ovsdb-server.log"
ovs-vsctl --no-wait init
ovs-vsctl --no-wait add-br "$bridge"
ovs-vsctl --no-wait add-port "$bridge" vxlan0 -- set interface vxlan0 type=vxlan \
  options:remote_ip="$remote" options:key="$vni"
for tap in "$@"; do
  ip tuntap add "$tap" mode tap
  ip link set "$tap" mtu 1500 up
  ovs-vsctl --no-wait add-port "$bridge" "$tap"
done
add_check_ports

start_vswitchd
ip link set "$bridge" up
if forwards; then
  echo "ovs: forwarding at the first start"
else
  echo "ovs: no forwarding at the first start ($(ovs-dpctl show | grep -o 'lost:[0-9]*')): restarting ovs-vswitchd" >&2
  pid=$(cat /run/openvswitch/ovs-vswitchd.pid)
  ovs-appctl -t ovs-vswitchd exit
  while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
  start_vswitchd
  forwards || { echo "ovs: still no forwarding after a restart ($(ovs-dpctl show | grep -o 'lost:[0-9]*'))" >&2; exit 1; }
  echo "ovs: forwarding after one restart of ovs-vswitchd"
fi
remove_check_ports
