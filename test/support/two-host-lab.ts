/** A two-hypervisor lab with one VM each and a veth wire, ARP/FDB warmed by a first ping. */
import { Lab, ping, type VmInfo } from '@xtrace/lab';

export async function upTwoHostLab(): Promise<{ lab: Lab; vmA: VmInfo; vmB: VmInfo }> {
  const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
  const vmA = lab.vm(0, 0);
  const vmB = lab.vm(1, 0);
  // warm ARP/FDB so the first traced packets take the steady path
  await ping(lab, vmA, vmB.ip, { count: 2, intervalMs: 50 });
  return { lab, vmA, vmB };
}
