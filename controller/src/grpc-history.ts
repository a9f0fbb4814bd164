/**
 * The history RPCs of the gRPC service: ListHistory (stored records, then the stream ends) and
 * WatchHistory (stored records from a point in time, then live ones until the client cancels),
 * over the fleet layer's HistoryStore. Requests are checked field by field (grpc-requests.ts); records are
 * written as fast as the client reads them (backpressure), never queued without bound.
 */
import type pino from 'pino';
import { UnreachableError, errorMessage, type HistoryRequest__Output } from '@xtrace/proto';
import type { XtraceHandlers } from '@xtrace/proto/grpc';
import type { HistoryQuery, HistoryRecord, HistoryStore } from './fleet/history-store.js';
import { toServiceError } from './grpc-errors.js';
import { historyQuery } from './grpc-requests.js';

/** proto HistoryRequest as decoded (absent fields decode as "" and 0) */
export type HistoryRequest = HistoryRequest__Output;

type HistoryHandlers = Pick<XtraceHandlers, 'ListHistory' | 'WatchHistory'>;
/** a ListHistory / WatchHistory call: writes the stored records as the generated HistoryRecord */
type HistoryCall = Parameters<HistoryHandlers['ListHistory']>[0];

/** Resolves once the client has read what was written (or went away). */
function drained(call: HistoryCall): Promise<void> {
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

async function writeAll(call: HistoryCall, records: AsyncIterable<HistoryRecord>): Promise<void> {
  for await (const r of records) {
    if (call.cancelled) return;
    if (!call.write(r)) await drained(call);
  }
}

/** A history query's pair as stored (addresses): VM names become their addresses; throws a UsageError naming the field. */
export type HistoryPairResolver = (src: string, dst: string) => { src: string; dst: string };

export function historyHandlers(history: HistoryStore | undefined, log: pino.Logger, resolvePair: HistoryPairResolver = (src, dst) => ({ src, dst })): HistoryHandlers {
  const serve = (watch: boolean) => (call: HistoryCall): void => {
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
      if (q.pair !== undefined) q.pair = resolvePair(q.pair.src, q.pair.dst);
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
