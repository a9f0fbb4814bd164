/**
 * Reading a range of a stream's stored messages, in order, on a cluster that may have lost a
 * node.
 *
 * The fast way is an ephemeral pull consumer fetched in batches (5,000 reports in ~0.1 s on
 * loopback). But with one node of a cluster down, nats-server 2.9 still places about one
 * ephemeral consumer in three on the dead node, and its creation hangs until the request times
 * out (measured on a 3-node cluster: reads of 5, 10 or 15 s for over a minute after the kill;
 * test/integration/cluster-reads-node-down.test.ts). So:
 * - while every replica of the stream is current and heard from, a consumer, created with a
 *   short timeout;
 * - otherwise, or when that consumer cannot be made or stops delivering, message gets from where
 *   it stopped: one STREAM.MSG.GET per message, "the next message on or after sequence N on this
 *   subject" (`next_by_subj`, nats-server 2.9+), answered by the stream's leader alone (~0.2 ms a
 *   message on loopback, ten times the consumer's cost, but it needs only a leader).
 */
import { AckPolicy, DeliverPolicy, ErrorCode, nanos, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection, type StoredMsg } from 'nats';
import { retryWhile, type RetryWindow } from '../retry-while.js';
import { CONSUMER_CREATE_TIMEOUT_MS, isJetStreamUnavailable, jetStreamErrorCode } from './kv-buckets.js';

/** One stored message, read either way. */
export interface ScannedMsg {
  seq: number;
  subject: string;
  /** when the stream stored it, epoch ms */
  storedAt: number;
  data: Uint8Array;
}

/** JetStream error code for "no message found" (JSNoMessageFoundErr). */
const JS_NO_MESSAGE_FOUND = 10037;
/** How long one get is tried again while the stream has no leader (a node just died). */
const GET_RETRY: RetryWindow = { forMs: 20_000, firstWaitMs: 200, maxWaitMs: 2000 };
/**
 * A replica the leader has not heard from for this long is taken as down. nats-server 2.9 still
 * calls a killed follower "current" for many seconds; what shows it is its silence (`active`,
 * which stays below ~1 s for live replicas of an idle stream).
 */
const REPLICA_SILENT_MS = 2000;
const FETCH_BATCH = 256;
const FETCH_EXPIRES_MS = 5000;

/** a request that timed out or found nobody to answer (or no JetStream yet): the stream is electing a leader, or a node is gone */
function isUnanswered(e: unknown): boolean {
  return isJetStreamUnavailable(e) || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === ErrorCode.JetStreamNotEnabled);
}

/** The consumer stopped delivering before the range's end; the gets take over. */
class ConsumerStalled extends Error {}

function fromStored(m: StoredMsg): ScannedMsg {
  return { seq: m.seq, subject: m.subject, storedAt: m.time.getTime(), data: m.data };
}

/** A message a consumer delivered, as a scanned one. */
export function fromDelivered(m: JsMsg): ScannedMsg {
  return { seq: m.seq, subject: m.subject, storedAt: Math.floor(m.info.timestampNanos / 1e6), data: m.data };
}

export class StreamScan {
  private constructor(
    private readonly stream: string,
    /**
     * Every request of a scan (stream info, gets, the consumer) times out after
     * CONSUMER_CREATE_TIMEOUT_MS and is tried again: answers take ~1 ms, and no answer means a
     * consumer placed on a dead node or a stream electing its leader. With the client's 5 s, a
     * list right after a node's death waited 5 s for a bucket whose stream was still electing
     * (1 of 8 runs of cluster-reads-node-down beside a CPU hog; 0 of 8 since).
     */
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
  ) {}

  static async open(nc: NatsConnection, stream: string): Promise<StreamScan> {
    return new StreamScan(stream, await nc.jetstreamManager({ timeout: CONSUMER_CREATE_TIMEOUT_MS, checkAPI: false }), nc.jetstream());
  }

  /** The stream's first and last sequence now (first > last when empty), and whether every replica is current. */
  async state(): Promise<{ first: number; last: number; replicasCurrent: boolean }> {
    const info = await retryWhile(isUnanswered, () => this.jsm.streams.info(this.stream), GET_RETRY);
    const replicas = info.cluster?.replicas ?? [];
    const heard = (r: (typeof replicas)[number]): boolean => r.current && r.offline !== true && r.active / 1e6 < REPLICA_SILENT_MS;
    return { first: info.state.first_seq, last: info.state.last_seq, replicasCurrent: replicas.every(heard) };
  }

  /** The first message at or after `seq` on a subject matching `subject`, or undefined. */
  async next(seq: number, subject: string): Promise<StoredMsg | undefined> {
    try {
      // MsgRequest's type lacks next_by_subj; the API takes it (nats-server 2.9+)
      return await retryWhile(isUnanswered, () => this.jsm.streams.getMessage(this.stream, { seq, next_by_subj: subject } as unknown as number), GET_RETRY);
    } catch (e: unknown) {
      if (jetStreamErrorCode(e) === JS_NO_MESSAGE_FOUND) return undefined;
      throw e;
    }
  }

  /**
   * The lowest sequence whose message was stored at or after `epochMs` (the stream stores in
   * time order), by bisection: about log2(messages) gets.
   */
  async firstAtOrAfter(epochMs: number, first: number, last: number): Promise<number> {
    let lo = first;
    let hi = last + 1;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const m = await this.next(mid, '>');
      if (m === undefined || m.seq > last || m.time.getTime() >= epochMs) hi = mid;
      else lo = m.seq + 1;
    }
    return lo;
  }

  /**
   * Every message on `subject` from sequence `from` through `to`, in order: by a consumer when
   * `useConsumer` (every replica current), by gets from wherever it stopped otherwise.
   */
  async *messages(subject: string, from: number, to: number, useConsumer: boolean): AsyncGenerator<ScannedMsg> {
    let seq = Math.max(from, 1); // an empty stream says first_seq 0
    if (useConsumer && seq <= to) {
      try {
        for await (const m of this.byConsumer(subject, seq, to)) {
          yield m;
          seq = m.seq + 1;
        }
        return;
      } catch (e: unknown) {
        if (!(e instanceof ConsumerStalled) && !isUnanswered(e)) throw e;
      }
    }
    while (seq <= to) {
      const m = await this.next(seq, subject);
      if (m === undefined || m.seq > to) return;
      yield fromStored(m);
      seq = m.seq + 1;
    }
  }

  private async *byConsumer(subject: string, from: number, to: number): AsyncGenerator<ScannedMsg> {
    const ci = await this.jsm.consumers.add(this.stream, {
      filter_subject: subject,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      inactive_threshold: nanos(30_000),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    try {
      const consumer = await this.js.consumers.get(this.stream, ci.name);
      let pending = ci.num_pending;
      while (pending > 0) {
        const batch = await consumer.fetch({ max_messages: Math.min(FETCH_BATCH, pending), expires: FETCH_EXPIRES_MS });
        let got = 0;
        for await (const m of batch) {
          got++;
          pending = m.info.pending;
          if (m.seq > to) return;
          yield fromDelivered(m);
          if (pending === 0) break;
        }
        if (got === 0) throw new ConsumerStalled(`consumer ${ci.name} delivered nothing with ${pending} pending`);
      }
    } finally {
      await this.jsm.consumers.delete(this.stream, ci.name).catch(() => undefined);
    }
  }
}
