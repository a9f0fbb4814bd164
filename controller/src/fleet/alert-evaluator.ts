/**
 * Evaluates alert rules against probe reports. Per (rule, pair, segment) a small state
 * machine: the condition must hold for `for` (measured on the reports' own times) before one
 * `firing` event; while it keeps holding nothing more is sent; when it clears one `resolved`
 * event; the next episode may fire only after `cooldown` has passed since the resolve. A
 * segment without data for the metric (no packet; for a latency, no timed packet) neither
 * holds nor clears: unknown is not "below the threshold".
 *
 * Interval reports are evaluated as they come. A probe's summary covers its whole run, so it
 * is evaluated only for the segments none of that probe's interval reports showed samples of:
 * a probe shorter than the matcher's settle time (a typical scheduled probe) reports all its
 * packets in the summary, and its summary is then the data point for the rule.
 */
import { ruleWatchesSegment, type ParsedAlertRule } from './alert-rule.js';
import { selectorMatchesPair, type InventoryAgent } from './pair-selector.js';
import { pairKey, segmentIdentity, type Pair, type ProbeReport, type SegmentStats, type VmPartRef } from './probe-report.js';

export interface AlertEvent {
  state: 'firing' | 'resolved';
  rule: string;
  pair: Pair;
  /** vm_breakdown: set when the segment is a VM breakdown part (which VM, which part) */
  segment: { from: string; to: string; kind: SegmentStats['kind']; vm_breakdown?: VmPartRef };
  metric: ParsedAlertRule['metric'];
  value: number;
  threshold: number;
  /** when the condition started holding (firing) or the episode started (resolved), epoch ms */
  since: number;
  /** time of the report that caused the event, epoch ms */
  at: number;
  probeId?: string;
  /** set on synthetic events sent by `xtrace alert test` */
  test?: boolean;
}

interface EpisodeState {
  /** condition holding since (pending or firing) */
  since?: number;
  firing: boolean;
  /** no firing before this time (cooldown after the last resolve) */
  quietUntil: number;
}

function metricValue(seg: SegmentStats, metric: ParsedAlertRule['metric']): number {
  switch (metric) {
    case 'p50':
      return seg.p50_us;
    case 'p99':
      return seg.p99_us;
    case 'max':
      return seg.max_us;
    case 'loss':
      return seg.lost;
  }
}

interface AlertEvaluatorOptions {
  /** receives every event as it happens (e.g. AlertDispatcher.dispatch) */
  onEvent?: (ev: AlertEvent, rule: ParsedAlertRule) => void;
  /** for label selectors */
  inventory?: () => InventoryAgent[] | undefined;
}

/** running probes whose interval segments are remembered; older ones are forgotten first */
const MAX_TRACKED_PROBES = 4096;

export class AlertEvaluator {
  private rules = new Map<string, ParsedAlertRule>();
  private readonly states = new Map<string, EpisodeState>();
  /** per running probe: segments its interval reports showed samples (or losses) of */
  private readonly intervalSegments = new Map<string, Set<string>>();

  constructor(private readonly opts: AlertEvaluatorOptions = {}) {}

  setRules(rules: ParsedAlertRule[]): void {
    const next = new Map(rules.map((r) => [r.name, r]));
    for (const key of this.states.keys()) {
      const name = key.slice(0, key.indexOf('|'));
      const old = this.rules.get(name);
      const now = next.get(name);
      // a removed or changed rule starts from scratch
      if (now === undefined || old === undefined || JSON.stringify(old) !== JSON.stringify(now)) this.states.delete(key);
    }
    this.rules = next;
  }

  /** Feed one interval report or summary; returns (and hands to onEvent) the events it caused. */
  observe(report: ProbeReport): AlertEvent[] {
    const events: AlertEvent[] = [];
    const t = report.at;
    const segments = this.segmentsToEvaluate(report);
    const agents = this.opts.inventory?.();
    for (const rule of this.rules.values()) {
      if (!selectorMatchesPair(rule.selector, report.pair, agents)) continue;
      for (const seg of segments) {
        if (!ruleWatchesSegment(rule, seg)) continue;
        const value = metricValue(seg, rule.metric);
        if (Number.isNaN(value) || (seg.count === 0 && seg.lost === 0)) continue;
        const key = `${rule.name}|${pairKey(report.pair)}|${segmentIdentity(seg)}`;
        let st = this.states.get(key);
        if (st === undefined) this.states.set(key, (st = { firing: false, quietUntil: 0 }));
        const holds = value > rule.threshold;
        const base = {
          rule: rule.name,
          pair: { src: report.pair.src, dst: report.pair.dst, ...(report.pair.srcVm ? { srcVm: report.pair.srcVm } : {}), ...(report.pair.dstVm ? { dstVm: report.pair.dstVm } : {}) },
          segment: { from: seg.from, to: seg.to, kind: seg.kind, ...(seg.vm_breakdown !== undefined ? { vm_breakdown: { ...seg.vm_breakdown } } : {}) },
          metric: rule.metric,
          value,
          threshold: rule.threshold,
          at: t,
          probeId: report.probeId,
        };
        if (holds) {
          if (st.since === undefined) st.since = t;
          if (!st.firing && t - st.since >= rule.forMs && t >= st.quietUntil) {
            st.firing = true;
            events.push({ state: 'firing', since: st.since, ...base });
          }
        } else {
          if (st.firing) {
            events.push({ state: 'resolved', since: st.since ?? t, ...base });
            st.quietUntil = t + rule.cooldownMs;
            st.firing = false;
          }
          st.since = undefined;
        }
      }
    }
    for (const ev of events) {
      const rule = this.rules.get(ev.rule);
      if (rule !== undefined) this.opts.onEvent?.(ev, rule);
    }
    return events;
  }

  /** An interval report's segments; of a summary, those its probe's intervals did not show. */
  private segmentsToEvaluate(report: ProbeReport): SegmentStats[] {
    const shown = this.intervalSegments.get(report.probeId);
    if (report.kind === 'summary') {
      this.intervalSegments.delete(report.probeId);
      return shown === undefined ? report.segments : report.segments.filter((s) => !shown.has(segmentIdentity(s)));
    }
    let seen = shown;
    if (seen === undefined) {
      this.intervalSegments.set(report.probeId, (seen = new Set()));
      if (this.intervalSegments.size > MAX_TRACKED_PROBES) this.intervalSegments.delete(this.intervalSegments.keys().next().value as string);
    }
    for (const s of report.segments) if (s.count > 0 || s.lost > 0) seen.add(segmentIdentity(s));
    return report.segments;
  }

  /** Episodes currently firing. */
  firing(): { key: string; since: number }[] {
    return [...this.states.entries()].filter(([, s]) => s.firing).map(([key, s]) => ({ key, since: s.since ?? 0 }));
  }
}
