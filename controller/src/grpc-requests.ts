/**
 * The checks of the gRPC requests (proto/xtrace.proto) as valibot schemas: StartPairProbeRequest
 * (ProbeManager.start, for StartPairProbe, RunPairProbe and the scheduler) and HistoryRequest
 * (ListHistory, WatchHistory). Absent proto3 fields decode as "" and 0, so 0 / "" mean "not
 * given". A bad request is a UsageError naming the field (proto/src/schema-error.ts), which
 * grpc-errors.ts turns into INVALID_ARGUMENT.
 */
import { isIP } from 'node:net';
import {
  CAPTURE_BYTES,
  MAX_DURATION_MS,
  PROBE_PROTOS,
  clipForMessage,
  crossCheck,
  expecting,
  finiteNumber,
  formatDurationMs,
  hasIssueAt,
  isVmName,
  looseObjectSchema,
  objectSchema,
  parseOrThrow,
  safeInteger,
  type StartPairProbeRequest,
} from '@xtrace/proto';
import * as v from 'valibot';
import type { HistoryQuery } from './fleet/history-store.js';
import type { HistoryRequest } from './grpc-history.js';

/** an address, or a VM's name (ProbeManager resolves it to the VM's address: probe-target-resolver.ts) */
const address = v.custom<string>((x) => typeof x === 'string' && (isIP(x) !== 0 || isVmName(x)), expecting((x) => `expected an IPv4 or IPv6 address or a VM name, got '${clipForMessage(String(x ?? ''))}'`));

const portMessage = expecting((x) => `expected 1..65535, got ${String(x)}`);

const startPairProbeSchema = v.pipe(
  looseObjectSchema({
    src: address,
    dst: address,
    proto: v.nullish(v.picklist(['', ...PROBE_PROTOS], expecting((x) => `expected one of ${PROBE_PROTOS.join('|')}, got '${clipForMessage(String(x))}'`))),
    port: v.nullish(
      v.pipe(
        finiteNumber(portMessage),
        v.check((p) => p === 0 || (p >= 1 && p <= 65535), portMessage),
      ),
    ),
  }),
  crossCheck((value, issues, fail) => {
    const req = value as Partial<StartPairProbeRequest> & { src: string; dst: string };
    if (issues.length > 0) return;
    if (req.src === req.dst) fail('dst', `must differ from src (${req.src})`);
    else if (isIP(req.src) !== 0 && isIP(req.dst) !== 0 && isIP(req.src) !== isIP(req.dst)) fail('dst', `address family differs from src (${req.src} vs ${req.dst})`);
    else if (req.port && req.proto === 'icmp') fail('port', 'not allowed with proto icmp');
    else if ((req.sample_k || req.sample_n) && !(req.sample_k! >= 1 && req.sample_n! >= req.sample_k!)) {
      fail('sample', `expected 1 <= k <= n, got ${req.sample_k}/${req.sample_n}`);
    } else if (req.interval_ms && req.interval_ms < 100) fail('interval', `expected at least 100ms, got ${req.interval_ms}ms`);
    // past these a timer overflows (Node fires it at once) and the agents refuse the probe
    else if (req.interval_ms && req.interval_ms > MAX_DURATION_MS) fail('interval', `expected at most ${formatDurationMs(MAX_DURATION_MS)}, got ${req.interval_ms}ms`);
    else if (req.pcap_snaplen && !(Number.isInteger(req.pcap_snaplen) && req.pcap_snaplen >= 1 && req.pcap_snaplen <= CAPTURE_BYTES)) fail('pcap_snaplen', `expected 1..${CAPTURE_BYTES} bytes, got ${req.pcap_snaplen}`);
    else if (req.duration_ms && req.duration_ms > MAX_DURATION_MS) fail('duration', `expected at most ${formatDurationMs(MAX_DURATION_MS)}, got ${req.duration_ms}ms`);
  }),
);

/** Throws a UsageError naming the first bad field of a StartPairProbeRequest. */
export function checkStartPairProbeRequest(req: StartPairProbeRequest): void {
  parseOrThrow(startPairProbeSchema, req);
}

const epochMs = () => {
  const e = expecting((x) => `expected epoch milliseconds >= 0, got ${String(x)}`);
  return v.pipe(
    finiteNumber(e),
    v.minValue(0, e),
    v.transform((x) => (x === 0 ? undefined : x)),
  );
};

/** A HistoryRequest as a store query; `watch` (WatchHistory) rejects what only a listing can have. */
function historyRequestSchema(watch: boolean) {
  const wholeNumber = expecting((x) => `expected a whole number >= 0, got ${String(x)}`);
  return v.pipe(
    objectSchema({
      src: v.pipe(v.string(), v.trim()),
      dst: v.pipe(v.string(), v.trim()),
      probe_id: v.string(),
      since_ms: epochMs(),
      until_ms: epochMs(),
      limit: watch
        ? v.pipe(
            finiteNumber(),
            v.check((l) => l === 0, 'WatchHistory has no limit: leave it 0 (use ListHistory)'),
          )
        : v.pipe(safeInteger(wholeNumber), v.minValue(0, wholeNumber)),
    }),
    crossCheck((r, issues, fail) => {
      if ((r.src === '') !== (r.dst === '')) fail(r.src === '' ? 'src' : 'dst', 'give both src and dst (the pair), or neither for every pair');
      else if (r.src !== '' && r.src === r.dst) fail('dst', `is the same address as src (${r.src})`);
      if (hasIssueAt(issues, 'since_ms', 'until_ms') || r.until_ms === undefined) return;
      if (watch) fail('until_ms', 'WatchHistory follows new records without an end: leave it 0 (use ListHistory for a range)');
      else if (r.since_ms !== undefined && r.until_ms < r.since_ms) fail('until_ms', `${r.until_ms} is before since_ms ${r.since_ms}`);
    }),
    v.transform((r): HistoryQuery => {
      const q: HistoryQuery = {};
      if (r.src !== '') q.pair = { src: r.src, dst: r.dst };
      if (r.probe_id !== '') q.probeId = r.probe_id;
      if (r.since_ms !== undefined) q.since = r.since_ms;
      if (r.until_ms !== undefined) q.until = r.until_ms;
      if (r.limit > 0) q.limit = r.limit;
      return q;
    }),
  );
}

const LIST_HISTORY = historyRequestSchema(false);
const WATCH_HISTORY = historyRequestSchema(true);

/** The store query of a request; throws a UsageError naming the first bad field. */
export function historyQuery(req: HistoryRequest, watch: boolean): HistoryQuery {
  return parseOrThrow(watch ? WATCH_HISTORY : LIST_HISTORY, req);
}
