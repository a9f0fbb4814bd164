/**
 * What a lab is made of, read from its state: every hypervisor (namespace, NIC, bridge, VXLAN,
 * management link), every VM (namespace, tap, addresses, relay) and every namespace. Pure: the
 * names come from names.ts, nothing here touches the machine (network-build.ts makes it).
 */
import { UsageError } from '@xtrace/proto';
import {
  HOST_BRIDGE,
  HOST_MGMT,
  HOST_NIC,
  HOST_VXLAN,
  VM_IFACE,
  hostNs,
  hostTap,
  mgmtHostIp,
  mgmtRootIp,
  mgmtRootLink,
  nicMac,
  underlayIp,
  vmIp,
  vmMac,
  vmNs,
  vmRelayName,
  wireNs,
  wireRelayName,
} from './names.js';
import { hostWireMode } from './spec.js';
import type { LabState } from './state.js';

export interface VmInfo {
  host: number;
  index: number;
  /** the VM's namespace (its tap `eth0` holds `ip`) */
  ns: string;
  ip: string;
  mac: string;
  iface: string;
  /** the host-side tap on br0 */
  hostTap: string;
  relay: string;
}

export interface HostInfo {
  index: number;
  ns: string;
  nic: string;
  bridge: string;
  vxlan: string;
  underlayIp: string;
  nicMac: string;
  /** the agent's side of the management link (inside `ns`) */
  mgmtIface: string;
  mgmtHostIp: string;
  /** the root namespace's side: what an agent in this host connects to */
  mgmtRootIp: string;
  mgmtRootLink: string;
  /** recorded only; hand it to the agent started for this host */
  clockSkewNs: number;
  wireRelay?: string;
  vms: VmInfo[];
}

/** The part of a lab's state its topology follows from. */
export type LabLayout = Pick<LabState, 'id' | 'slot' | 'spec'>;

export function vmInfo(lab: LabLayout, host: number, index: number): VmInfo {
  const { id, slot, spec } = lab;
  if (!Number.isInteger(host) || host < 0 || host >= spec.hosts) throw new UsageError('host', `no host ${host}`);
  if (!Number.isInteger(index) || index < 0 || index >= spec.vmsPerHost) throw new UsageError('vm', `no VM ${index} on host ${host}`);
  return {
    host,
    index,
    ns: vmNs(id, host, index),
    ip: vmIp(slot, host, index),
    mac: vmMac(slot, host, index),
    iface: VM_IFACE,
    hostTap: hostTap(index),
    relay: vmRelayName(host, index),
  };
}

export function hostInfo(lab: LabLayout, i: number): HostInfo {
  const { id, slot, spec } = lab;
  if (!Number.isInteger(i) || i < 0 || i >= spec.hosts) throw new UsageError('host', `no host ${i} (lab has ${spec.hosts})`);
  const vms: VmInfo[] = [];
  for (let j = 0; j < spec.vmsPerHost; j++) vms.push(vmInfo(lab, i, j));
  return {
    index: i,
    ns: hostNs(id, i),
    nic: HOST_NIC,
    bridge: HOST_BRIDGE,
    vxlan: HOST_VXLAN,
    underlayIp: underlayIp(slot, i),
    nicMac: nicMac(slot, i),
    mgmtIface: HOST_MGMT,
    mgmtHostIp: mgmtHostIp(slot, i),
    mgmtRootIp: mgmtRootIp(slot, i),
    mgmtRootLink: mgmtRootLink(id, i),
    clockSkewNs: spec.clockSkewNs[i] ?? 0,
    ...(hostWireMode(spec.wireMode, i) === 'relay' ? { wireRelay: wireRelayName(i) } : {}),
    vms,
  };
}

export function hostInfos(lab: LabLayout): HostInfo[] {
  return Array.from({ length: lab.spec.hosts }, (_, i) => hostInfo(lab, i));
}

/** Every namespace of the lab: wire, then each host followed by its VMs. */
export function labNamespaces(lab: LabLayout): string[] {
  return [wireNs(lab.id), ...hostInfos(lab).flatMap((h) => [h.ns, ...h.vms.map((v) => v.ns)])];
}
