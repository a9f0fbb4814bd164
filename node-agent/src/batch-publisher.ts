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
import { PublishWindow } from './publish-window.js';

/** the default of BatchPublisherOptions.maxUnconfirmedBytes: 128 full envelopes, a third of a second at 3 M records/s (test/bench/README.md) */
export const DEFAULT_MAX_UNCONFIRMED_BYTES = 64 * 1024 ** 2;

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
  /**
   * event bytes handed to NATS and not yet confirmed by the server, at most (publish-window.ts):
   * past it envelopes are dropped and counted (the controller counts them lost by their seq gap)
   */
  maxUnconfirmedBytes?: number;
}

export class BatchPublisher {
  /** records the tracer delivered (all probes) */
  eventsTotal = 0;
  recordsPublished = 0;
  batchesPublished = 0;
  /** batches whose publish threw (the controller counts them as lost) */
  batchPublishFailures = 0;
  /** envelopes, and their records, dropped because NATS had not confirmed the window's worth before them */
  batchesDroppedBacklog = 0;
  recordsDroppedBacklog = 0;
  private readonly gc = new YoungGenerationPacer();
  private readonly window: PublishWindow;
  /** drops since the window last admitted an envelope (one warning per episode) */
  private backlogEpisode = { batches: 0, records: 0 };

  constructor(private readonly o: BatchPublisherOptions) {
    this.window = new PublishWindow(o.nc, o.maxUnconfirmedBytes ?? DEFAULT_MAX_UNCONFIRMED_BYTES);
  }

  /** event bytes published and not yet confirmed by the NATS server */
  get unconfirmedBytes(): number {
    return this.window.unconfirmedBytes;
  }

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
    const firstRecord = box.records;
    box.seq++;
    box.records += n;
    box.lastPublishMs = Date.now();
    if (!this.window.admits(n * RECORD_SIZE + (captures?.byteLength ?? 0))) {
      box.out.discard();
      if (captures !== undefined) box.capturesDropped += captures.byteLength / CAPTURE_SIZE; // said in the next envelope
      this.dropBacklogged(box, n);
      return;
    }
    this.endBacklogEpisode();
    const monoNs = process.hrtime.bigint() + skewNs;
    const realNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
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
      const envelope = box.out.finish(meta, skewNs === 0n ? undefined : (r) => skewRecords(r, skewNs));
      nc.publish(Subjects.events(box.probeId, hostId), envelope);
      this.window.noteSent(envelope.byteLength);
      this.batchesPublished++;
      this.recordsPublished += n;
      this.gc.released(n * RECORD_SIZE);
    } catch (e: unknown) {
      this.batchPublishFailures++;
      this.o.log.warn({ err: e, probeId: box.probeId, seq: box.seq }, 'event publish failed (counted as a lost batch by the controller)');
    }
  }

  /** An envelope that does not fit the window is dropped; its seq and records stay used, so the controller counts exactly these records lost. */
  private dropBacklogged(box: ProbeOutbox, records: number): void {
    this.batchesDroppedBacklog++;
    this.recordsDroppedBacklog += records;
    if (this.backlogEpisode.batches === 0) {
      this.o.log.warn(
        { probeId: box.probeId, seq: box.seq, unconfirmedBytes: this.window.unconfirmedBytes, maxUnconfirmedBytes: this.window.maxBytes },
        'NATS has not confirmed the last event batches: dropping batches (counted lost) until it does, instead of queueing them in memory',
      );
    }
    this.backlogEpisode.batches++;
    this.backlogEpisode.records += records;
  }

  private endBacklogEpisode(): void {
    if (this.backlogEpisode.batches === 0) return;
    this.o.log.warn({ droppedBatches: this.backlogEpisode.batches, droppedRecords: this.backlogEpisode.records }, 'NATS confirms event batches again: publishing resumed');
    this.backlogEpisode = { batches: 0, records: 0 };
  }
}
