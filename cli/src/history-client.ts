/**
 * Probe history through the controller's gRPC API (ListHistory, WatchHistory), records back in
 * the shape they are stored in (null for unknown latencies, as `xtrace history --json` prints).
 */
import * as grpc from '@grpc/grpc-js';
import { normalizePairReport, type HistoryRecord, type HistoryRecord__Output, type HistoryRequest, type Pair, type PairReport } from '@xtrace/proto';
import type { ControllerClient } from './grpc-client.js';

export interface HistoryFilter {
  pair: Pair;
  probeId?: string;
  /** epoch ms */
  since?: number;
  until?: number;
  limit?: number;
}

/** a listing may stream for a while; a watch has no deadline */
const LIST_DEADLINE_MS = 120_000;

const NULLABLE = ['p50_us', 'p90_us', 'p99_us', 'max_us'] as const;

/**
 * A record as gRPC decoded it (proto HistoryRecord: absent optionals, an absent VmPart null) ->
 * as stored (proto/src/history-record.ts). Mutates and returns `decoded`; the controller always
 * sets `report`.
 */
export function normalizeHistoryRecord(decoded: HistoryRecord__Output): HistoryRecord {
  const r = decoded as unknown as HistoryRecord;
  const rep = r.report;
  rep.segments ??= [];
  for (const s of rep.segments) {
    const o = s as unknown as Record<string, unknown>;
    for (const k of NULLABLE) o[k] ??= null;
    s.histogram ??= null;
    // stored without one unless it is a VM breakdown part; gRPC decodes an absent message as null
    if (s.vm_breakdown == null) delete s.vm_breakdown;
  }
  if (rep['pairReport'] != null) normalizePairReport(rep['pairReport'] as PairReport);
  return r;
}

/**
 * The stored records of the filter, oldest first (follow: then new ones as they are stored,
 * until `signal` aborts).
 */
export async function* readHistory(client: ControllerClient, f: HistoryFilter, follow: boolean, signal?: AbortSignal): AsyncGenerator<HistoryRecord> {
  const req: HistoryRequest = {
    src: f.pair.src,
    dst: f.pair.dst,
    probe_id: f.probeId ?? '',
    since_ms: f.since ?? 0,
    until_ms: f.until ?? 0,
    limit: f.limit ?? 0,
  };
  const call = client.stream(follow ? 'WatchHistory' : 'ListHistory', req, follow ? undefined : LIST_DEADLINE_MS);
  const cancel = (): void => call.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let ended = false;
  try {
    for await (const r of call) yield normalizeHistoryRecord(r);
    ended = true;
  } catch (e: unknown) {
    ended = true;
    if (signal?.aborted && (e as { code?: unknown }).code === grpc.status.CANCELLED) return;
    throw client.error(e);
  } finally {
    signal?.removeEventListener('abort', cancel);
    if (!ended) call.cancel();
  }
}
