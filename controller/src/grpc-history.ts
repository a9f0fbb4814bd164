/**
 * The history RPCs of the gRPC service: ListHistory (stored records, then the stream ends) and
 * WatchHistory (stored records from a point in time, then live ones until the client cancels),
 * over the fleet layer's HistoryStore. Requests are checked field by field; records are
 * written as fast as the client reads them (backpressure), never queued without bound.
 */
import type * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import { UnreachableError, UsageError, errorMessage } from '@xtrace/proto';
import type { HistoryQuery, HistoryRecord, HistoryStore } from './fleet/history-store.js';
import { toServiceError } from './grpc-errors.js';

/** proto HistoryRequest (absent fields decode as "" and 0) */
export interface HistoryRequest {
  src: string;
  dst: string;
  probe_id: string;
  since_ms: number;
  until_ms: number;
  limit: number;
}

function msField(v: number, field: string): number | undefined {
  if (!Number.isFinite(v) || v < 0) throw new UsageError(field, `expected epoch milliseconds >= 0, got ${v}`);
  return v === 0 ? undefined : v;
}

/** The store query of a request; `watch` rejects what only a listing can have (an end). */
export function historyQuery(req: HistoryRequest, watch: boolean): HistoryQuery {
  const q: HistoryQuery = {};
  const src = req.src.trim();
  const dst = req.dst.trim();
  if ((src === '') !== (dst === '')) {
    throw new UsageError(src === '' ? 'src' : 'dst', 'give both src and dst (the pair), or neither for every pair');
  }
  if (src !== '') {
    if (src === dst) throw new UsageError('dst', `is the same address as src (${src})`);
    q.pair = { src, dst };
  }
  if (req.probe_id !== '') q.probeId = req.probe_id;
  const since = msField(req.since_ms, 'since_ms');
  const until = msField(req.until_ms, 'until_ms');
  if (since !== undefined) q.since = since;
  if (watch) {
    if (until !== undefined) throw new UsageError('until_ms', 'WatchHistory follows new records without an end: leave it 0 (use ListHistory for a range)');
    if (req.limit !== 0) throw new UsageError('limit', 'WatchHistory has no limit: leave it 0 (use ListHistory)');
    return q;
  }
  if (until !== undefined) {
    if (since !== undefined && until < since) throw new UsageError('until_ms', `${until} is before since_ms ${since}`);
    q.until = until;
  }
  if (!Number.isInteger(req.limit) || req.limit < 0) throw new UsageError('limit', `expected a whole number >= 0, got ${req.limit}`);
  if (req.limit > 0) q.limit = req.limit;
  return q;
}

/** Resolves once the client has read what was written (or went away). */
function drained(call: grpc.ServerWritableStream<HistoryRequest, HistoryRecord>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
  });
}

async function writeAll(call: grpc.ServerWritableStream<HistoryRequest, HistoryRecord>, records: AsyncIterable<HistoryRecord>): Promise<void> {
  for await (const r of records) {
    if (call.cancelled) return;
    if (!call.write(r)) await drained(call);
  }
}

export function historyHandlers(history: HistoryStore | undefined, log: pino.Logger): grpc.UntypedServiceImplementation {
  const serve = (watch: boolean) => (call: grpc.ServerWritableStream<HistoryRequest, HistoryRecord>) => {
    const fail = (e: unknown): void => {
      if (!call.cancelled) call.emit('error', toServiceError(e));
    };
    if (history === undefined) {
      fail(new UnreachableError('history is kept in JetStream, and this controller runs without the fleet layer (--no-fleet)'));
      return;
    }
    let q: HistoryQuery;
    try {
      q = historyQuery(call.request, watch);
    } catch (e: unknown) {
      fail(e);
      return;
    }
    const stop = new AbortController();
    call.once('cancelled', () => stop.abort());
    const { since, ...filter } = q;
    const records = watch ? history.watch({ ...filter, ...(since !== undefined ? { from: since } : {}), signal: stop.signal }) : history.records(q);
    writeAll(call, records).then(
      () => {
        if (!call.cancelled) call.end();
      },
      (e: unknown) => {
        log.warn({ err: errorMessage(e), watch }, 'history stream failed');
        fail(new UnreachableError(`reading history from JetStream failed: ${errorMessage(e)}`, { cause: e }));
      },
    );
  };
  return { ListHistory: serve(false), WatchHistory: serve(true) };
}
