/**
 * The fleet layer's view of a probe report. Structurally compatible with the matcher's report
 * (controller/src/analysis): only the fields the fleet layer reads are required, anything else
 * is carried through to history untouched.
 */
import { UsageError, type LatencyHistogram, type SegmentKind, type VmBreakdownReport, type VmPartName } from '@xtrace/proto';

/** Which VM and which part of its breakdown a segment is (PairReport.vm_breakdown). */
export interface VmPartRef {
  /** the VM's hypervisor */
  host: string;
  role: VmBreakdownReport['role'];
  part: VmPartName;
}

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
 * What tells a report's segments apart (alert episodes, metric counting): kind and stages, and
 * for a breakdown part its VM's role and part name, since a part may span the same stages as a
 * path segment, and a same-host pair's two VMs share a host.
 */
export function segmentIdentity(s: Pick<SegmentStats, 'from' | 'to' | 'kind' | 'vm_breakdown'>): string {
  const id = `${s.kind}|${s.from}>${s.to}`;
  return s.vm_breakdown === undefined ? id : `${id}|${s.vm_breakdown.role}.${s.vm_breakdown.part}`;
}

/** One direction VM src → VM dst, by address. */
export interface Pair {
  src: string;
  dst: string;
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

/** Characters a NATS subject token or KV key cannot hold are replaced. */
function encodeEndpoint(addr: string): string {
  return addr.replace(/\./g, '_').replace(/[\s*>~/\\]/g, '-');
}

/** Subject-safe key of a pair: `10_0_0_1~10_0_0_2` (IPv6 colons are kept). */
export function pairKey(pair: Pair): string {
  return `${encodeEndpoint(pair.src)}~${encodeEndpoint(pair.dst)}`;
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

export function pairText(pair: Pair): string {
  return `${pair.src}→${pair.dst}`;
}

/** Subject-safe token: ids from agents/probes may hold dots. */
export function subjectToken(s: string): string {
  const t = s.replace(/[.\s*>]/g, '_');
  return t === '' ? '_' : t;
}
