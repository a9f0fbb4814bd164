/**
 * The ways each stage can be observed, best first (docs/architecture.md "Hooks and fallbacks"), and
 * which BPF program implements each.
 */
import type { HookName, StageName } from '@xtrace/proto';

export type AttachMethod = 'tcx' | 'clsact' | 'tp_btf' | 'tracepoint' | 'fentry' | 'kprobe';

export interface HookCandidate {
  method: AttachMethod;
  program: string;
  /** the hook kind recorded in xt_stages / xt_dev_stages and in records */
  hook: HookName;
  /** tracepoint category/name, for classic tracepoints */
  tracepoint?: [string, string];
  /** may not load on a given kernel (fentry, kprobe, module tracepoints): load-probed first */
  optional?: true;
  /**
   * Programs the stage needs beside this one, as alternatives (the first that attaches is used;
   * none: this candidate fails). kvm_irq's interrupt is attributed to the frames the worker
   * signalled for, which a second program marks.
   */
  companions?: HookCandidate[];
}

const tc = (dir: 'ingress' | 'egress'): HookCandidate[] => [
  { method: 'tcx', program: `xt_tc_${dir}`, hook: 'tc' },
  { method: 'clsact', program: `xt_tc_${dir}`, hook: 'tc' },
];

const receive: HookCandidate[] = [
  { method: 'tp_btf', program: 'xt_btf_netif_receive_skb', hook: 'tp_btf' },
  {
    method: 'tracepoint',
    program: 'xt_tp_netif_receive_skb',
    hook: 'tracepoint',
    tracepoint: ['net', 'netif_receive_skb'],
  },
];

const transmit: HookCandidate[] = [
  { method: 'tp_btf', program: 'xt_btf_net_dev_start_xmit', hook: 'tp_btf' },
  {
    method: 'tracepoint',
    program: 'xt_tp_net_dev_start_xmit',
    hook: 'tracepoint',
    tracepoint: ['net', 'net_dev_start_xmit'],
  },
];

/** Device stages: direction and candidates. */
export const DEVICE_STAGE_HOOKS: Partial<Record<StageName, { dir: 'ingress' | 'egress'; candidates: HookCandidate[] }>> = {
  tap_rx: { dir: 'ingress', candidates: [...tc('ingress'), ...receive] },
  tap_tx: {
    dir: 'egress',
    candidates: [
      { method: 'fentry', program: 'xt_fentry_tun_net_xmit', hook: 'fentry', optional: true },
      { method: 'kprobe', program: 'xt_kprobe_tun_net_xmit', hook: 'kprobe', optional: true },
      ...tc('egress'),
      ...transmit,
    ],
  },
  tunnel_tx: { dir: 'egress', candidates: [...tc('egress'), ...transmit] },
  tunnel_rx: { dir: 'ingress', candidates: [...tc('ingress'), ...receive] },
  nic_tx: { dir: 'egress', candidates: [...tc('egress'), ...transmit] },
  nic_rx: { dir: 'ingress', candidates: [...tc('ingress'), ...receive] },
};

/** fentry, then kprobe, on one kernel function (`xt_fentry_<fn>`, `xt_kprobe_<fn>`). */
const traced = (fn: string): HookCandidate[] => [
  { method: 'fentry', program: `xt_fentry_${fn}`, hook: 'fentry', optional: true },
  { method: 'kprobe', program: `xt_kprobe_${fn}`, hook: 'kprobe', optional: true },
];

const moduleTracepoint = (category: string, name: string): HookCandidate => ({
  method: 'tracepoint',
  program: `xt_tp_${name}`,
  hook: 'tracepoint',
  tracepoint: [category, name],
  optional: true,
});

/**
 * Stages observed at a kernel function rather than a device: the program fixes the stage, so
 * these share devices and directions with the device stages (a tap that is an OVS port is
 * tap_rx and ovs_in on the same ingress) without a conflict. `needs`: the stage whose hook must
 * be attached for this one to record (vhost_tx is recorded by the tap's tap_rx program).
 */
export const FUNCTION_STAGE_HOOKS: Partial<Record<StageName, { candidates: HookCandidate[]; needs?: StageName }>> = {
  ovs_in: { candidates: traced('ovs_vport_receive') },
  ovs_upcall: { candidates: [...traced('ovs_dp_upcall'), moduleTracepoint('openvswitch', 'ovs_dp_upcall')] },
  ovs_out: { candidates: [...traced('ovs_vport_send'), moduleTracepoint('openvswitch', 'ovs_do_execute_action')] },
  vhost_tx: { candidates: traced('tun_sendmsg'), needs: 'tap_rx' },
  guest_kick: { candidates: traced('vhost_poll_wakeup'), needs: 'vhost_tx' },
  vhost_rx: { candidates: traced('tun_recvmsg') },
  /*
   * kvm:kvm_msi_set_irq first: it fires in the worker for every MSI injection its irqfd makes,
   * deferred ones included (kvm_set_msi_irq runs before the fast path is tried). fentry on
   * irqfd_wakeup attaches on Debian's 6.12 but never fires there (measured with bpftrace's kfunc
   * beside a kprobe that does), so it comes last.
   */
  kvm_irq: {
    candidates: [moduleTracepoint('kvm', 'kvm_msi_set_irq'), ...traced('irqfd_wakeup').reverse()].map((c) => ({
      ...c,
      companions: traced('vhost_add_used_and_signal_n'),
    })),
    needs: 'vhost_rx',
  },
};

export const DROP_CANDIDATES: HookCandidate[] = [
  { method: 'tp_btf', program: 'xt_btf_kfree_skb', hook: 'tp_btf' },
  {
    method: 'tracepoint',
    program: 'xt_tp_kfree_skb',
    hook: 'tracepoint',
    tracepoint: ['skb', 'kfree_skb'],
  },
];

export function describeCandidate(c: HookCandidate, device?: string): string {
  const where = c.tracepoint ? `${c.tracepoint[0]}:${c.tracepoint[1]}` : c.program.replace(/^xt_(fentry|kprobe|btf|tp)_/, '');
  if (c.method === 'tcx' || c.method === 'clsact') return `${c.method} ${c.program.endsWith('ingress') ? 'ingress' : 'egress'} ${device ?? ''}`.trim();
  return `${c.method} ${where}`;
}
