/**
 * The controller's metric set. Feeding points for the pipeline: recordReport (each interval
 * report and summary: segment packets, loss, latency histograms and quantiles, and the VMs'
 * breakdown parts' latency), recordEvents
 * / recordLoss (per received batch), probe lifecycle, attach failures, and the fleet layer's
 * scheduler and alert events.
 */
import { LATENCY_BUCKET_BOUNDS_US } from '@xtrace/proto';
import type { AlertEvent } from '../alert-evaluator.js';
import { segmentIdentity, type ProbeReport, type Pair, type SegmentStats, type VmPartRef } from '../probe-report.js';
import type { SchedulerEvent } from '../scheduler.js';
import type { DeliveryResult } from '../sinks/alert-sink.js';
import { Counter, Gauge, Registry, type LabelValues } from 'prom-client';
import { BucketedHistogram } from './bucketed-histogram.js';

/** `le` of the latency histogram: the reports' bucket bounds (1 µs … 4.19 s, ×2) in seconds */
const LATENCY_BUCKETS_SECONDS = LATENCY_BUCKET_BOUNDS_US.map((us) => us / 1e6);

/** what a running probe's interval reports already added, per segment */
interface Counted {
  count: number;
  lost: number;
  /** latency histogram counts (LATENCY_BUCKET_BOUNDS_US + overflow) and sum, µs */
  buckets: number[];
  sumUs: number;
}

/**
 * `vm`: the name of the VM a series belongs to ('' when none or unknown): the destination VM's
 * for its turnaround (kind vm), the breakdown's VM for a part; a path segment belongs to no VM.
 * It adds no series of its own: a VM's name follows from its address (src/dst) and host, so a
 * series gets a second `vm` value only when a VM is renamed or its address moves to another VM.
 */
const segLabels = (pair: Pair, seg: Pick<SegmentStats, 'from' | 'to' | 'kind'>) => ({ src: pair.src, dst: pair.dst, kind: seg.kind, segment: `${seg.from}>${seg.to}`, vm: seg.kind === 'vm' ? (pair.dstVm ?? '') : '' });
const vmPartLabels = (pair: Pair, ref: VmPartRef) => ({ src: pair.src, dst: pair.dst, host: ref.host, role: ref.role, part: ref.part, vm: (ref.role === 'destination' ? pair.dstVm : pair.srcVm) ?? '' });

/** the families a report segment feeds: latency always, packets and losses for path segments */
interface LatencyFamilies {
  latency: BucketedHistogram;
  quantile: Gauge;
  packets?: Counter;
  lost?: Counter;
}

export class ControllerMetrics {
  readonly segmentLatency: BucketedHistogram;
  readonly segmentQuantile: Gauge;
  readonly segmentPackets: Counter;
  readonly segmentLost: Counter;
  readonly vmPartLatency: BucketedHistogram;
  readonly vmPartQuantile: Gauge;
  readonly events: Counter;
  readonly eventsRate: Gauge;
  readonly ringbufLost: Counter;
  readonly batchLost: Counter;
  readonly batchMalformed: Counter;
  readonly probes: Counter;
  readonly probesActive: Gauge;
  readonly attachFailures: Counter;
  readonly scheduledRuns: Counter;
  readonly scheduledPairs: Gauge;
  readonly alertEvents: Counter;
  readonly alertDeliveries: Counter;
  private readonly eventWindow: { t: number; n: number; host: string }[] = [];
  /** per running probe, per segment: packets and losses already counted from its interval reports */
  private readonly counted = new Map<string, Map<string, Counted>>();
  /** the probe slots' counts, read at every scrape (followProbeSlots) */
  private probeSlots: (() => { running: number; queued: number }) | undefined;

  constructor(
    readonly registry: Registry = new Registry(),
    private readonly now: () => number = Date.now,
  ) {
    // every family in this registry only (prom-client's default is its process-wide one)
    const registers = [registry];
    const histogram = (o: { name: string; help: string; labelNames: readonly string[]; buckets: number[] }) => new BucketedHistogram({ ...o, registers });
    const gauge = (o: { name: string; help: string; labelNames?: readonly string[]; collect?: () => void }) => new Gauge({ ...o, registers });
    const counter = (o: { name: string; help: string; labelNames: readonly string[] }) => new Counter({ ...o, registers });
    const seg = ['src', 'dst', 'kind', 'segment', 'vm'] as const;
    this.segmentLatency = histogram({ name: 'xtrace_segment_latency_seconds', help: 'Per-packet latency of a path segment, per pair and segment kind, from every interval report', labelNames: seg, buckets: LATENCY_BUCKETS_SECONDS });
    this.segmentQuantile = gauge({ name: 'xtrace_segment_latency_quantile_seconds', help: 'Latency quantile of a path segment over the last interval report', labelNames: [...seg, 'quantile'] });
    this.segmentPackets = counter({ name: 'xtrace_segment_packets_total', help: 'Packets timed across a path segment', labelNames: seg });
    this.segmentLost = counter({ name: 'xtrace_segment_lost_packets_total', help: 'Packets lost in a path segment', labelNames: seg });
    // VM breakdown parts get families of their own: a part re-slices time the path segments
    // already count (rx_worker_wait is the forward tap_tx -> vhost_rx, over fully broken-down
    // exchanges), so under xtrace_segment_* any sum over segments would count it twice, and a
    // part is asked for by its name (part="guest"), which no segment label carries. Their
    // _count is the exchanges (requests, for a source VM) broken down; a part loses nothing.
    const part = ['src', 'dst', 'host', 'role', 'part', 'vm'] as const;
    this.vmPartLatency = histogram({ name: 'xtrace_vm_part_latency_seconds', help: "Per-exchange latency of a part of a VM's breakdown (vhost worker, interrupt, guest), per pair, VM host and role", labelNames: part, buckets: LATENCY_BUCKETS_SECONDS });
    this.vmPartQuantile = gauge({ name: 'xtrace_vm_part_latency_quantile_seconds', help: "Latency quantile of a part of a VM's breakdown over the last interval report", labelNames: [...part, 'quantile'] });
    this.events = counter({ name: 'xtrace_events_total', help: 'Packet events received from agents', labelNames: ['host'] });
    this.eventsRate = gauge({ name: 'xtrace_events_per_second', help: 'Packet events received per second over the last 10 s', labelNames: ['host'], collect: () => this.refreshRates() });
    this.ringbufLost = counter({ name: 'xtrace_ringbuf_lost_total', help: 'Events lost because an agent ring buffer was full', labelNames: ['host'] });
    this.batchLost = counter({ name: 'xtrace_batch_lost_total', help: 'Event batches missing (sequence gaps) between agent and controller', labelNames: ['host'] });
    this.batchMalformed = counter({ name: 'xtrace_batch_malformed_total', help: "Event batches dropped unread (not an envelope, too large, a bad field, another host's or probe's), per path host ('' when the sender is not on the probe's path)", labelNames: ['host'] });
    this.probes = counter({ name: 'xtrace_probes_total', help: 'Probes finished, by origin and result', labelNames: ['origin', 'result'] });
    this.probesActive = gauge({ name: 'xtrace_probes_active', help: 'Probes running now' });
    this.attachFailures = counter({ name: 'xtrace_attach_failures_total', help: 'Hook attach failures reported by agents', labelNames: ['host', 'stage', 'hook'] });
    this.scheduledRuns = counter({ name: 'xtrace_scheduler_events_total', help: 'Scheduler events (claimed, takeover, lost, run-done, pair-queued, ...)', labelNames: ['event'] });
    this.scheduledPairs = gauge({ name: 'xtrace_scheduled_pairs', help: 'Scheduled pair probes of this controller holding their probe slots (running) or waiting for them (queued)', labelNames: ['state'], collect: () => this.readProbeSlots() });
    this.alertEvents = counter({ name: 'xtrace_alert_events_total', help: 'Alert state changes', labelNames: ['rule', 'state'] });
    this.alertDeliveries = counter({ name: 'xtrace_alert_deliveries_total', help: 'Alert deliveries by sink type and outcome', labelNames: ['sink', 'result'] });
    this.probesActive.set(0);
  }

  /**
   * Interval reports add their packets, losses and latency histograms; a summary (which covers
   * the whole probe) adds only what its interval reports did not already count (packets the
   * matcher finalized at the end), so a probe's packets are counted once.
   */
  recordReport(r: ProbeReport): void {
    let seen = this.counted.get(r.probeId);
    if (r.kind === 'interval' && seen === undefined) {
      this.counted.set(r.probeId, (seen = new Map()));
      // probes that never send a summary (controller handed them over) must not pile up
      if (this.counted.size > 4096) this.counted.delete(this.counted.keys().next().value as string);
    }
    if (r.kind === 'summary') this.counted.delete(r.probeId);
    const pathFamilies: LatencyFamilies = { latency: this.segmentLatency, quantile: this.segmentQuantile, packets: this.segmentPackets, lost: this.segmentLost };
    const vmPartFamilies: LatencyFamilies = { latency: this.vmPartLatency, quantile: this.vmPartQuantile };
    for (const s of r.segments) {
      const [l, families]: [LabelValues<string>, LatencyFamilies] = s.vm_breakdown === undefined ? [segLabels(r.pair, s), pathFamilies] : [vmPartLabels(r.pair, s.vm_breakdown), vmPartFamilies];
      const key = segmentIdentity(s);
      const before = seen?.get(key) ?? { count: 0, lost: 0, buckets: [], sumUs: 0 };
      const summary = r.kind === 'summary';
      const added = (now: number, already: number) => (summary ? Math.max(0, now - already) : now);
      const h = s.histogram;
      const buckets = h?.counts.length === LATENCY_BUCKETS_SECONDS.length + 1 ? h.counts.map((c, i) => added(c, before.buckets[i] ?? 0)) : undefined;
      const sumUs = h != null ? added(h.sum_us, before.sumUs) : 0;
      if (seen !== undefined && !summary) {
        seen.set(key, {
          count: before.count + s.count,
          lost: before.lost + s.lost,
          buckets: buckets?.map((c, i) => c + (before.buckets[i] ?? 0)) ?? before.buckets,
          sumUs: before.sumUs + sumUs,
        });
      }
      families.packets?.inc(l, added(s.count, before.count));
      families.lost?.inc(l, added(s.lost, before.lost));
      if (buckets !== undefined) families.latency.addCounts(l, buckets, sumUs / 1e6);
      for (const [q, v] of [
        ['0.5', s.p50_us],
        ['0.9', s.p90_us],
        ['0.99', s.p99_us],
        ['1', s.max_us],
      ] as const) {
        if (s.count > 0 && Number.isFinite(v)) families.quantile.set({ ...l, quantile: q }, v / 1e6);
      }
    }
  }

  recordEvents(host: string, n: number): void {
    this.events.inc({ host }, n);
    this.eventWindow.push({ t: this.now(), n, host });
  }

  /** a dropped batch; host '' when its sender is on no path (a label per garbage host token would grow without bound) */
  recordMalformedBatch(host: string | undefined): void {
    this.batchMalformed.inc({ host: host ?? '' });
  }

  recordLoss(host: string, loss: { ringbuf?: number; batches?: number }): void {
    if (loss.ringbuf) this.ringbufLost.inc({ host }, loss.ringbuf);
    if (loss.batches) this.batchLost.inc({ host }, loss.batches);
  }

  probeStarted(): void {
    this.probesActive.inc();
  }

  probeFinished(origin: 'adhoc' | 'scheduled', result: 'ok' | 'no_traffic' | 'failed'): void {
    this.probesActive.dec();
    this.probes.inc({ origin, result });
  }

  attachFailed(host: string, stage: string, hook: string): void {
    this.attachFailures.inc({ host, stage, hook });
  }

  /** Reads the probe slots' running/queued counts at every scrape. */
  followProbeSlots(stats: () => { running: number; queued: number }): void {
    this.probeSlots = stats;
  }

  private readProbeSlots(): void {
    if (this.probeSlots === undefined) return;
    const s = this.probeSlots();
    this.scheduledPairs.set({ state: 'running' }, s.running);
    this.scheduledPairs.set({ state: 'queued' }, s.queued);
  }

  schedulerEvent(ev: SchedulerEvent): void {
    this.scheduledRuns.inc({ event: ev.type });
  }

  alertEvent(ev: AlertEvent): void {
    this.alertEvents.inc({ rule: ev.rule, state: ev.state });
  }

  alertDelivery(r: DeliveryResult): void {
    this.alertDeliveries.inc({ sink: r.sink.slice(0, r.sink.indexOf(':')), result: r.ok ? 'ok' : 'failed' });
  }

  private refreshRates(): void {
    const now = this.now();
    while (this.eventWindow.length > 0 && (this.eventWindow[0] as { t: number }).t < now - 10_000) this.eventWindow.shift();
    const per = new Map<string, number>();
    for (const e of this.eventWindow) per.set(e.host, (per.get(e.host) ?? 0) + e.n);
    this.eventsRate.reset();
    for (const [host, n] of per) this.eventsRate.set({ host }, n / 10);
  }
}
