/**
 * What the probe lifecycle needs from the matcher (controller/src/analysis). The default
 * factory adapts the analysis module; tests may pass another.
 */
import type { AnalysisReport, PairReport } from '@xtrace/proto';

export interface AnalyzerBatch {
  hostId: string;
  bootId: string;
  seq: number;
  records: Buffer;
  clock: { monoNs: bigint; realNs: bigint };
  counters: Record<string, number>;
}

/** the analysis part of a PairReport: an AnalysisReport, or empty when the analyzer failed */
type PairAnalysis = Pick<
  PairReport,
  'interval' | 'directions' | 'vm_turnaround' | 'vm_breakdown' | 'round_trip' | 'clock' | 'stalls' | 'drop_sites' | 'counters'
>;

export interface AnalyzerContext {
  probeId: string;
  src: string;
  dst: string;
  proto?: string;
  /** the probe's port filter (the service's port: its side of a flow is the server) */
  port?: number;
  /** hosts in forward order: [srcHost, dstHost], or [host] for a same-host pair */
  hosts: string[];
  /** this probe's BPF slot on each host (records carry 1 << slot in probe_mask) */
  slots: Record<string, number>;
  /** stages each host's agent attached (its inventory): the path a packet should cross */
  attachedStages?: Record<string, string[]>;
  /** each host's kernel drop-reason names [value, name], as its agent reported them */
  dropReasons?: Record<string, [number, string][]>;
}

export interface ProbeAnalyzer {
  addBatch(batch: AnalyzerBatch): void;
  /** `count` batches from `hostId` never arrived and no later seq shows it (trailing loss); gaps are the analyzer's own business */
  addLostBatches?(hostId: string, count: number): void;
  /** the report of the interval since the previous call */
  intervalReport(nowMs: number): AnalysisReport;
  /** finalizes pending packets; the report over the whole probe */
  finalReport(nowMs: number): AnalysisReport;
  /** human table */
  render(report: AnalysisReport, final: boolean): string;
}

export type AnalyzerFactory = (ctx: AnalyzerContext) => ProbeAnalyzer | Promise<ProbeAnalyzer>;

/** the analysis part of a report whose analyzer failed */
export function emptyAnalysis(): PairAnalysis {
  return { interval: null, directions: { forward: null, reverse: null }, vm_turnaround: [], vm_breakdown: [], round_trip: [], clock: [], stalls: [], drop_sites: [], counters: {} };
}

/** packets matched over both directions */
export function matchedPackets(r: PairAnalysis): number {
  return (r.directions.forward?.packets ?? 0) + (r.directions.reverse?.packets ?? 0);
}
