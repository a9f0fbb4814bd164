import type { NatsConnection } from 'nats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CAPTURE_SIZE, CaptureOffset, decodeEnvelope, MAX_PROBE_CAPTURES, type EventEnvelope } from '@xtrace/proto';
import { BatchPublisher, type ProbeOutbox } from './batch-publisher.js';

function publisher(skewNs = 0n): { pub: BatchPublisher; sent: { subject: string; env: EventEnvelope }[] } {
  const sent: { subject: string; env: EventEnvelope }[] = [];
  const nc = { isClosed: () => false, publish: (subject: string, data: Uint8Array) => void sent.push({ subject, env: decodeEnvelope(data) }) } as unknown as NatsConnection;
  const pub = new BatchPublisher({ nc, hostId: 'hv-a', bootId: 'b', log: pino({ level: 'silent' }), maxBatchRecords: 64, idleBatchMs: 1000, skewNs, counters: () => ({}) });
  return { pub, sent };
}

/** n packed captures naming probe slots `mask`, ts 1..n */
function captures(n: number, mask: number): Buffer {
  const b = Buffer.alloc(n * CAPTURE_SIZE);
  for (let i = 0; i < n; i++) {
    b.writeBigUInt64LE(BigInt(i + 1), i * CAPTURE_SIZE + CaptureOffset.tsNs);
    b.writeUInt32LE(mask, i * CAPTURE_SIZE + CaptureOffset.probeMask);
  }
  return b;
}

describe('BatchPublisher captures', () => {
  it('routes each capture to the active slots its probe_mask names and publishes them in the envelope, skewed like records', () => {
    const { pub, sent } = publisher(1000n);
    const boxes = new Map<number, ProbeOutbox>([
      [1, pub.outbox('p1', 0)],
      [2, pub.outbox('p2', 0)],
    ]);
    pub.routeCaptures(captures(3, 0b110 | (1 << 5)), 0b110, (slot) => boxes.get(slot)!);
    for (const box of boxes.values()) pub.flush(box, false);
    expect(sent.map((s) => [s.subject.split('.').slice(-2).join('.'), s.env.captures?.byteLength])).toEqual([
      ['p1.hv-a', 3 * CAPTURE_SIZE],
      ['p2.hv-a', 3 * CAPTURE_SIZE],
    ]);
    expect(sent[0]!.env.captures!.readBigUInt64LE(CaptureOffset.tsNs)).toBe(1001n);
    expect(sent[0]!.env.capturesDropped).toBeUndefined();
  });

  it(`sends at most ${MAX_PROBE_CAPTURES} captures of a probe and counts the rest`, () => {
    const { pub, sent } = publisher();
    const box = pub.outbox('p1', 0);
    pub.routeCaptures(captures(MAX_PROBE_CAPTURES + 25, 1), 1, () => box);
    pub.flush(box, false);
    const total = sent.reduce((n, s) => n + (s.env.captures?.byteLength ?? 0) / CAPTURE_SIZE, 0);
    expect(total).toBe(MAX_PROBE_CAPTURES);
    expect(sent.at(-1)!.env.capturesDropped).toBe(25);
  });
});
