/**
 * The fleet layer's view of a probe report, as stored in history (JetStream stream
 * XTRACE_HISTORY, controller/src/fleet/history-store.ts) and served by ListHistory /
 * WatchHistory (proto/xtrace.proto HistoryRecord). Structurally compatible with the matcher's
 * report: only the fields the fleet layer reads are required, anything else is carried through
 * to history untouched. Shared by the controller and the CLI.
 *
 * Two forms: the stored one (ProbeReport, SegmentStats, HistoryRecord), a domain type the
 * controller builds (controller/src/fleet/pair-report-adapter.ts) and keeps as JSON, with
 * unknown latencies NaN in memory and null in JSON, no `vm_breakdown` on a path segment, and
 * any further key carried through (the full `pairReport` rides along); and the wire one
 * (HistoryRecord__Output), the generated proto HistoryRecord as a gRPC peer decodes it (absent
 * latencies undefined, an absent VmPart null), which cli/src/history-client.ts
 * normalizeHistoryRecord turns back into the stored form. The controller sends the stored form
 * as the generated HistoryRecord (controller/src/grpc-history.ts), so a stored field whose type
 * the .proto does not carry fails to compile there.
 */
import { UsageError } from './errors.js';
import type { HistoryPair__Output } from './generated/xtrace/v1/HistoryPair.js';
import type { HistoryVmPart__Output } from './generated/xtrace/v1/HistoryVmPart.js';
import type { Refine } from './message-refinement.js';
import type { LatencyHistogram, SegmentKind, VmBreakdownReport, VmPartName } from './report.js';

export type { HistoryRecord__Output } from './generated/xtrace/v1/HistoryRecord.js';
export type { HistoryRequest, HistoryRequest__Output } from './generated/xtrace/v1/HistoryRequest.js';

/** Which VM and which part of its breakdown a segment is (PairReport.vm_breakdown; proto HistoryVmPart). */
export type VmPartRef = Refine<
  HistoryVmPart__Output,
  {
    role: VmBreakdownReport['role'];
    part: VmPartName;
  }
>;

export interface SegmentStats {
  from: string;
  to: string;
  kind: SegmentKind;
  count: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  lost: number;
  drop_reasons?: Record<string, number>;
  share?: number;
  /** over LATENCY_BUCKET_BOUNDS_US (@xtrace/proto), when the report carried one */
  histogram?: LatencyHistogram | null;
  /** the direction whose path holds the segment; absent on a VM's turnaround and breakdown parts, which span both */
  direction?: 'forward' | 'reverse';
  /**
   * set on a VM breakdown part only. A part re-slices time the path segments already hold
   * (rx_worker_wait is the forward tap_tx -> vhost_rx, over fully broken-down exchanges only),
   * so rules select parts by name and metrics keep them in families of their own.
   */
  vm_breakdown?: VmPartRef;
  [extra: string]: unknown;
}

/**
 * One direction VM src → VM dst, by address: the fleet's key (history subjects, selectors,
 * alert episodes, metrics), carried on the wire as proto HistoryPair (the same two fields).
 */
export interface Pair {
  src: string;
  dst: string;
  /** the VMs' names when an agent knows them: carried along for people, never part of the key */
  srcVm?: string;
  dstVm?: string;
}

/** proto HistoryPair: the names '' when unknown */
export function pairMessage(p: Pair): HistoryPair__Output {
  return { src: p.src, dst: p.dst, srcVm: p.srcVm ?? '', dstVm: p.dstVm ?? '' };
}

export interface ProbeReport {
  probeId: string;
  pair: Pair;
  /** 'interval' while the probe runs, 'summary' once at the end */
  kind: 'interval' | 'summary';
  /** end of the covered interval, epoch ms */
  at: number;
  /** start of the covered interval, epoch ms (optional) */
  from?: number;
  segments: SegmentStats[];
  [extra: string]: unknown;
}

/** Parse `A,B` (as typed on the command line) into a pair. */
export function parsePair(text: string, field: string): Pair {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new UsageError(field, `"${text}" is not a pair (expected SRC,DST, e.g. 10.0.0.1,10.0.0.2)`);
  }
  const [src, dst] = parts as [string, string];
  if (src === dst) throw new UsageError(field, `source and destination are the same (${src})`);
  return { src, dst };
}

/** A stored report with the keys it is stored under. */
export interface HistoryRecord {
  seq: number;
  subject: string;
  /** time the stream stored it, epoch ms */
  storedAt: number;
  report: ProbeReport;
}

