/**
 * The ways each stage can be observed, best first (DESIGN.md "Hooks and fallbacks"), and
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
  ovs_in: {
    dir: 'ingress',
    candidates: [
      { method: 'fentry', program: 'xt_fentry_ovs_vport_receive', hook: 'fentry', optional: true },
      { method: 'kprobe', program: 'xt_kprobe_ovs_vport_receive', hook: 'kprobe', optional: true },
    ],
  },
  ovs_out: {
    dir: 'egress',
    candidates: [
      { method: 'fentry', program: 'xt_fentry_ovs_vport_send', hook: 'fentry', optional: true },
      { method: 'kprobe', program: 'xt_kprobe_ovs_vport_send', hook: 'kprobe', optional: true },
      {
        method: 'tracepoint',
        program: 'xt_tp_ovs_do_execute_action',
        hook: 'tracepoint',
        tracepoint: ['openvswitch', 'ovs_do_execute_action'],
        optional: true,
      },
    ],
  },
  tunnel_tx: { dir: 'egress', candidates: [...tc('egress'), ...transmit] },
  tunnel_rx: { dir: 'ingress', candidates: [...tc('ingress'), ...receive] },
  nic_tx: { dir: 'egress', candidates: [...tc('egress'), ...transmit] },
  nic_rx: { dir: 'ingress', candidates: [...tc('ingress'), ...receive] },
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
