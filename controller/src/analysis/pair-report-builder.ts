/**
 * The AnalysisReport (proto report.ts) of a stats window: per direction its segments in path
 * order with their share of the time, and its end-to-end total; VM turnaround and round trip
 * of request/reply pairs; the VM breakdown, clock offsets, stalls, drop sites and counters.
 */
import type { AnalysisCounters, AnalysisReport, ClockReport, DirectionReport, SegmentReport, TotalReport } from '@xtrace/proto';
import type { PathModel } from './path-model.js';
import { SegmentAccumulator, latencyFields, toSegmentReport } from './segment-accumulator.js';
import { directionOfKey, fromPosOfKey, toPosOfKey } from './segment-key.js';
import type { StatsWindow } from './stats-window.js';

interface PairReportInput {
  model: PathModel;
  window: StatsWindow;
  start: number;
  end: number;
  /** wire crossings still waiting for a clock offset, per segment key */
  waitingPerSegment: Map<number, number>;
  clock: ClockReport[];
  counters: AnalysisCounters;
}

type Located = [from: number, to: number, stats: SegmentAccumulator];

export function buildPairReport(input: PairReportInput): AnalysisReport {
  const { model, window: win, start, end } = input;
  const hosts = model.hosts;
  const width = model.width;
  const dirs = [0, 1].map((d) => directionReport(input, d as 0 | 1));
  const pairStats = (map: Map<number, SegmentAccumulator>, kind: 'vm' | 'host'): SegmentReport[] => {
    const out: SegmentReport[] = [];
    for (const [key, a] of map) {
      const d = directionOfKey(key, width);
      // from: a position of the request's direction, to: of the reply's
      const f = model.directions[d as 0 | 1].positions[fromPosOfKey(key, width)]!;
      const t = model.directions[(d ^ 1) as 0 | 1].positions[toPosOfKey(key, width)]!;
      out.push(toSegmentReport({ from: f.stageName, to: t.stageName, from_host: hosts[f.host]!, to_host: hosts[t.host]!, kind }, a, 0));
    }
    return out.sort((x, y) => y.count - x.count);
  };
  return {
    interval: { start, end },
    directions: { forward: dirs[0]!, reverse: dirs[1]! },
    vm_turnaround: pairStats(win.turnaround, 'vm'),
    vm_breakdown: win.vm.report(hosts),
    round_trip: pairStats(win.rtt, 'host'),
    clock: input.clock,
    stalls: [...win.stalls],
    drop_sites: [...win.dropSites.values()].sort((a, b) => b.count - a.count),
    counters: input.counters,
  };
}

function directionReport(input: PairReportInput, d: 0 | 1): DirectionReport {
  const { model, window: win, waitingPerSegment } = input;
  const width = model.width;
  const dm = model.directions[d];
  const label = (from: number, to: number) => {
    const a = dm.positions[from]!;
    const b = dm.positions[to]!;
    return {
      from: a.stageName,
      to: b.stageName,
      from_host: model.hosts[a.host]!,
      to_host: model.hosts[b.host]!,
      kind: a.host === b.host ? ('host' as const) : ('wire' as const),
    };
  };
  const entries: Located[] = [];
  for (const [key, a] of win.segments) {
    if (directionOfKey(key, width) !== d) continue;
    const waiting = waitingPerSegment.get(key);
    let shown = a;
    if (waiting) {
      shown = a.clone();
      shown.unresolved += waiting;
    }
    entries.push([fromPosOfKey(key, width), toPosOfKey(key, width), shown]);
  }
  for (const [key, waiting] of waitingPerSegment) {
    if (win.segments.has(key) || directionOfKey(key, width) !== d) continue;
    const a = new SegmentAccumulator();
    a.unresolved = waiting;
    entries.push([fromPosOfKey(key, width), toPosOfKey(key, width), a]);
  }
  entries.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let sumAll = 0;
  for (const [, , a] of entries) sumAll += a.hist.sum;
  const segments: SegmentReport[] = entries.map(([f, t, a]) =>
    toSegmentReport(label(f, t), a, sumAll > 0 ? Math.round((a.hist.sum / sumAll) * 10000) / 10000 : 0),
  );
  // the total between the expected ends that most packets had
  let best: Located | null = null;
  for (const [key, a] of win.totals) {
    if (directionOfKey(key, width) !== d) continue;
    if (!best || a.hist.count > best[2].hist.count) best = [fromPosOfKey(key, width), toPosOfKey(key, width), a];
  }
  let total: TotalReport | null = null;
  if (best) {
    const l = label(best[0], best[1]);
    total = {
      from: l.from,
      to: l.to,
      from_host: l.from_host,
      to_host: l.to_host,
      ...latencyFields(best[2].hist),
      uncertainty_us: Math.round(best[2].uncertaintyNs) / 1000,
    };
  }
  return {
    hosts: dm.hostOrder.map((i) => model.hosts[i]!),
    packets: win.packets[d]!,
    lost: win.lost[d]!,
    segments,
    total,
  };
}
