import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS_6_18, dropReasonName } from './drop-reasons.js';
import { parseDropReasonsFromBtf } from './btf-drop-reasons.js';

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

  it('rejects a blob that is not BTF', () => {
    expect(parseDropReasonsFromBtf(new Uint8Array(64))).toBeNull();
  });

  const vmlinux = '/sys/kernel/btf/vmlinux';
  it.skipIf(!existsSync(vmlinux))('reads the running kernel BTF, whose reasons begin with the 6.18 table', () => {
    const table = parseDropReasonsFromBtf(readFileSync(vmlinux));
    expect(table).not.toBeNull();
    expect(table!.get(3)).toBe('NO_SOCKET');
    expect(table!.get(12)).toBe('NETFILTER_DROP');
    expect(table!.get(0)).toBe('NOT_DROPPED_YET');
    expect(table!.get(1)).toBe('CONSUMED');
    // the machines here run 6.18.y: the static table must agree with BTF on every value it
    // names; stable point releases append reasons (6.18.x added SKB_RX_HEADROOM), never renumber
    const fromBtf = [...table!.entries()].filter(([v]) => v < 0x10000).sort((a, b) => a[0] - b[0]);
    const names = fromBtf.map(([, n]) => n);
    expect(names.slice(0, DROP_REASONS_6_18.length)).toEqual([...DROP_REASONS_6_18]);
    expect(fromBtf.every(([v], i) => v === i)).toBe(true);
    expect(dropReasonName(64, table!)).toBe('QDISC_DROP');
  });
});
