/**
 * Probe history in the JetStream stream `XTRACE_HISTORY`: every interval report and every
 * summary, on subject `xtrace.history.<pairKey>.<probeId>`, kept for max_age/max_bytes.
 * Any controller (or a restarted one) reads what any other wrote.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamClient, type JetStreamManager, type NatsConnection, type StreamConfig } from 'nats';
import { HISTORY_STREAM, HISTORY_SUBJECT_PREFIX, UnreachableError, XtraceError, type HistoryRecord } from '@xtrace/proto';
import { PLACEMENT_WAIT_MS, createWhenPlaceable, decodeJson, encodeJson, isJetStreamUnavailable } from './kv-buckets.js';
import { retryWhile } from '../retry-while.js';
import { StreamScan, fromDelivered, type ScannedMsg } from './stream-scan.js';
import { followSubject } from './jetstream-watch.js';
import { pairKey, subjectToken, type Pair, type ProbeReport } from './probe-report.js';


export interface HistoryOptions {
  /** default 7 days */
  maxAgeMs?: number;
  /** default 1 GiB */
  maxBytes?: number;
  replicas?: number;
}

export type { HistoryRecord } from '@xtrace/proto';

export interface HistoryQuery {
  pair?: Pair;
  probeId?: string;
  /** epoch ms, inclusive */
  since?: number;
  /** epoch ms, inclusive */
  until?: number;
  /** at most this many records (the oldest first) */
  limit?: number;
}

function historySubject(pair: Pair, probeId: string): string {
  return `${HISTORY_SUBJECT_PREFIX}.${pairKey(pair)}.${subjectToken(probeId)}`;
}

function filterSubject(q: { pair?: Pair; probeId?: string }): string {
  const p = q.pair === undefined ? '*' : pairKey(q.pair);
  const id = q.probeId === undefined ? '*' : subjectToken(q.probeId);
  return `${HISTORY_SUBJECT_PREFIX}.${p}.${id}`;
}

/**
 * How long an append that timed out or found no stream leader is tried again (see
 * HistoryStore.append): a cluster that lost a node elects new leaders within seconds.
 */
const APPEND_RETRY_MS = 20_000;
/** How long opening the stream is tried again while JetStream does not answer (kv-buckets.ts waits as long). */
const OPEN_RETRY = { forMs: PLACEMENT_WAIT_MS, firstWaitMs: 250, maxWaitMs: 2000 };

function toRecord(m: ScannedMsg): HistoryRecord {
  return { seq: m.seq, subject: m.subject, storedAt: m.storedAt, report: decodeJson(m.data) as ProbeReport };
}

export class HistoryStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly scan: StreamScan,
  ) {}

  static async open(nc: NatsConnection, opts: HistoryOptions = {}): Promise<HistoryStore> {
    // a cluster that just lost a node answers nothing while it elects leaders: wait that out, as the buckets do
    let jsm: JetStreamManager;
    try {
      jsm = await retryWhile(isJetStreamUnavailable, () => nc.jetstreamManager(), OPEN_RETRY);
    } catch (e: unknown) {
      throw new UnreachableError(`JetStream is not available: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const cfg: Partial<StreamConfig> = {
      name: HISTORY_STREAM,
      subjects: [`${HISTORY_SUBJECT_PREFIX}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.maxAgeMs ?? 7 * 86_400_000),
      max_bytes: opts.maxBytes ?? 1024 ** 3,
      num_replicas: opts.replicas ?? 1,
      duplicate_window: nanos(120_000),
      description: 'xtrace probe reports (interval + summary)',
    };
    try {
      await retryWhile(isJetStreamUnavailable, () => jsm.streams.info(HISTORY_STREAM), OPEN_RETRY);
    } catch (e: unknown) {
      if (!(e instanceof Error && /stream not found/i.test(e.message))) {
        throw new UnreachableError(`cannot look up stream ${HISTORY_STREAM}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      try {
        await createWhenPlaceable(`stream ${HISTORY_STREAM} (${cfg.num_replicas} replicas)`, cfg.num_replicas ?? 1, () => jsm.streams.add(cfg));
      } catch (e2: unknown) {
        // another controller may have created it meanwhile
        if (!(e2 instanceof Error && /already in use/i.test(e2.message))) throw e2;
      }
    }
    return new HistoryStore(nc, nc.jetstream(), await StreamScan.open(nc, HISTORY_STREAM));
  }

  /**
   * Store one report; retries of the same report (same probe, kind and time) are deduplicated,
   * so an append that timed out while the stream had no leader (a cluster node died) is tried
   * again until it is stored once.
   */
  async append(report: ProbeReport): Promise<{ seq: number; duplicate: boolean }> {
    if (typeof report.probeId !== 'string' || report.probeId === '') throw new XtraceError('usage', 'report.probeId is required');
    const subject = historySubject(report.pair, report.probeId);
    const data = encodeJson(report);
    const msgID = `${report.probeId}:${report.kind}:${report.at}`;
    const ack = await retryWhile(isJetStreamUnavailable, () => this.js.publish(subject, data, { msgID }), { forMs: APPEND_RETRY_MS, firstWaitMs: 200, maxWaitMs: 2000 });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Records matching the query, oldest first. */
  async read(q: HistoryQuery = {}): Promise<HistoryRecord[]> {
    const out: HistoryRecord[] = [];
    for await (const r of this.records(q)) out.push(r);
    return out;
  }

  /**
   * The same, one at a time (a long history need not fit in memory); ends after the last record
   * stored when it started. Works while the stream has a leader, also with a cluster node down
   * (see stream-scan.ts).
   */
  async *records(q: HistoryQuery = {}): AsyncGenerator<HistoryRecord> {
    const { first, last, replicasCurrent } = await this.scan.state();
    const from = q.since === undefined ? first : await this.scan.firstAtOrAfter(q.since, first, last);
    let left = q.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    for await (const m of this.scan.messages(filterSubject(q), from, last, replicasCurrent)) {
      const r = toRecord(m);
      if (q.until !== undefined && r.storedAt > q.until) return;
      yield r;
      if (--left <= 0) return;
    }
  }

  /**
   * Follow records from a point in time on (history first, then live), with an ordered
   * consumer delivering by start time (jetstream-watch.ts: also with a cluster node down).
   * Ends when `signal` aborts or the connection closes.
   */
  async *watch(q: { pair?: Pair; probeId?: string; from?: number; signal?: AbortSignal } = {}): AsyncGenerator<HistoryRecord> {
    const sub = await followSubject(this.nc, filterSubject(q), q.from !== undefined ? { atMs: q.from } : 'new');
    const stop = () => sub.unsubscribe();
    if (q.signal?.aborted) stop();
    q.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const m of sub) yield toRecord(fromDelivered(m));
    } finally {
      q.signal?.removeEventListener('abort', stop);
      sub.unsubscribe();
    }
  }
}
