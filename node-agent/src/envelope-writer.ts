/**
 * Writes event envelopes (proto/src/envelope.ts, msgpack) with one copy of the records:
 * encodeEnvelope would need a probe's batches concatenated first (a copy) and then copies them
 * again into msgpack's buffer. The bytes are exactly encodeEnvelope's (tested): the metadata map
 * msgpackr writes, with the `records` entry appended as a bin of the records.
 */
import { Packr } from 'msgpackr';
import { encodeEnvelope, RECORD_SIZE, type EventEnvelope } from '@xtrace/proto';

// the envelope's msgpack options (proto/src/envelope.ts)
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });
const RECORDS_KEY = Buffer.from([0xa7, ...Buffer.from('records')]); // fixstr "records"

function binHeader(len: number): Buffer {
  if (len < 0x100) return Buffer.from([0xc4, len]);
  if (len < 0x10000) return Buffer.from([0xc5, len >> 8, len & 0xff]);
  const h = Buffer.alloc(5);
  h[0] = 0xc6;
  h.writeUInt32BE(len, 1);
  return h;
}

/** The envelope's fields but its records, as msgpack (a map16 of 7 to 10 keys: the records key is added after). */
function packHead(meta: Omit<EventEnvelope, 'records'>): Buffer {
  return packr.pack({
    v: meta.v,
    host: meta.host,
    bootId: meta.bootId,
    probe: meta.probe,
    seq: meta.seq,
    ...(meta.firstRecord !== undefined ? { firstRecord: meta.firstRecord } : {}),
    clock: { monoNs: meta.clock.monoNs, realNs: meta.clock.realNs },
    counters: meta.counters,
    ...(meta.captures !== undefined ? { captures: meta.captures } : {}),
    ...(meta.capturesDropped !== undefined ? { capturesDropped: meta.capturesDropped } : {}),
  });
}

/** msgpackr writes objects as map16: de 00 <n>; the records entry then makes it n + 1 */
function isMap16Head(head: Buffer): boolean {
  return head[0] === 0xde && head[1] === 0x00 && head[2] !== undefined && head[2] < 0xff;
}

/**
 * The envelope of `meta` with `parts` (packed records) as its records. `edit`, if given, may
 * change the records in the output (e.g. shift timestamps) without touching `parts`.
 */
export function writeEnvelope(meta: Omit<EventEnvelope, 'records'>, parts: Buffer[], edit?: (records: Buffer) => void): Uint8Array {
  const head = packHead(meta);
  let total = 0;
  for (const p of parts) total += p.byteLength;
  // anything but a map16: the plain (two-copy) way
  if (!isMap16Head(head)) {
    const records = Buffer.concat(parts, total);
    edit?.(records);
    return encodeEnvelope({ ...meta, records });
  }
  const bin = binHeader(total);
  const out = Buffer.allocUnsafe(head.byteLength + RECORDS_KEY.byteLength + bin.byteLength + total);
  out.set(head, 0);
  let at = head.byteLength;
  out[2] = head[2]! + 1; // one more entry: records
  at += RECORDS_KEY.copy(out, at);
  at += bin.copy(out, at);
  const recordsAt = at;
  for (const p of parts) at += p.copy(out, at);
  edit?.(out.subarray(recordsAt, at));
  return out;
}

/** room in front of the records for the envelope's metadata (a few hundred bytes in practice) */
const HEAD_ROOM = 2048;

/**
 * One probe's next envelope, filled as batches arrive: records are copied once, into the buffer
 * that is then published (behind the metadata written in front of them at finish()). The
 * tracer's batches can be lent (valid during the callback only): nothing here keeps them.
 */
export class EnvelopeBuilder {
  private buf: Buffer | undefined;
  private used = 0;

  constructor(readonly capacityRecords: number) {}

  get records(): number {
    return this.used / RECORD_SIZE;
  }

  get full(): boolean {
    return this.used >= this.capacityRecords * RECORD_SIZE;
  }

  /** Copies records of `src` from byte `from` as long as they fit; returns the bytes taken. */
  append(src: Buffer, from = 0): number {
    if (from >= src.byteLength) return 0;
    this.buf ??= Buffer.allocUnsafe(HEAD_ROOM + this.capacityRecords * RECORD_SIZE);
    const take = Math.min(src.byteLength - from, this.capacityRecords * RECORD_SIZE - this.used);
    src.copy(this.buf, HEAD_ROOM + this.used, from, from + take);
    this.used += take;
    return take;
  }

  /** Drops the records appended so far; the builder starts over empty (its buffer is reused). */
  discard(): void {
    this.used = 0;
  }

  /** The envelope of `meta` with the records appended so far; the builder starts over empty. */
  finish(meta: Omit<EventEnvelope, 'records'>, edit?: (records: Buffer) => void): Uint8Array {
    const buf = this.buf;
    const used = this.used;
    this.buf = undefined;
    this.used = 0;
    if (buf === undefined) return writeEnvelope(meta, [], edit);
    const records = buf.subarray(HEAD_ROOM, HEAD_ROOM + used);
    edit?.(records);
    const head = packHead(meta);
    const bin = binHeader(used);
    const front = head.byteLength + RECORDS_KEY.byteLength + bin.byteLength;
    if (front > HEAD_ROOM || !isMap16Head(head)) return writeEnvelope(meta, [records]);
    let at = HEAD_ROOM - front;
    buf.set(head, at);
    buf[at + 2] = head[2]! + 1; // one more entry: records
    at += head.byteLength;
    at += RECORDS_KEY.copy(buf, at);
    bin.copy(buf, at);
    return buf.subarray(HEAD_ROOM - front, HEAD_ROOM + used);
  }
}
