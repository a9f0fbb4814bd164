import { describe, expect, it } from 'vitest';
import { Stage } from '@xtrace/proto';
import { STAGE_SLOTS, buildPathModel } from './path-model.js';

describe('buildPathModel', () => {
  it('2 hosts: sender stages then receiver stages, reversed for replies', () => {
    const m = buildPathModel(['A', 'B']);
    const f = m.directions[0].positions.map((p) => `${m.hosts[p.host]}.${p.stageName}`);
    expect(f).toEqual([
      'A.guest_kick', 'A.vhost_tx', 'A.tap_rx', 'A.ovs_in', 'A.ovs_upcall', 'A.ovs_out', 'A.tunnel_tx', 'A.nic_tx',
      'B.nic_rx', 'B.tunnel_rx', 'B.ovs_in', 'B.ovs_upcall', 'B.ovs_out', 'B.tap_tx', 'B.vhost_rx', 'B.kvm_irq',
    ]);
    const r = m.directions[1].positions.map((p) => `${m.hosts[p.host]}.${p.stageName}`);
    expect(r[0]).toBe('B.guest_kick');
    expect(r[15]).toBe('A.kvm_irq');
    expect(m.directions[0].lookup[1 * STAGE_SLOTS + Stage.ovs_in]).toBe(10);
    expect(m.directions[1].lookup[1 * STAGE_SLOTS + Stage.ovs_in]).toBe(3);
    expect(m.directions[0].lookup[0 * STAGE_SLOTS + Stage.drop]).toBe(-1);
    expect(m.width).toBe(16);
  });

  it('transit host and same host', () => {
    const m = buildPathModel(['A', 'X', 'B']);
    expect(m.directions[0].positions.filter((p) => p.host === 1).map((p) => p.stageName)).toEqual([
      'nic_rx', 'tunnel_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'tunnel_tx', 'nic_tx',
    ]);
    expect(m.directions[1].hostOrder).toEqual([2, 1, 0]);
    const s = buildPathModel(['A']);
    expect(s.directions[0].positions.map((p) => p.stageName)).toEqual([
      'guest_kick', 'vhost_tx', 'tap_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'tunnel_tx', 'nic_tx', 'nic_rx', 'tunnel_rx', 'tap_tx',
      'vhost_rx', 'kvm_irq',
    ]);
    expect(() => buildPathModel(['A', 'A'])).toThrow(RangeError);
  });
});
