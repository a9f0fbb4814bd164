#!/bin/busybox sh
# /init of a nested-lab VM (build-vm-image.sh): virtio-net up from the kernel command line, the
# xtrace-guest echo server in the background, a ready marker, then a command loop on the serial
# console for the hypervisor (vm-console.py).
#
# Command line: xg.ip=ADDR/PREFIX  xg.mtu=N  xg.neigh=IP@MAC[,IP@MAC...] (static, no ARP)
#               xg.echo_port=N (default 7000)
# Console protocol: the hypervisor writes one line "ID TIMEOUT_S BASE64(SCRIPT)"; the VM answers
#   XG-BEGIN ID
#   <the script's stdout and stderr>
#   XG-END ID EXIT_CODE
# The script runs in a child shell under `timeout`, so a syntax error or a hang cannot take the
# loop (PID 1) down; the tty does not echo, so only output comes back.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp

arg() { sed -n "s/.*xg\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
fail() {
  echo "XG-FAILED: $*"
  poweroff -f
}

for m in $(cat /mods/order); do insmod "/mods/$m.ko" || fail "insmod $m"; done
ip=$(arg ip)
mtu=$(arg mtu)
port=$(arg echo_port)
[ -n "$ip" ] || fail "no xg.ip= on the kernel command line"
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 2> /dev/null   # no router solicitations on the path
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2> /dev/null
ip link set lo up
ip link set eth0 mtu "${mtu:-1500}" up || fail "eth0"
ip addr add "$ip" dev eth0 || fail "address $ip"
for n in $(arg neigh | tr , ' '); do
  arp -i eth0 -s "${n%@*}" "${n#*@}" || fail "neighbour $n"   # busybox ip has no "neigh add"
done

/bin/xtrace-guest echo --port "${port:-7000}" > /tmp/echo.out 2>&1 &
for _ in $(seq 200); do grep -q listening /tmp/echo.out && break; usleep 10000; done
grep -q listening /tmp/echo.out || fail "xtrace-guest echo: $(cat /tmp/echo.out)"

echo 1 > /proc/sys/kernel/printk   # kernel messages would land inside command output
stty -echo -onlcr < /dev/console
echo "XG-READY ip=$ip uptime=$(cut -d' ' -f1 /proc/uptime)"

exec < /dev/console
while :; do
  read -r id tmo b64 || { sleep 1; continue; }
  case $id in '' | *[!0-9a-z]*) continue ;; esac
  if echo "$b64" | base64 -d > /tmp/cmd.sh 2> /dev/null; then
    echo "XG-BEGIN $id"
    timeout -s KILL "${tmo:-60}" sh /tmp/cmd.sh < /dev/null 2>&1
    echo "XG-END $id $?"
  else
    printf 'XG-BEGIN %s\nbad command encoding\nXG-END %s 126\n' "$id" "$id"
  fi
done
