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
} as const;

export type StageName = keyof typeof Stage;
export type StageId = (typeof Stage)[StageName];

const stageNames = new Map<number, StageName>(
  Object.entries(Stage).map(([name, id]) => [id, name as StageName]),
);

export function stageName(id: number): StageName | `stage_${number}` {
  return stageNames.get(id) ?? `stage_${id}`;
}

/** Order of the stages a packet crosses on one host, leaving a VM (sender side). */
export const SENDER_STAGES: readonly StageName[] = ['vhost_tx', 'tap_rx', 'ovs_in', 'ovs_out', 'tunnel_tx', 'nic_tx'];
/** Order of the stages a packet crosses on one host, reaching a VM (receiver side). */
export const RECEIVER_STAGES: readonly StageName[] = ['nic_rx', 'tunnel_rx', 'ovs_in', 'ovs_out', 'tap_tx', 'vhost_rx', 'kvm_irq'];

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
} as const;
export type CounterName = keyof typeof Counter;
export const COUNTER_COUNT = 10;
