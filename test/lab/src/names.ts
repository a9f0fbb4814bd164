/**
 * Naming and addressing of one lab. Everything a lab creates is named `xl<id>…` so that
 * two labs (and other users of the machine) never collide:
 *
 * | object                  | name / address                                   |
 * | ----------------------- | ------------------------------------------------ |
 * | hypervisor namespace    | `xl<id>h<i>`                                     |
 * | VM namespace            | `xl<id>v<i>-<j>`                                 |
 * | wire namespace          | `xl<id>w` (bridge `wbr`, ports `u<i>`)           |
 * | management veth (root)  | `xl<id>m<i>` ↔ `mgmt0` in the host namespace     |
 * | underlay IP (nic0)      | `10.<slot>.0.<i+1>/24` (inside the lab only)     |
 * | management IPs          | root `169.254.<slot>.<4i+1>/30`, host `.<4i+2>`  |
 * | VM IP (eth0 in VM ns)   | `192.168.<slot>.<10(i+1)+j>/24` (inside the lab) |
 *
 * `slot` (1..250) is unique among the labs alive on this machine; it keeps the
 * management addresses (which live in the root namespace) apart.
 */
const LAB_PREFIX = 'xl';
export const LAB_ID_RE = /^[a-z0-9]{4}$/;
/** Matches any namespace/link name a lab creates; group 1 is the lab id. */
export const LAB_NAME_RE = /^xl([a-z0-9]{4})(?:h\d+|v\d+-\d+|w|m\d+)$/;

export const MAX_HOSTS = 24;
export const MAX_VMS_PER_HOST = 10;
export const VXLAN_PORT = 4789;
export const VXLAN_VNI = 42;
export const VM_MTU = 1500;
export const NIC_MTU = 1600;

/** Interfaces inside a hypervisor namespace. */
export const HOST_NIC = 'nic0';
export const HOST_BRIDGE = 'br0';
export const HOST_VXLAN = 'vxlan0';
export const HOST_MGMT = 'mgmt0';
export const VM_IFACE = 'eth0';
export const WIRE_BRIDGE = 'wbr';

export function randomLabId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let k = 0; k < 4; k++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

export const labPrefix = (id: string): string => `${LAB_PREFIX}${id}`;
export const hostNs = (id: string, i: number): string => `${labPrefix(id)}h${i}`;
export const vmNs = (id: string, i: number, j: number): string => `${labPrefix(id)}v${i}-${j}`;
export const wireNs = (id: string): string => `${labPrefix(id)}w`;
export const mgmtRootLink = (id: string, i: number): string => `${labPrefix(id)}m${i}`;
export const hostTap = (j: number): string => `vnet${j}`;
export const wirePort = (i: number): string => `u${i}`;

export const underlayIp = (slot: number, i: number): string => `10.${slot}.0.${i + 1}`;
export const mgmtRootIp = (slot: number, i: number): string => `169.254.${slot}.${4 * i + 1}`;
export const mgmtHostIp = (slot: number, i: number): string => `169.254.${slot}.${4 * i + 2}`;
export const vmIp = (slot: number, i: number, j: number): string => `192.168.${slot}.${10 * (i + 1) + j}`;

const hex = (n: number): string => n.toString(16).padStart(2, '0');
/** 02:78:6c = locally administered "xl". */
export const vmMac = (slot: number, i: number, j: number): string => `02:78:6c:${hex(slot)}:${hex(i)}:${hex(j)}`;
export const nicMac = (slot: number, i: number): string => `02:78:6c:${hex(slot)}:${hex(i)}:fe`;

/** Relay names (unique inside a lab). */
export const vmRelayName = (i: number, j: number): string => `vm${i}-${j}`;
export const wireRelayName = (i: number): string => `wire${i}`;
