/**
 * The checks of the gRPC requests (proto/xtrace.proto) as zod schemas: StartPairProbeRequest
 * (ProbeManager.start, for StartPairProbe, RunPairProbe and the scheduler) and HistoryRequest
 * (ListHistory, WatchHistory). Absent proto3 fields decode as "" and 0, so 0 / "" mean "not
 * given". A bad request is a UsageError naming the field (proto/src/schema-error.ts), which
 * grpc-errors.ts turns into INVALID_ARGUMENT.
 */
import { isIP } from 'node:net';
import { CAPTURE_BYTES, MAX_DURATION_MS, PROBE_PROTOS, clipForMessage, expecting, formatDurationMs, hasIssueAt, isVmName, parseOrThrow, type StartPairProbeRequest } from '@xtrace/proto';
import { z } from 'zod';
import type { HistoryQuery } from './fleet/history-store.js';
import type { HistoryRequest } from './grpc-history.js';

/** an address, or a VM's name (ProbeManager resolves it to the VM's address: probe-target-resolver.ts) */
const address = z.custom<string>((v) => typeof v === 'string' && (isIP(v) !== 0 || isVmName(v)), expecting((v) => `expected an IPv4 or IPv6 address or a VM name, got '${clipForMessage(String(v ?? ''))}'`));

const startPairProbeSchema = z
  .looseObject({
    src: address,
    dst: address,
    proto: z.enum(['', ...PROBE_PROTOS], expecting((v) => `expected one of ${PROBE_PROTOS.join('|')}, got '${clipForMessage(String(v))}'`)).nullish(),
    port: z
      .number(expecting((v) => `expected 1..65535, got ${String(v)}`))
      .refine((p) => p === 0 || (p >= 1 && p <= 65535), expecting((v) => `expected 1..65535, got ${String(v)}`))
      .nullish(),
  })
  .check((ctx) => {
    const req = ctx.value as Partial<StartPairProbeRequest> & { src: string; dst: string };
    const fail = (field: string, message: string): void => void ctx.issues.push({ code: 'custom', path: [field], message, input: req });
    if (ctx.issues.length > 0) return;
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
  });

/** Throws a UsageError naming the first bad field of a StartPairProbeRequest. */
export function checkStartPairProbeRequest(req: StartPairProbeRequest): void {
  parseOrThrow(startPairProbeSchema, req);
}

const epochMs = () =>
  z
    .number(expecting((v) => `expected epoch milliseconds >= 0, got ${String(v)}`))
    .min(0, expecting((v) => `expected epoch milliseconds >= 0, got ${String(v)}`))
    .transform((v) => (v === 0 ? undefined : v));

/** A HistoryRequest as a store query; `watch` (WatchHistory) rejects what only a listing can have. */
function historyRequestSchema(watch: boolean) {
  return z
    .object({
      src: z.string().trim(),
      dst: z.string().trim(),
      probe_id: z.string(),
      since_ms: epochMs(),
      until_ms: epochMs(),
      limit: watch
        ? z.number().refine((l) => l === 0, 'WatchHistory has no limit: leave it 0 (use ListHistory)')
        : z.int(expecting((v) => `expected a whole number >= 0, got ${String(v)}`)).min(0, expecting((v) => `expected a whole number >= 0, got ${String(v)}`)),
    })
    .check((ctx) => {
      const r = ctx.value;
      const fail = (field: string, message: string): void => void ctx.issues.push({ code: 'custom', path: [field], message, input: r });
      if ((r.src === '') !== (r.dst === '')) fail(r.src === '' ? 'src' : 'dst', 'give both src and dst (the pair), or neither for every pair');
      else if (r.src !== '' && r.src === r.dst) fail('dst', `is the same address as src (${r.src})`);
      if (hasIssueAt(ctx.issues, 'since_ms', 'until_ms') || r.until_ms === undefined) return;
      if (watch) fail('until_ms', 'WatchHistory follows new records without an end: leave it 0 (use ListHistory for a range)');
      else if (r.since_ms !== undefined && r.until_ms < r.since_ms) fail('until_ms', `${r.until_ms} is before since_ms ${r.since_ms}`);
    })
    .transform((r): HistoryQuery => {
      const q: HistoryQuery = {};
      if (r.src !== '') q.pair = { src: r.src, dst: r.dst };
      if (r.probe_id !== '') q.probeId = r.probe_id;
      if (r.since_ms !== undefined) q.since = r.since_ms;
      if (r.until_ms !== undefined) q.until = r.until_ms;
      if (r.limit > 0) q.limit = r.limit;
      return q;
    });
}

const LIST_HISTORY = historyRequestSchema(false);
const WATCH_HISTORY = historyRequestSchema(true);

/** The store query of a request; throws a UsageError naming the first bad field. */
export function historyQuery(req: HistoryRequest, watch: boolean): HistoryQuery {
  return parseOrThrow(watch ? WATCH_HISTORY : LIST_HISTORY, req);
}
