/**
 * Probe history in the JetStream stream `XTRACE_HISTORY`: every interval report and every
 * summary, on subject `xtrace.history.<pairKey>.<probeId>`, kept for max_age/max_bytes.
 * Any controller (or a restarted one) reads what any other wrote.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, millis, nanos, type JetStreamClient, type JetStreamManager, type NatsConnection, type StreamConfig } from 'nats';
import { HISTORY_STREAM, HISTORY_SUBJECT_PREFIX, UnreachableError, UsageError, XtraceError, errorMessage, type HistoryRecord } from '@xtrace/proto';
import { PLACEMENT_WAIT_MS, createWhenPlaceable, decodeJson, encodeJson, isJetStreamUnavailable, jetStreamErrorCode } from './kv-buckets.js';
import { retryWhile } from '../retry-while.js';
import { StreamScan, fromDelivered, type ScannedMsg } from './stream-scan.js';
import { followSubject } from './jetstream-watch.js';
import { pairKey, subjectToken, type Pair, type ProbeReport } from './probe-report.js';


export interface HistoryOptions {
  /** default 7 days; applies when this controller creates the stream */
  maxAgeMs?: number;
  /**
   * The stream's size limit when this controller creates it (the controller's
   * --history-max-bytes). A server that cannot reserve it refuses with a UsageError naming that
   * flag. Absent: DEFAULT_HISTORY_MAX_BYTES, halved down to MIN_HISTORY_MAX_BYTES while the
   * server cannot reserve it (a small host's nats-server), and `limits.sizedDownFrom` says so.
   */
  maxBytes?: number;
  replicas?: number;
}

export const DEFAULT_HISTORY_MAX_BYTES = 1024 ** 3;
/** the smallest history stream a controller sizes itself down to */
export const MIN_HISTORY_MAX_BYTES = 16 * 1024 ** 2;
/** JetStream's "insufficient storage resources available": the server cannot reserve max_bytes */
const JS_INSUFFICIENT_RESOURCES = 10047;

function isInsufficientResources(e: unknown): boolean {
  if (jetStreamErrorCode(e) === JS_INSUFFICIENT_RESOURCES) return true;
  return e instanceof Error && /insufficient (storage )?resources/i.test(e.message);
}

const MIB = 1024 ** 2;
export function mib(bytes: number): string {
  return `${Math.round((bytes / MIB) * 10) / 10} MiB`;
}

/** The stream as this controller found or made it. */
export interface HistoryStreamLimits {
  maxBytes: number;
  maxAgeMs: number;
  /** true when this controller created the stream */
  created: boolean;
  /** the size asked for when the server could only reserve a smaller one (no size was given) */
  sizedDownFrom?: number;
}

/** The limits of a stream that was there already (made by another controller, or earlier). */
function foundLimits(cfg: StreamConfig): HistoryStreamLimits {
  return { maxBytes: cfg.max_bytes, maxAgeMs: millis(cfg.max_age), created: false };
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
    /** the stream's limits as found or created at open */
    readonly limits: HistoryStreamLimits,
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
      max_bytes: opts.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES,
      num_replicas: opts.replicas ?? 1,
      duplicate_window: nanos(120_000),
      description: 'xtrace probe reports (interval + summary)',
    };
    let limits: HistoryStreamLimits;
    try {
      limits = foundLimits((await retryWhile(isJetStreamUnavailable, () => jsm.streams.info(HISTORY_STREAM), OPEN_RETRY)).config);
    } catch (e: unknown) {
      if (!(e instanceof Error && /stream not found/i.test(e.message))) {
        throw new UnreachableError(`cannot look up stream ${HISTORY_STREAM}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      limits = await HistoryStore.create(jsm, cfg, opts.maxBytes !== undefined);
    }
    return new HistoryStore(nc, nc.jetstream(), await StreamScan.open(nc, HISTORY_STREAM), limits);
  }

  /**
   * Creates the stream; when the server cannot reserve its size and none was given, tries half
   * the size down to MIN_HISTORY_MAX_BYTES. Another controller creating it meanwhile is fine.
   */
  private static async create(jsm: JetStreamManager, cfg: Partial<StreamConfig>, sizeGiven: boolean): Promise<HistoryStreamLimits> {
    const asked = cfg.max_bytes ?? DEFAULT_HISTORY_MAX_BYTES;
    const maxAgeMs = millis(cfg.max_age ?? 0);
    for (let maxBytes = asked; ; maxBytes = Math.floor(maxBytes / 2)) {
      try {
        await createWhenPlaceable(`stream ${HISTORY_STREAM} (${cfg.num_replicas} replicas)`, cfg.num_replicas ?? 1, () => jsm.streams.add({ ...cfg, max_bytes: maxBytes }));
        return { maxBytes, maxAgeMs, created: true, ...(maxBytes !== asked ? { sizedDownFrom: asked } : {}) };
      } catch (e: unknown) {
        if (e instanceof Error && /already in use/i.test(e.message)) {
          return foundLimits((await jsm.streams.info(HISTORY_STREAM)).config);
        }
        if (!isInsufficientResources(e)) throw e;
        const replicas = cfg.num_replicas ?? 1;
        const where = `the NATS server${replicas > 1 ? `s (${replicas} replicas)` : ''} cannot reserve ${mib(maxBytes)} of JetStream file storage for the history stream ${HISTORY_STREAM} (${errorMessage(e)})`;
        if (sizeGiven) {
          throw new UsageError('--history-max-bytes', `${where}: give a smaller size, or raise the server's jetstream max_file_store or free its store_dir's disk`, { cause: e });
        }
        if (maxBytes / 2 < MIN_HISTORY_MAX_BYTES) {
          throw new UsageError('--history-max-bytes', `${where}, nor any size down to ${mib(MIN_HISTORY_MAX_BYTES)}: raise the server's jetstream max_file_store or free its store_dir's disk, or run the controller with --no-fleet`, { cause: e });
        }
      }
    }
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
