/**
 * The event-batch envelope: agent -> controller on Subjects.events(probe, host), msgpack.
 * `records` carries packed 64-byte records (record-layout.ts) untouched; everything else is
 * small metadata, checked by a valibot schema once per batch. Version 1; `firstRecord` was added
 * later (optional: envelopes of older agents lack it, and decode as before).
 */
import { Packr } from 'msgpackr';
import * as v from 'valibot';
import { XtraceError } from './errors.js';
import { CAPTURE_SIZE } from './capture-layout.js';
import { RECORD_SIZE } from './record-layout.js';
import { objectSchema } from './schema-builders.js';
import { fieldErrors } from './schema-error.js';

export const ENVELOPE_VERSION = 1;

/**
 * Largest envelope a controller decodes (NATS's default max_payload): an agent's biggest batch
 * (8192 records, node-agent/src/agent.ts maxBatchRecords) is about half of it. A larger one is
 * refused before msgpack looks at it.
 */
export const MAX_ENVELOPE_BYTES = 1 << 20;
/** Kernel counters kept of one envelope; the agent sends about ten. */
export const MAX_ENVELOPE_COUNTERS = 256;
/** host, probe (subject tokens) and boot id (a UUID): longer is garbage */
const MAX_ENVELOPE_ID_CHARS = 128;

export interface EnvelopeClock {
  /** CLOCK_MONOTONIC (the clock of record ts) at batch send, ns */
  monoNs: bigint;
  /** CLOCK_REALTIME at the same moment, ns since the epoch */
  realNs: bigint;
}

export interface EventEnvelope {
  v: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id: monotonic clocks of different boots do not compare */
  bootId: string;
  probe: string;
  /** per (host, probe) batch sequence, starting at 1 with no gaps on the sending side */
  seq: number;
  /**
   * Index of this batch's first record in the (host, probe) stream: the records the agent
   * published for the probe before it, from 0. A seq gap then tells how many records were lost
   * (controller/src/batch-sequence.ts). Absent from older agents' envelopes.
   */
  firstRecord?: number;
  clock: EnvelopeClock;
  /** kernel counters (ringbuf_full, parse_fail, ...), cumulative since the agent's tracer started, agent-wide */
  counters: Record<string, number>;
  /**
   * Packet captures of a probe that asked for them (`xtrace pair --pcap`): packed captures
   * (capture-layout.ts), a multiple of CAPTURE_SIZE bytes. Absent otherwise (and from older agents).
   */
  captures?: Buffer;
  /** captures of this probe the agent did not send (past MAX_PROBE_CAPTURES), cumulative; absent: none */
  capturesDropped?: number;
  /** packed records, a multiple of RECORD_SIZE bytes */
  records: Buffer;
}

/** Captures one envelope carries at most (160 KiB; its records take up to 512 KiB of MAX_ENVELOPE_BYTES). */
export const MAX_ENVELOPE_CAPTURES = 1024;

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

export function encodeEnvelope(env: EventEnvelope): Uint8Array {
  return packr.pack({
    v: env.v,
    host: env.host,
    bootId: env.bootId,
    probe: env.probe,
    seq: env.seq,
    ...(env.firstRecord !== undefined ? { firstRecord: env.firstRecord } : {}),
    clock: { monoNs: env.clock.monoNs, realNs: env.clock.realNs },
    counters: env.counters,
    ...(env.captures !== undefined ? { captures: env.captures } : {}),
    ...(env.capturesDropped !== undefined ? { capturesDropped: env.capturesDropped } : {}),
    records: env.records,
  });
}

export class EnvelopeError extends XtraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', `bad event envelope: ${message}`, options);
  }
}

/** msgpackr decodes an integer as a number, or as a bigint past 32 bits (int64AsType) */
const int64 = v.pipe(
  v.custom<number | bigint>((x) => typeof x === 'bigint' || Number.isSafeInteger(x), (issue) => `expected an integer, got ${typeof issue.input}`),
  v.transform((x) => BigInt(x)),
);

/**
 * Cumulative kernel counters, as numbers (a large one arrives as a bigint); a sender without
 * them reports none. Not a v.record: that costs ~0.4 us more per batch (test/bench/envelope-decode.ts).
 */
function toCounters(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  let n = 0;
  for (const [k, x] of Object.entries(raw)) {
    // only numbers count: garbage is left out, and so is everything past MAX_ENVELOPE_COUNTERS
    if (typeof x !== 'number' && typeof x !== 'bigint') continue;
    if (++n > MAX_ENVELOPE_COUNTERS) break;
    out[k] = Number(x);
  }
  return out;
}

/** an integer >= min up to MAX_SAFE_INTEGER (msgpackr decodes one past 32 bits as a bigint) */
function countFrom(min: number) {
  return v.pipe(
    v.custom<number | bigint>((x) => (typeof x === 'bigint' ? x <= Number.MAX_SAFE_INTEGER : Number.isSafeInteger(x)) && (x as number | bigint) >= min, `expected an integer >= ${min}`),
    v.transform(Number),
  );
}

// The checks below are one step each, with the message of what failed: a type step and a bound step per field made a
// decode ~0.25 us slower (test/bench/envelope-decode.ts).

const idString = v.custom<string>(
  (x) => typeof x === 'string' && x.length <= MAX_ENVELOPE_ID_CHARS,
  (issue) => (typeof issue.input === 'string' ? `expected at most ${MAX_ENVELOPE_ID_CHARS} characters` : 'expected a string'),
);

/** packed records or captures: binary, a multiple of `size` bytes */
function packed(size: number) {
  return v.custom<Uint8Array>(
    (x) => x instanceof Uint8Array && x.byteLength % size === 0,
    (issue) => (issue.input instanceof Uint8Array ? `${issue.input.byteLength} bytes is not a multiple of ${size}` : 'expected binary'),
  );
}

/**
 * The envelope's header, checked once per batch. `records` is only checked for its length and
 * handed on as it is (no copy, no look at single records: record-layout.ts decodes them later).
 */
const envelopeSchema = objectSchema(
  {
    v: v.literal(ENVELOPE_VERSION, (issue) => `unsupported version ${String(issue.input)}`),
    host: idString,
    bootId: idString,
    probe: idString,
    seq: countFrom(1),
    firstRecord: v.optional(countFrom(0)),
    clock: objectSchema({ monoNs: int64, realNs: int64 }, 'expected a map'),
    counters: v.pipe(v.unknown(), v.transform(toCounters)),
    captures: v.optional(packed(CAPTURE_SIZE)),
    capturesDropped: v.optional(countFrom(0)),
    records: packed(RECORD_SIZE),
  },
  'not a map',
);

/**
 * Decodes and checks an envelope; the records Buffer shares memory with `data`. Throws an
 * EnvelopeError naming the bad field, or saying it is too large (MAX_ENVELOPE_BYTES) or not msgpack.
 */
export function decodeEnvelope(data: Uint8Array): EventEnvelope {
  if (data.byteLength > MAX_ENVELOPE_BYTES) throw new EnvelopeError(`${data.byteLength} bytes is more than ${MAX_ENVELOPE_BYTES}`);
  let raw: unknown;
  try {
    raw = packr.unpack(data);
  } catch (e: unknown) {
    throw new EnvelopeError('not msgpack', { cause: e });
  }
  const r = v.safeParse(envelopeSchema, raw);
  if (!r.success) {
    const first = fieldErrors(r.issues, '', '')[0]!;
    throw new EnvelopeError(first.field === '' ? first.message : `${first.field}: ${first.message}`, { cause: new v.ValiError(r.issues) });
  }
  const o = r.output;
  const rec = o.records;
  const cap = o.captures;
  return {
    v: o.v,
    host: o.host,
    bootId: o.bootId,
    probe: o.probe,
    seq: o.seq,
    ...(o.firstRecord !== undefined ? { firstRecord: o.firstRecord } : {}),
    clock: o.clock,
    counters: o.counters,
    ...(cap !== undefined ? { captures: Buffer.isBuffer(cap) ? cap : Buffer.from(cap.buffer, cap.byteOffset, cap.byteLength) } : {}),
    ...(o.capturesDropped !== undefined ? { capturesDropped: o.capturesDropped } : {}),
    records: Buffer.isBuffer(rec) ? rec : Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength),
  };
}
