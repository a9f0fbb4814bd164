import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BPF_TCX_INGRESS, native, type NativeBpfObject } from './index.js';
import { buildFixtures, fixtureObject, runBpfTests, testFrame } from './testing/fixtures.js';

describe.skipIf(!runBpfTests)('programInfo, mapInfo, linkInfo: the kernel describes the object (real BPF)', () => {
  let obj: NativeBpfObject;

  beforeAll(() => {
    buildFixtures();
    obj = native.openObject(fixtureObject);
    obj.setExpectedAttachType('fx_tc', BPF_TCX_INGRESS);
    obj.setAutoload('fx_tp_btf', false);
    obj.load();
  });
  afterAll(() => obj?.close());

  it('names each program with its kernel id and type; one not loaded has id 0', () => {
    const programs = Object.fromEntries(obj.programInfo().map((p) => [p.name, p]));
    expect(programs['fx_tc']).toMatchObject({ section: 'tc', loaded: true, type: 'sched_cls' });
    expect(programs['fx_tc']!.id).toBe(obj.programStats('fx_tc').id);
    expect(programs['fx_tc']!.xlatedBytes).toBeGreaterThan(0);
    expect(programs['fx_tp']).toMatchObject({ loaded: true, type: 'tracepoint' });
    expect(programs['fx_tp_btf']).toMatchObject({ loaded: false, id: 0, runCount: 0 });
  });

  it('counts a program run while bpf_stats is on', async () => {
    const stats = native.enableStats();
    try {
      const before = obj.programInfo().find((p) => p.name === 'fx_tc')!.runCount;
      obj.testRun('fx_tc', testFrame(), 5);
      const after = obj.programInfo().find((p) => p.name === 'fx_tc')!;
      expect(after.runCount - before).toBe(5);
      expect(after.runTimeNs).toBeGreaterThan(0);
    } finally {
      stats.close();
    }
  });

  it('describes every created map with its kernel id, type and sizes', () => {
    const maps = Object.fromEntries(obj.mapInfo().map((m) => [m.name, m]));
    const declared = Object.fromEntries(obj.maps().map((m) => [m.name, m]));
    expect(maps['events']).toMatchObject({ type: 'ringbuf', maxEntries: declared['events']!.maxEntries });
    expect(maps['kv']).toMatchObject({ keySize: declared['kv']!.keySize, valueSize: declared['kv']!.valueSize, maxEntries: declared['kv']!.maxEntries });
    for (const m of Object.values(maps)) expect(m.id).toBeGreaterThan(0);
  });

  it('lists an attachment with its link id and the program it runs, and forgets it when destroyed', () => {
    expect(obj.linkInfo()).toEqual([]);
    const att = obj.attachTracepoint('fx_tp', 'net', 'netif_receive_skb');
    try {
      const links = obj.linkInfo();
      expect(links).toHaveLength(1);
      expect(links[0]).toMatchObject({ kind: 'tracepoint', program: 'fx_tp', target: 'net:netif_receive_skb' });
      expect(links[0]!.linkId).toBeGreaterThan(0);
      expect(links[0]!.progId).toBe(obj.programStats('fx_tp').id);
      expect(links[0]!.linkType).toMatch(/^(perf_event|tracepoint)/);
    } finally {
      att.destroy();
    }
    expect(obj.linkInfo()).toEqual([]);
  });
});
