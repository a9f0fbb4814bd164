import { describe, expect, it } from 'vitest';
import { DROP_REASONS_6_18, dropReasonName } from './drop-reasons.js';

describe('drop reasons', () => {
  it('static 6.18 table has the documented order', () => {
    expect(dropReasonName(2)).toBe('NOT_SPECIFIED');
    expect(dropReasonName(3)).toBe('NO_SOCKET');
    expect(dropReasonName(9)).toBe('PKT_TOO_SMALL');
    expect(dropReasonName(12)).toBe('NETFILTER_DROP');
    expect(dropReasonName(13)).toBe('OTHERHOST');
    expect(dropReasonName(20)).toBe('PROTO_MEM');
    expect(dropReasonName(64)).toBe('QDISC_DROP');
    expect(dropReasonName(127)).toBe('RECURSION_LIMIT');
    expect(dropReasonName(500)).toBe('UNKNOWN_500');
    expect(dropReasonName((2 << 16) | 5)).toBe('OPENVSWITCH_5');
  });

  it('names a value by the given table, else the built-in 6.18 one: a stable point release may insert reasons', () => {
    // 6.18.44 inserted IPV6_TOO_MANY_EXTHDRS at 99, moving every later reason up by one
    const moved = new Map(DROP_REASONS_6_18.flatMap((n, v): [number, string][] => (v < 99 ? [[v, n]] : v === 99 ? [[99, 'IPV6_TOO_MANY_EXTHDRS'], [100, n]] : [[v + 1, n]])));
    const vni = DROP_REASONS_6_18.indexOf('VXLAN_VNI_NOT_FOUND');
    expect(vni).toBeGreaterThan(99);
    expect(dropReasonName(vni)).toBe('VXLAN_VNI_NOT_FOUND');
    expect(dropReasonName(vni + 1, moved)).toBe('VXLAN_VNI_NOT_FOUND');
    expect(dropReasonName(vni, moved)).not.toBe('VXLAN_VNI_NOT_FOUND');
    expect(dropReasonName(12, moved)).toBe('NETFILTER_DROP');
  });
});
