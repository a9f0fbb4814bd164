/**
 * Stall detection across a path: a StallDetector (stall-detector.ts) per direction and
 * position, fed every record by flow, and the stall events of an interval (bounded: events
 * beyond maxEvents are only counted).
 */
import type { AnalysisCounters } from '@xtrace/proto';
import type { HostSequenceState } from './host-sequence-state.js';
import type { PathModel } from './path-model.js';
import { StallDetector, type StallConfig } from './stall-detector.js';
import type { StatsWindow } from './stats-window.js';

export class StallWatch {
  /** per (direction * width + position); created at the position's first record */
  private readonly detectors: (StallDetector | undefined)[];

  constructor(
    private readonly model: PathModel,
    private readonly config: StallConfig,
    private readonly maxEvents: number,
    private readonly hosts: readonly HostSequenceState[],
    private readonly counters: AnalysisCounters,
  ) {
    this.detectors = new Array(2 * model.width);
  }

  /** A record of the flow at position `pos` of direction `d`, on host `h` at `t` (ns since its time base). */
  observe(win: StatsWindow, d: number, pos: number, h: number, flowHash: number, t: number, nowMs: number): void {
    const key = d * this.model.width + pos;
    const detector = this.detectors[key] ?? (this.detectors[key] = new StallDetector(this.config));
    const hit = detector.observe(flowHash, t);
    if (hit !== null) this.record(win, d, pos, h, flowHash, t, hit.gapNs, hit.typicalNs, nowMs);
  }

  /** A host rebooted: gaps across its clock restart mean nothing. */
  forgetAll(): void {
    this.detectors.fill(undefined);
  }

  private record(win: StatsWindow, d: number, pos: number, h: number, flowHash: number, t: number, gapNs: number, typicalNs: number, nowMs: number): void {
    if (win.stalls.length >= this.maxEvents) {
      this.counters.stall_events_dropped++;
      return;
    }
    win.stalls.push({
      direction: d === 0 ? 'forward' : 'reverse',
      host: this.model.hosts[h]!,
      stage: this.model.directions[d as 0 | 1].positions[pos]!.stageName,
      flow_hash: flowHash >>> 0,
      gap_ms: Math.round(gapNs / 1000) / 1000,
      typical_gap_ms: Math.round(typicalNs / 1000) / 1000,
      ts_ns: (this.hosts[h]!.timeBaseNs + BigInt(Math.round(t))).toString(),
      detected_at_ms: nowMs,
    });
  }
}
