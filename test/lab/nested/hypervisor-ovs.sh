#!/bin/bash
# hypervisor-ovs.sh BRIDGE VNI REMOTE_IP TAP...: the hypervisor's virtual switch, Open vSwitch with its
# kernel datapath (no systemd here: the daemons are started by hand):
#   BRIDGE with a VXLAN port vxlan0 (key VNI, to REMOTE_IP over the underlay) and one tap per VM
#   (created here: QEMU opens them by name with vhost=on).
# Everything is written to the database before ovs-vswitchd starts: ports added while it runs
# came up without upcalls on 6.1 and 6.12 alike. Even so its first start can lose every upcall
# (ovs-dpctl show: lost:N; ENOTCONN on the upcall socket), so forwarding is checked with two
# namespaces on scratch ports and ovs-vswitchd restarted (up to three times) while it fails.
# Few processes on purpose (one ovs-vsctl, ip -batch): each exec costs ~0.1-0.3 s under TCG.
# Logs: $XN_JOB/ovs-vswitchd.log, $XN_JOB/ovsdb-server.log. Prints "ovs: forwarding ..." on success.
set -euo pipefail
bridge=$1 vni=$2 remote=$3
shift 3
taps=("$@")
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

lost_upcalls() { ovs-dpctl show | grep -o 'lost:[0-9]*'; }

{
  for tap in "${taps[@]}"; do
    echo "tuntap add $tap mode tap"
    echo "link set $tap mtu 1500 up"
  done
  for side in a b; do
    echo "netns add xnchk-$side"
    echo "link add xnchk-$side type veth peer name eth0 netns xnchk-$side"
    echo "link set xnchk-$side up"
  done
} | ip -batch -
ip -n xnchk-a -batch - <<'EOF'
link set lo up
link set eth0 up
addr add 169.254.99.1/30 dev eth0
EOF
ip -n xnchk-b -batch - <<'EOF'
link set lo up
link set eth0 up
addr add 169.254.99.2/30 dev eth0
EOF

ovsdb-tool create "$db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$db" -vconsole:off --remote=punix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovsdb-server.pid \
  --detach --log-file="$XN_JOB/ovsdb-server.log"
ports=()
for port in "${taps[@]}" xnchk-a xnchk-b; do ports+=(-- add-port "$bridge" "$port"); done
ovs-vsctl --no-wait init -- add-br "$bridge" \
  -- add-port "$bridge" vxlan0 -- set interface vxlan0 type=vxlan options:remote_ip="$remote" options:key="$vni" \
  "${ports[@]}"

start_vswitchd
ip link set "$bridge" up
# the first start loses its upcalls more often than not; a restart usually, not always, cures it
# (one CI run needed a second): up to three restarts
restarts=0
until forwards; do
  [ "$restarts" -lt 3 ] || { echo "ovs: still no forwarding after $restarts restarts ($(lost_upcalls))" >&2; exit 1; }
  echo "ovs: no forwarding after $restarts restart(s) ($(lost_upcalls)): restarting ovs-vswitchd" >&2
  pid=$(cat /run/openvswitch/ovs-vswitchd.pid)
  ovs-appctl -t ovs-vswitchd exit
  while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
  start_vswitchd
  restarts=$((restarts + 1))
done
echo "ovs: forwarding after $restarts restart(s) of ovs-vswitchd"
ovs-vsctl -- del-port "$bridge" xnchk-a -- del-port "$bridge" xnchk-b
ip netns del xnchk-a
ip netns del xnchk-b
