/** Wall times of a nested lab's bring-up, measured by up(). */

/** One hypervisor, from the start of its QEMU (ms). */
export interface HypervisorTimings {
  /** until its control server answered (kernel, init, modules, NICs) */
  bootMs: number;
  /** OVS set up and forwarding (hypervisor-ovs.sh) */
  ovsMs: number;
  /** from starting its VMs until each printed its ready marker */
  vmsMs: number;
  /** until this hypervisor was ready (before the cross-host check and the agent) */
  readyMs: number;
  /** from starting its agent until its log said "agent running" (when up() started it) */
  agentMs?: number;
}

export interface NestedLabTimings {
  /** the whole up() */
  upMs: number;
  /** fetch-kernel.sh + build-vm-image.sh (cached: well under a second) */
  assetsMs: number;
  /** VM (i, 0) <-> VM (other, 0) across VXLAN: ping and one echo exchange */
  crossCheckMs: number;
  hosts: HypervisorTimings[];
}
