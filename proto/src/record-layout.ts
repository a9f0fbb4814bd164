/**
 * The fixed 64-byte record the BPF programs write into the ring buffer, as read from
 * a Buffer without building one object per record. The C twin is
 * bpf/include/xtrace_abi.h (struct xt_record); test/abi checks they agree.
 */
export const RECORD_SIZE = 64;

/**
 * Probe slots per agent: one bit each in a record's probe_mask (a u32). The C twin is
 * XT_MAX_PROBES in bpf/include/xtrace_abi.h; bpf/test/abi.test.ts checks they agree.
 */
export const MAX_PROBES = 32;

export const RecordOffset = {
  tsNs: 0,
  pktId: 8,
  netns: 16,
  ifindex: 20,
  len: 24,
  dropReason: 28,
  probeMask: 32,
  stage: 36,
  hook: 38,
  flags: 39,
  sport: 40,
  dport: 42,
  proto: 44,
  flowHash: 48,
  seq: 52,
  dropLocation: 56,
} as const;

export const RecordFlag = {
  reverse: 1 << 0,
  tunnel: 1 << 1,
  ipv6: 1 << 2,
} as const;

/** A decoded record: for tests, tools and slow paths only. Hot paths read fields in place. */
export interface DecodedRecord {
  tsNs: bigint;
  pktId: bigint;
  netns: number;
  ifindex: number;
  len: number;
  dropReason: number;
  probeMask: number;
  stage: number;
  hook: number;
  flags: number;
  sport: number;
  dport: number;
  proto: number;
  flowHash: number;
  seq: number;
  dropLocation: bigint;
}

function recordCount(batch: Uint8Array): number {
  return Math.floor(batch.byteLength / RECORD_SIZE);
}

function decodeRecord(batch: Uint8Array, index: number): DecodedRecord {
  const view = new DataView(batch.buffer, batch.byteOffset + index * RECORD_SIZE, RECORD_SIZE);
  const o = RecordOffset;
  return {
    tsNs: view.getBigUint64(o.tsNs, true),
    pktId: view.getBigUint64(o.pktId, true),
    netns: view.getUint32(o.netns, true),
    ifindex: view.getUint32(o.ifindex, true),
    len: view.getUint32(o.len, true),
    dropReason: view.getUint32(o.dropReason, true),
    probeMask: view.getUint32(o.probeMask, true),
    stage: view.getUint16(o.stage, true),
    hook: view.getUint8(o.hook),
    flags: view.getUint8(o.flags),
    sport: view.getUint16(o.sport, true),
    dport: view.getUint16(o.dport, true),
    proto: view.getUint8(o.proto),
    flowHash: view.getUint32(o.flowHash, true),
    seq: view.getUint32(o.seq, true),
    dropLocation: view.getBigUint64(o.dropLocation, true),
  };
}

export function decodeRecords(batch: Uint8Array): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  for (let i = 0; i < recordCount(batch); i++) out.push(decodeRecord(batch, i));
  return out;
}

/** Writes a record (tests, generators, benchmarks). Missing fields are zero. */
export function encodeRecord(target: Uint8Array, index: number, r: Partial<DecodedRecord>): void {
  const view = new DataView(target.buffer, target.byteOffset + index * RECORD_SIZE, RECORD_SIZE);
  const o = RecordOffset;
  view.setBigUint64(o.tsNs, r.tsNs ?? 0n, true);
  view.setBigUint64(o.pktId, r.pktId ?? 0n, true);
  view.setUint32(o.netns, r.netns ?? 0, true);
  view.setUint32(o.ifindex, r.ifindex ?? 0, true);
  view.setUint32(o.len, r.len ?? 0, true);
  view.setUint32(o.dropReason, r.dropReason ?? 0, true);
  view.setUint32(o.probeMask, r.probeMask ?? 0, true);
  view.setUint16(o.stage, r.stage ?? 0, true);
  view.setUint8(o.hook, r.hook ?? 0);
  view.setUint8(o.flags, r.flags ?? 0);
  view.setUint16(o.sport, r.sport ?? 0, true);
  view.setUint16(o.dport, r.dport ?? 0, true);
  view.setUint8(o.proto, r.proto ?? 0);
  view.setUint32(o.flowHash, r.flowHash ?? 0, true);
  view.setUint32(o.seq, r.seq ?? 0, true);
  view.setBigUint64(o.dropLocation, r.dropLocation ?? 0n, true);
}

export function encodeRecords(records: Partial<DecodedRecord>[]): Buffer {
  const out = Buffer.alloc(records.length * RECORD_SIZE);
  records.forEach((r, i) => encodeRecord(out, i, r));
  return out;
}
