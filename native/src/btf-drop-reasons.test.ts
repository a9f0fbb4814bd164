import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDropReasonsFromBtf } from './btf-drop-reasons.js';

describe('parseDropReasonsFromBtf', () => {
  it('rejects a blob that is not BTF', () => {
    expect(parseDropReasonsFromBtf(new Uint8Array(64))).toBeNull();
  });

  const vmlinux = '/sys/kernel/btf/vmlinux';
  const bpftool = spawnSync('bpftool', ['version']).status === 0;
  it.skipIf(!existsSync(vmlinux) || !bpftool)('reads the running kernel BTF: every reason bpftool shows, by the same value', () => {
    const table = parseDropReasonsFromBtf(readFileSync(vmlinux));
    expect(table).not.toBeNull();
    // the independent view: bpftool's C dump of the same enum
    const dump = spawnSync('bpftool', ['btf', 'dump', 'file', vmlinux, 'format', 'c'], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout;
    const body = /^enum skb_drop_reason \{\n([^}]*)\};/m.exec(dump)?.[1];
    expect(body, 'enum skb_drop_reason in the bpftool dump').toBeTruthy();
    const expected = new Map<number, string>();
    for (const m of body!.matchAll(/^\s*SKB_(?:DROP_REASON_)?(\w+) = (\d+),$/gm)) {
      if (m[1] === 'MAX' || m[1] === 'SUBSYS_MASK') continue;
      expected.set(Number(m[2]), m[1]!);
    }
    expect(expected.size).toBeGreaterThan(100);
    expect(new Map([...table!].filter(([v]) => v < 0x10000))).toEqual(expected);
    expect(table!.get(12)).toBe('NETFILTER_DROP');
  });
});
