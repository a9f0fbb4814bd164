/**
 * An agent's event publisher against a real nats-server that stalls (SIGSTOP: its TCP connections
 * stay up, the kernel's socket buffers fill): the bytes waiting in the agent stay within the
 * publish window instead of growing by the event rate, the batches past it are dropped and
 * counted, and the controller's sequence accounting (BatchSequence) counts exactly those records
 * lost once the server runs again. With no window (maxUnconfirmedBytes 1 GiB) the same 100 MiB
 * of envelopes held +97 MiB of the process's memory and dropped nothing; with the 4 MiB window,
 * +5 MiB (2026-12-07).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { RECORD_SIZE, RecordOffset, decodeEnvelope, type EventEnvelope } from '@xtrace/proto';
import { BatchPublisher } from '../../node-agent/src/batch-publisher.js';
import { BatchSequence } from '../../controller/src/batch-sequence.js';
import { startNatsServer, type RestartableNatsServer } from './fleet-nats.js';

const MIB = 1024 ** 2;
const WINDOW = 4 * MIB;
const BATCH_RECORDS = 8192; // the agent's envelope: 512 KiB of records
const ENVELOPES = 200; // 100 MiB offered while the server is stalled

let nats: RestartableNatsServer;
let agentNc: NatsConnection;
let controllerNc: NatsConnection;
beforeAll(async () => {
  nats = await startNatsServer();
  agentNc = await nats.connect('agent');
  controllerNc = await nats.connect('controller');
});
afterAll(async () => {
  nats?.resume();
  await agentNc?.close().catch(() => undefined);
  await controllerNc?.close().catch(() => undefined);
  await nats?.stop();
});

/** one tracer batch of `n` records of probe slot 0 */
function batch(n: number): Buffer {
  const b = Buffer.alloc(n * RECORD_SIZE);
  for (let i = 0; i < n; i++) b.writeUInt32LE(1, i * RECORD_SIZE + RecordOffset.probeMask);
  return b;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('event publishing when NATS stalls (real nats-server, SIGSTOP)', () => {
  it('holds at most the publish window in the agent, drops and counts the rest, and the controller counts exactly those records lost', async () => {
    const received: EventEnvelope[] = [];
    const sub = controllerNc.subscribe('xtrace.ev.p1.>', { callback: (_e, m) => void received.push(decodeEnvelope(m.data)) });
    await controllerNc.flush();
    const pub = new BatchPublisher({ nc: agentNc, hostId: 'hv-a', bootId: 'b1', log: pino({ level: 'silent' }), maxBatchRecords: BATCH_RECORDS, idleBatchMs: 60_000, skewNs: 0n, counters: () => ({}), maxUnconfirmedBytes: WINDOW });
    const box = pub.outbox('p1', Date.now());
    const records = batch(BATCH_RECORDS);

    nats.pause();
    const externalBefore = process.memoryUsage().external;
    let peakUnconfirmed = 0;
    for (let i = 0; i < ENVELOPES; i++) {
      pub.route(records, 1, () => box);
      peakUnconfirmed = Math.max(peakUnconfirmed, pub.unconfirmedBytes);
      await turn();
    }
    const heldMiB = (process.memoryUsage().external - externalBefore) / MIB;
    console.log(`stalled: ${ENVELOPES} envelopes offered, ${pub.batchesPublished} published, ${pub.batchesDroppedBacklog} dropped; peak unconfirmed ${(peakUnconfirmed / MIB).toFixed(1)} MiB, external memory +${heldMiB.toFixed(1)} MiB`);
    expect(pub.batchesPublished + pub.batchesDroppedBacklog).toBe(ENVELOPES);
    expect(pub.batchesDroppedBacklog).toBeGreaterThan(ENVELOPES / 2);
    // the window, plus one envelope that may overshoot it
    expect(peakUnconfirmed).toBeLessThanOrEqual(WINDOW + BATCH_RECORDS * RECORD_SIZE + 4096);
    expect(heldMiB).toBeLessThan(3 * WINDOW / MIB);

    nats.resume();
    const droppedBatches = pub.batchesDroppedBacklog;
    const publishedBefore = pub.batchesPublished;
    // publishing resumes as the server confirms: a consumer as fast as the agent loses nothing more
    for (let i = 0; i < 10; i++) {
      await agentNc.flush();
      pub.route(records, 1, () => box);
    }
    await agentNc.flush();
    await controllerNc.flush();
    expect(pub.batchesDroppedBacklog).toBe(droppedBatches);
    expect(pub.batchesPublished).toBe(publishedBefore + 10);
    expect(pub.recordsDroppedBacklog).toBe(droppedBatches * BATCH_RECORDS);
    // the last envelope of a burst is confirmed too, however small: nothing is left counted as out
    pub.route(batch(100), 1, () => box);
    pub.flush(box, false);
    await agentNc.flush();
    expect(pub.unconfirmedBytes).toBe(0);

    await controllerNc.flush();
    expect(received).toHaveLength(pub.batchesPublished);
    const seq = new BatchSequence();
    for (const env of received) seq.accept(env.bootId, env.seq, { first: env.firstRecord!, count: env.records.byteLength / RECORD_SIZE });
    expect(seq.lost).toBe(pub.batchesDroppedBacklog);
    expect(seq.lostRecords).toBe(pub.recordsDroppedBacklog);
    expect(received.reduce((n, env) => n + env.records.byteLength / RECORD_SIZE, 0)).toBe(pub.recordsPublished);
    sub.unsubscribe();
  }, 60_000);
});
