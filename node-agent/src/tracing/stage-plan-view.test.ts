import { describe, expect, it } from 'vitest';
import { planStages } from './stage-plan.js';
import { testInterface } from '../testing/host-interface.js';
import { stagePlanView } from './stage-plan-view.js';
import type { StageReport } from './tracer-api.js';

const iface = testInterface;

describe('stagePlanView: the plan beside what the hooks got', () => {
  const plan = planStages([iface('eth0', 2, 'nic'), iface('br0', 3, 'bridge'), iface('vnet0', 5, 'tap', 'br0'), iface('vnet1', 6, 'tap', 'br0')], { has: () => false });
  const reports: StageReport[] = [
    { stage: 'tap_rx', attached: true, hook: 'tcx ingress vnet0, tcx ingress vnet1', devices: ['vnet0', 'vnet1'], fallbacks: [] },
    { stage: 'tap_tx', attached: true, hook: 'tcx egress vnet0', devices: ['vnet0'], fallbacks: [{ candidate: 'fentry tun_net_xmit', reason: 'does not load on this kernel: EPERM' }] },
    { stage: 'drop', attached: false, devices: [], fallbacks: [{ candidate: 'tp_btf kfree_skb', reason: 'tp_btf disabled by configuration' }] },
    { stage: 'ovs_in', attached: false, devices: [], fallbacks: [{ candidate: '(none)', reason: 'no Open vSwitch datapath' }] },
  ];
  const view = Object.fromEntries(stagePlanView(plan, reports).map((s) => [s.stage, s]));

  it('lists a device stage once with each device and direction and its candidates best first', () => {
    expect(view['tap_rx']).toMatchObject({ kind: 'device', devices: ['vnet0 ingress', 'vnet1 ingress'], attached: true, hook: 'tcx ingress vnet0, tcx ingress vnet1' });
    expect(view['tap_rx']!.candidates.slice(0, 2)).toEqual(['tcx ingress', 'clsact ingress']);
    expect(view['tap_tx']!.candidates[0]).toBe('fentry tun_net_xmit');
    expect(view['tap_tx']!.fallbacks).toEqual([{ candidate: 'fentry tun_net_xmit', reason: 'does not load on this kernel: EPERM' }]);
    expect(view['nic_rx']).toMatchObject({ kind: 'device', devices: ['eth0 ingress'], attached: false, hook: '' });
  });

  it('keeps the drop stage and the unobservable ones, with the reason', () => {
    expect(view['drop']).toMatchObject({ kind: 'drop', attached: false, candidates: ['tp_btf kfree_skb', 'tracepoint skb:kfree_skb'] });
    expect(view['ovs_in']).toMatchObject({ kind: 'unobservable', devices: [], candidates: [], fallbacks: [{ candidate: '(none)', reason: 'no Open vSwitch datapath' }] });
    expect(view['vhost_tx']?.kind).toBe('unobservable');
  });
});
