/**
 * The event-batch envelope: agent -> controller on Subjects.events(probe, host), msgpack.
 * `records` carries packed 64-byte records (record-layout.ts) untouched; everything else is
 * small metadata. Version 1.
 */
import { Packr } from 'msgpackr';
import { XtraceError } from './errors.js';
import { RECORD_SIZE } from './record-layout.js';

export const ENVELOPE_VERSION = 1;

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
  clock: EnvelopeClock;
  /** kernel counters (ringbuf_full, parse_fail, ...), cumulative since the agent's tracer started, agent-wide */
  counters: Record<string, number>;
  /** packed records, a multiple of RECORD_SIZE bytes */
  records: Buffer;
}

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

export function encodeEnvelope(env: EventEnvelope): Uint8Array {
  return packr.pack({
    v: env.v,
    host: env.host,
    bootId: env.bootId,
    probe: env.probe,
    seq: env.seq,
    clock: { monoNs: env.clock.monoNs, realNs: env.clock.realNs },
    counters: env.counters,
    records: env.records,
  });
}

export class EnvelopeError extends XtraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', `bad event envelope: ${message}`, options);
  }
}

function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new EnvelopeError(`${field}: expected an integer, got ${typeof v}`);
}

/** Decodes and checks an envelope; the records Buffer shares memory with `data`. */
export function decodeEnvelope(data: Uint8Array): EventEnvelope {
  let raw: unknown;
  try {
    raw = packr.unpack(data);
  } catch (e: unknown) {
    throw new EnvelopeError('not msgpack', { cause: e });
  }
  if (typeof raw !== 'object' || raw === null) throw new EnvelopeError('not a map');
  const o = raw as Record<string, unknown>;
  const v = Number(o.v);
  if (v !== ENVELOPE_VERSION) throw new EnvelopeError(`v: unsupported version ${String(o.v)}`);
  for (const f of ['host', 'bootId', 'probe'] as const) {
    if (typeof o[f] !== 'string') throw new EnvelopeError(`${f}: expected a string`);
  }
  const seq = typeof o.seq === 'bigint' ? Number(o.seq) : o.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) throw new EnvelopeError('seq: expected an integer >= 1');
  const clock = o.clock as Record<string, unknown> | undefined;
  if (typeof clock !== 'object' || clock === null) throw new EnvelopeError('clock: expected a map');
  const rec = o.records;
  if (!(rec instanceof Uint8Array)) throw new EnvelopeError('records: expected binary');
  if (rec.byteLength % RECORD_SIZE !== 0) throw new EnvelopeError(`records: ${rec.byteLength} bytes is not a multiple of ${RECORD_SIZE}`);
  const counters: Record<string, number> = {};
  if (typeof o.counters === 'object' && o.counters !== null) {
    for (const [k, val] of Object.entries(o.counters as Record<string, unknown>)) counters[k] = Number(val);
  }
  return {
    v,
    host: o.host as string,
    bootId: o.bootId as string,
    probe: o.probe as string,
    seq,
    clock: { monoNs: toBigInt(clock.monoNs, 'clock.monoNs'), realNs: toBigInt(clock.realNs, 'clock.realNs') },
    counters,
    records: Buffer.isBuffer(rec) ? rec : Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength),
  };
}
