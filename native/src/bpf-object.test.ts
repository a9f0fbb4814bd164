import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BpfError, native, type NativeBpfObject } from './index.js';
import {
  badObject,
  buildFixtures,
  FX_C_SEEN,
  fixtureObject,
  runBpfTests,
  sumPerCpu,
  testFrame,
  u32Key,
} from './testing/fixtures.js';

function catchBpf(fn: () => unknown): BpfError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof BpfError) return e;
    throw e;
  }
  throw new Error('expected a BpfError');
}

describe('native module', () => {
  it('reports the libbpf version it was built against', () => {
    expect(native.libbpfVersion()).toMatch(/^1\.\d+$/);
  });

  it('counts possible CPUs like the kernel', () => {
    const possible = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = Number(possible.split(/[-,]/).at(-1));
    expect(native.numPossibleCpus()).toBe(last + 1);
  });

  it('sets the malloc mmap threshold within bounds', () => {
    expect(native.setMallocMmapThreshold(128 * 1024)).toBe(true);
    expect(() => native.setMallocMmapThreshold(1)).toThrow(BpfError);
  });

  it('throws BpfError with the reason when the object file is missing', () => {
    const e = catchBpf(() => native.openObject('/nonexistent/xtn.bpf.o'));
    expect(e.code).toBe('bpf');
    expect(e.op).toBe('openObject');
    expect(e.errnoName).toBe('ENOENT');
    expect(e.message).toContain('/nonexistent/xtn.bpf.o');
  });

  it('refuses a btfCustomPath that is not a non-empty string', () => {
    for (const bad of [42, '']) {
      const e = catchBpf(() => native.openObject(fixtureObject, { btfCustomPath: bad as string }));
      expect(e.errnoName).toBe('EINVAL');
      expect(e.message).toContain('options.btfCustomPath must be a non-empty string');
    }
  });
});

describe.skipIf(!runBpfTests)('BpfObject (real BPF)', () => {
  let obj: NativeBpfObject;

  beforeAll(() => {
    buildFixtures();
    obj = native.openObject(fixtureObject);
    obj.setExpectedAttachType('fx_tc', 46);
    obj.load();
  });
  afterAll(() => obj?.close());

  it('sizes a map before load, a ring buffer only to a power-of-two multiple of the page size', () => {
    const o = native.openObject(fixtureObject);
    try {
      o.setMaxEntries('events', 64 * 1024);
      expect(o.maps().find((m) => m.name === 'events')?.maxEntries).toBe(64 * 1024);
      expect(catchBpf(() => o.setMaxEntries('events', 96 * 1024)).message).toMatch(/power of two/);
      expect(catchBpf(() => o.setMaxEntries('nope', 4096)).errnoName).toBe('ENOENT');
    } finally {
      o.close();
    }
    expect(catchBpf(() => obj.setMaxEntries('events', 64 * 1024)).errnoName).toBe('EALREADY');
  });

  it('lists programs with sections and maps with sizes', () => {
    expect(obj.programs()).toEqual([
      { name: 'fx_tc', section: 'tc' },
      { name: 'fx_tp', section: 'tracepoint/net/netif_receive_skb' },
      { name: 'fx_tp_btf', section: 'tp_btf/netif_receive_skb' },
    ]);
    const maps = Object.fromEntries(obj.maps().map((m) => [m.name, m]));
    expect(maps['events']).toMatchObject({ type: 27, maxEntries: 256 * 1024 });
    expect(maps['counters']).toMatchObject({ type: 6, keySize: 4, valueSize: 8, maxEntries: 8 });
    expect(maps['kv']).toMatchObject({ type: 1, keySize: 4, valueSize: 16, maxEntries: 64 });
  });

  it('round-trips hash map elements', () => {
    const value = Buffer.alloc(16);
    value.writeBigUInt64LE(0x1122334455667788n, 0);
    value.writeUInt32LE(7, 8);
    value.writeUInt32LE(9, 12);
    expect(obj.mapLookup('kv', u32Key(5))).toBeNull();
    obj.mapUpdate('kv', u32Key(5), value);
    expect(obj.mapLookup('kv', u32Key(5))).toEqual(value);
    expect(obj.mapDelete('kv', u32Key(5))).toBe(true);
    expect(obj.mapDelete('kv', u32Key(5))).toBe(false);
    expect(obj.mapLookup('kv', u32Key(5))).toBeNull();
  });

  it('lists every key of a hash map', () => {
    expect(obj.mapKeys('kv')).toEqual([]);
    const keys = [3, 11, 42];
    for (const k of keys) obj.mapUpdate('kv', u32Key(k), Buffer.alloc(16, k));
    const got = obj.mapKeys('kv').map((b) => b.readUInt32LE(0));
    expect(got.sort((a, b) => a - b)).toEqual(keys);
    for (const k of keys) obj.mapDelete('kv', u32Key(k));
    expect(obj.mapKeys('kv')).toEqual([]);
    expect(obj.mapKeys('counters').length).toBe(8); // arrays: every index
    expect(() => obj.mapKeys('events')).toThrow(/has no keys/);
  });

  it('returns one 8-byte-aligned value per possible CPU for per-CPU maps, and writes them back', () => {
    const n = native.numPossibleCpus();
    const v = obj.mapLookup('counters', u32Key(7));
    expect(v?.length).toBe(n * 8);
    const write = Buffer.alloc(n * 8);
    for (let c = 0; c < n; c++) write.writeBigUInt64LE(BigInt(c + 1), c * 8);
    obj.mapUpdate('counters', u32Key(7), write);
    expect(sumPerCpu(obj.mapLookup('counters', u32Key(7)))).toBe((n * (n + 1)) / 2);
  });

  it('validates key and value sizes, naming the map and the expected size', () => {
    let e = catchBpf(() => obj.mapUpdate('kv', new Uint8Array(3), new Uint8Array(16)));
    expect(e.op).toBe('mapUpdate');
    expect(e.errnoName).toBe('EINVAL');
    expect(e.message).toContain("map 'kv': key must be 4 bytes, got 3");
    e = catchBpf(() => obj.mapUpdate('kv', u32Key(1), new Uint8Array(8)));
    expect(e.message).toContain("map 'kv': value must be 16 bytes, got 8");
    e = catchBpf(() => obj.mapUpdate('counters', u32Key(1), new Uint8Array(native.numPossibleCpus() * 8 + 8)));
    expect(e.message).toContain(`value must be ${native.numPossibleCpus() * 8} bytes (per-CPU`);
    e = catchBpf(() => obj.mapLookup('nope', u32Key(1)));
    expect(e.errnoName).toBe('ENOENT');
    expect(e.message).toContain('has: events, counters, staging, kv');
    expect(obj.mapLookup('counters', u32Key(99))).toBeNull(); // array: index out of range
  });

  it('names the programs it has when one is unknown', () => {
    const e = catchBpf(() => obj.testRun('nope', testFrame(), 1));
    expect(e.errnoName).toBe('ENOENT');
    expect(e.message).toContain('has: fx_tc, fx_tp, fx_tp_btf');
  });

  it('test-runs a program and reports retval and per-run duration', () => {
    const before = sumPerCpu(obj.mapLookup('counters', u32Key(FX_C_SEEN)));
    const r = obj.testRun('fx_tc', testFrame(), 1000);
    expect(r.retval).toBe(0); // TC_ACT_OK
    expect(r.durationNs).toBeGreaterThan(0);
    expect(r.durationNs).toBeLessThan(1_000_000);
    expect(sumPerCpu(obj.mapLookup('counters', u32Key(FX_C_SEEN))) - before).toBe(1000);
    const e = catchBpf(() => obj.testRun('fx_tc', new Uint8Array(4), 1)); // shorter than an Ethernet header
    expect(e.op).toBe('testRun');
    expect(e.errnoName).toBe('EINVAL');
  });

  it('reads program run statistics while stats are enabled', () => {
    const stats = native.enableStats();
    try {
      const before = obj.programStats('fx_tc');
      expect(before.name).toBe('fx_tc');
      expect(before.id).toBeGreaterThan(0);
      obj.testRun('fx_tc', testFrame(), 5000);
      const after = obj.programStats('fx_tc');
      expect(after.runCount - before.runCount).toBe(5000);
      expect(after.runTimeNs).toBeGreaterThan(before.runTimeNs);
    } finally {
      stats.close();
    }
    // stats off (unless another process holds them on): run count stays put
  });

  it('refuses to attach a program of an object that is not loaded', () => {
    const other = native.openObject(fixtureObject);
    try {
      const e = catchBpf(() => other.attachTracepoint('fx_tp', 'net', 'netif_receive_skb'));
      expect(e.message).toContain('not loaded');
    } finally {
      other.close();
    }
    const e = catchBpf(() => other.programs());
    expect(e.errnoName).toBe('EBADF');
    other.close(); // idempotent
  });
});

describe.skipIf(!runBpfTests)('verifier rejection (real BPF)', () => {
  beforeAll(() => buildFixtures());

  it('carries errno and the verifier log tail', () => {
    const bad = native.openObject(badObject);
    try {
      const e = catchBpf(() => bad.load());
      expect(e).toBeInstanceOf(BpfError);
      expect(e.code).toBe('bpf');
      expect(e.op).toBe('load');
      expect(e.errno).toBe(13);
      expect(e.errnoName).toBe('EACCES');
      expect(e.logTail).toContain('invalid access to packet');
      expect(e.logTail).toContain('-- END PROG LOAD LOG --');
      // the message itself says why, without the log statistics line
      expect(e.message).toContain('invalid access to packet');
      expect(e.message).not.toContain('processed ');
    } finally {
      bad.close();
    }
  });
});
