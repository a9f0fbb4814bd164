/** Path-model stages and hook kinds; numeric values are the BPF ABI (bpf/include/xtrace_abi.h). */
export const Stage = {
  vhost_tx: 1,
  tap_rx: 2,
  ovs_in: 3,
  ovs_out: 4,
  tunnel_tx: 5,
  nic_tx: 6,
  nic_rx: 7,
  tunnel_rx: 8,
  tap_tx: 9,
  vhost_rx: 10,
  kvm_irq: 11,
  drop: 12,
  guest_kick: 13,
  ovs_upcall: 14,
} as const;

export type StageName = keyof typeof Stage;

const stageNames = new Map<number, StageName>(
  Object.entries(Stage).map(([name, id]) => [id, name as StageName]),
);

export function stageName(id: number): StageName | `stage_${number}` {
  return stageNames.get(id) ?? `stage_${id}`;
}

/**
 * Order of the stages a packet crosses on one host, leaving a VM (sender side): the guest's
 * kick that woke the vhost worker, the worker taking the frame from the guest's ring, the
 * tap's receive, the switch (with an upcall to ovs-vswitchd when the datapath's flow cache
 * missed), the tunnel and the NIC.
 */
export const SENDER_STAGES: readonly StageName[] = ['guest_kick', 'vhost_tx', 'tap_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'tunnel_tx', 'nic_tx'];
/**
 * Order of the stages a packet crosses on one host, reaching a VM (receiver side): NIC, tunnel,
 * switch, the tap's transmit, the vhost worker copying the frame into the guest's ring, and
 * the interrupt the worker requested for it.
 */
export const RECEIVER_STAGES: readonly StageName[] = ['nic_rx', 'tunnel_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'tap_tx', 'vhost_rx', 'kvm_irq'];
/** A host the packet crosses between two others: the switch, tunnels and NICs only. */
export const TRANSIT_STAGES: readonly StageName[] = ['nic_rx', 'tunnel_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'tunnel_tx', 'nic_tx'];

/**
 * Stages a packet crosses only sometimes, by design rather than by loss: the guest kicks only
 * when the vhost worker was idle (it polls the ring while it runs), OVS makes an upcall only on
 * a flow-cache miss, and the worker's interrupt is suppressed while the guest polls (NAPI). A
 * packet that misses one of them is neither lost nor incomplete.
 */
export const OPTIONAL_STAGES: ReadonlySet<StageName> = new Set<StageName>(['guest_kick', 'ovs_upcall', 'kvm_irq']);

export const Hook = {
  tc: 1,
  tracepoint: 2,
  tp_btf: 3,
  fentry: 4,
  kprobe: 5,
} as const;
export type HookName = keyof typeof Hook;

export const Counter = {
  seen: 0,
  matched: 1,
  sampled_out: 2,
  emitted: 3,
  ringbuf_full: 4,
  parse_fail: 5,
  not_ip: 6,
  no_stage: 7,
  other_netns: 8,
  drop_no_dev: 9,
  irq_suppressed: 10,
  irq_overflow: 11,
  vhost_xdp_frame: 12,
  vhost_state_full: 13,
  capture_full: 14,
} as const;
export type CounterName = keyof typeof Counter;
export const COUNTER_COUNT = 15;
