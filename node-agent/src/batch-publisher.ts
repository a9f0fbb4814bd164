/**
 * Publishes each probe's records as event envelopes on Subjects.events: records are routed by
 * probe slot into the probe's outbox as the tracer delivers them and go out when the outbox is
 * full, on flush(), or as an empty batch (clock pair + counters) when the probe was idle.
 */
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { CAPTURE_SIZE, ENVELOPE_VERSION, MAX_ENVELOPE_CAPTURES, MAX_PROBE_CAPTURES, RECORD_SIZE, Subjects } from '@xtrace/proto';
import { forEachCaptureSlot, skewRecords, splitBySlot } from './batch-split.js';
import { EnvelopeBuilder } from './envelope-writer.js';
import { YoungGenerationPacer } from './gc-tuning.js';

/** One probe's outgoing stream: the next envelope and what went out so far. */
export class ProbeOutbox {
  /** the next envelope, records copied in as batches arrive (the tracer's batches are lent) */
  readonly out: EnvelopeBuilder;
  /** envelopes published (the last seq) */
  seq = 0;
  records = 0;
  lastPublishMs: number;
  /** packet captures for the next envelope (copies: the tracer's are lent), at most MAX_ENVELOPE_CAPTURES */
  captures: Buffer[] = [];
  /** captures routed here so far; past MAX_PROBE_CAPTURES they are counted in capturesDropped, not sent */
  capturesTaken = 0;
  capturesDropped = 0;

  constructor(
    readonly probeId: string,
    maxRecords: number,
    now: number,
  ) {
    this.out = new EnvelopeBuilder(maxRecords);
    this.lastPublishMs = now;
  }
}

interface BatchPublisherOptions {
  nc: NatsConnection;
  hostId: string;
  bootId: string;
  log: pino.Logger;
  /** an outbox holding this many records is published */
  maxBatchRecords: number;
  /** publish an empty batch when a probe had none for this long */
  idleBatchMs: number;
  /** TEST ONLY: added to every record's and the clock pair's monotonic time */
  skewNs: bigint;
  /** the kernel counters each envelope carries */
  counters: () => Record<string, number>;
}

export class BatchPublisher {
  /** records the tracer delivered (all probes) */
  eventsTotal = 0;
  recordsPublished = 0;
  batchesPublished = 0;
  /** batches whose publish threw (the controller counts them as lost) */
  batchPublishFailures = 0;
  private readonly gc = new YoungGenerationPacer();

  constructor(private readonly o: BatchPublisherOptions) {}

  outbox(probeId: string, now: number): ProbeOutbox {
    return new ProbeOutbox(probeId, this.o.maxBatchRecords, now);
  }

  /** Copies a tracer batch's records into the outboxes of the slots in `activeMask`, publishing those that fill up. */
  route(records: Buffer, activeMask: number, outboxOfSlot: (slot: number) => ProbeOutbox): void {
    this.eventsTotal += records.byteLength / RECORD_SIZE;
    if (activeMask === 0) return;
    for (const [slot, buf] of splitBySlot(records, activeMask)) {
      const box = outboxOfSlot(slot);
      for (let from = 0; from < buf.byteLength; ) {
        from += box.out.append(buf, from);
        if (box.out.full) {
          this.flush(box, false);
          if (box.out.full) break; // NATS closed: nothing can go out any more
        }
      }
    }
  }

  /** Copies each capture into the outboxes of the slots its probe_mask names, publishing those that fill up. */
  routeCaptures(captures: Buffer, activeMask: number, outboxOfSlot: (slot: number) => ProbeOutbox): void {
    if (activeMask === 0) return;
    forEachCaptureSlot(captures, activeMask, (slot, capture) => {
      const box = outboxOfSlot(slot);
      if (box.capturesTaken >= MAX_PROBE_CAPTURES) {
        box.capturesDropped++;
        return;
      }
      box.capturesTaken++;
      box.captures.push(Buffer.from(capture));
      if (box.captures.length >= MAX_ENVELOPE_CAPTURES) this.flush(box, false);
    });
  }

  /** The periodic flush: what is pending, or an empty batch when the probe was idle long enough. */
  tick(box: ProbeOutbox, now: number): void {
    if (box.out.records > 0 || box.captures.length > 0 || now - box.lastPublishMs >= this.o.idleBatchMs) this.flush(box, true);
  }

  /** Publishes what the outbox holds; with `allowEmpty`, also an envelope with no records. */
  flush(box: ProbeOutbox, allowEmpty: boolean): void {
    const n = box.out.records;
    if (n === 0 && box.captures.length === 0 && !allowEmpty) return;
    const { nc, hostId, bootId, skewNs } = this.o;
    if (nc.isClosed()) return;
    let captures: Buffer | undefined;
    if (box.captures.length > 0) {
      captures = Buffer.concat(box.captures, box.captures.length * CAPTURE_SIZE);
      box.captures = [];
      skewRecords(captures, skewNs, CAPTURE_SIZE);
    }
    const monoNs = process.hrtime.bigint() + skewNs;
    const realNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    const firstRecord = box.records;
    box.seq++;
    box.records += n;
    box.lastPublishMs = Date.now();
    try {
      const meta = {
        v: ENVELOPE_VERSION,
        host: hostId,
        bootId,
        probe: box.probeId,
        seq: box.seq,
        firstRecord,
        clock: { monoNs, realNs },
        counters: this.o.counters(),
        ...(captures !== undefined ? { captures } : {}),
        ...(box.capturesDropped > 0 ? { capturesDropped: box.capturesDropped } : {}),
      };
      nc.publish(Subjects.events(box.probeId, hostId), box.out.finish(meta, skewNs === 0n ? undefined : (r) => skewRecords(r, skewNs)));
      this.batchesPublished++;
      this.recordsPublished += n;
      this.gc.released(n * RECORD_SIZE);
    } catch (e: unknown) {
      this.batchPublishFailures++;
      this.o.log.warn({ err: e, probeId: box.probeId, seq: box.seq }, 'event publish failed (counted as a lost batch by the controller)');
    }
  }
}
