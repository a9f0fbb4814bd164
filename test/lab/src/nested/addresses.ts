/**
 * Names and addresses of a nested lab (test/lab/README.md, "Nested hypervisors").
 *
 * | object                         | name / address                                        |
 * | ------------------------------ | ----------------------------------------------------- |
 * | hypervisor i                   | `xn<id>-hv<i>`: hostname, QEMU `-name`, agent host id |
 * | VM (i, j) QEMU inside it       | `xn<id>-hv<i>-vm<j>`                                  |
 * | management NIC `mgmt0`         | `172.29.0.15/24` (QEMU user net, restricted)          |
 * | NATS, as the guests reach it   | `172.29.0.100:4222` (guestfwd to the host's loopback) |
 * | underlay NIC `underlay0`       | `172.30.0.<i+1>/24`, MTU 1600, MAC `02:78:6e:01:<i>:01` |
 * | OVS bridge, VXLAN port         | `br0`, `vxlan0` (VNI 42, UDP 4789)                    |
 * | VM (i, j): tap, IP, MAC        | `vnet<j>`, `172.31.0.<10(i+1)+j>/24`, `02:78:6e:00:<i>:<j>` |
 *
 * Each hypervisor is its own kernel, so these addresses exist only inside the lab's guests
 * (two labs never collide); they are still apart from the namespace lab's (10.S.0.x,
 * 192.168.S.x, 169.254.S.x) so that logs and reports never leave a doubt which lab they are from.
 */
export const NESTED_ID_RE = /^[a-z0-9]{4}$/;
/** A hypervisor's or a VM's QEMU name; group 1 is the lab id, 2 the hypervisor. */
export const NESTED_QEMU_NAME_RE = /^xn([a-z0-9]{4})-hv(\d+)(?:-vm\d+)?(?:,|$)/;

/** Two hypervisors joined by one point-to-point underlay link (see README: Limits). */
export const NESTED_HOSTS = 2;
export const MAX_VMS_PER_HOST = 4;

export const hypervisorName = (id: string, i: number): string => `xn${id}-hv${i}`;
/** inside a hypervisor: pid files, VM console sockets, OVS database (hypervisor-init.sh's XN_RUN) */
export const HYPERVISOR_RUN_DIR = '/run/xtrace-nested';

export const MGMT_DEV = 'mgmt0';
export const MGMT_NET = '172.29.0.0/24';
/** QEMU's own address on the management network (slirp's "host") */
export const MGMT_GATEWAY = '172.29.0.2';
export const MGMT_GUEST_ADDR = '172.29.0.15/24';
/** what an agent inside a hypervisor connects to: forwarded to the host's NATS on 127.0.0.1 */
export const NATS_FORWARD = { ip: '172.29.0.100', port: 4222 } as const;
export const natsUrlInside = (): string => `nats://${NATS_FORWARD.ip}:${NATS_FORWARD.port}`;

export const UNDERLAY_DEV = 'underlay0';
/** 1600: a 1500-byte VM frame plus VXLAN's 50 bytes fits unfragmented */
export const UNDERLAY_MTU = 1600;
export const UNDERLAY_PREFIX = 24;
export const underlayIp = (i: number): string => `172.30.0.${i + 1}`;

export const BRIDGE = 'br0';
export const VXLAN_VNI = 42;

export const VM_MTU = 1500;
export const VM_PREFIX = 24;
export const VM_ECHO_PORT = 7000;
export const vmIp = (i: number, j: number): string => `172.31.0.${10 * (i + 1) + j}`;
export const vmTap = (j: number): string => `vnet${j}`;

const hex = (n: number): string => n.toString(16).padStart(2, '0');
/** 02:78:6e = locally administered "xn" */
export const vmMac = (i: number, j: number): string => `02:78:6e:00:${hex(i)}:${hex(j)}`;
export const underlayMac = (i: number): string => `02:78:6e:01:${hex(i)}:01`;
export const mgmtMac = (i: number): string => `02:78:6e:02:${hex(i)}:01`;

export function randomNestedId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let k = 0; k < 4; k++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
