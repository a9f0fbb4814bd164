/**
 * The node agent's metric set, read from the agent's own stats at scrape time: events from the
 * ring buffer and their rate, ring-buffer loss and the other kernel counters, batches
 * published (and failed), probes, and which hook each stage got (attach failures). Kept here,
 * beside the registry, so the agent package does not depend on the controller: the CLI
 * (`xtrace agent --metrics-listen`) passes the agent in as an AgentStatsSource.
 */
import { MetricsRegistry, type Counter } from './registry.js';

/** Structurally the node agent's AgentStats (node-agent/src/agent.ts). */
export interface AgentStatsSnapshot {
  hostId: string;
  eventsTotal: number;
  recordsPublished: number;
  batchesPublished: number;
  batchPublishFailures: number;
  probesActive: number;
  probesStarted: number;
  kernel: Record<string, number>;
  stages: { stage: string; hook?: string; attached: boolean; fallbacks: { candidate: string; reason: string }[] }[];
}

export interface AgentStatsSource {
  stats(): AgentStatsSnapshot;
}

/** kernel counters that mean "an event was lost" */
const RINGBUF_LOSS_KEYS = ['ringbuf_full'];

export class AgentMetrics {
  /** the source's cumulative value last added to each counter series */
  private readonly last = new Map<string, number>();
  private readonly rateWindow: { t: number; events: number }[] = [];

  constructor(
    private readonly source: AgentStatsSource,
    readonly registry: MetricsRegistry = new MetricsRegistry(),
    private readonly now: () => number = Date.now,
  ) {
    const events = registry.counter({ name: 'xtrace_agent_events_total', help: 'Packet events read from the BPF ring buffer', labelNames: ['host'] });
    const rate = registry.gauge({ name: 'xtrace_agent_events_per_second', help: 'Packet events read per second, over the scrapes of the last 10 s (at least the last two)', labelNames: ['host'] });
    const ringbuf = registry.counter({ name: 'xtrace_agent_ringbuf_lost_total', help: 'Events dropped in the kernel because the ring buffer was full', labelNames: ['host'] });
    const kernel = registry.counter({ name: 'xtrace_agent_kernel_counter_total', help: 'BPF-side counters (parse failures, ring buffer full, ...), summed over CPUs', labelNames: ['host', 'counter'] });
    const batches = registry.counter({ name: 'xtrace_agent_batches_published_total', help: 'Event batches published to NATS', labelNames: ['host'] });
    const records = registry.counter({ name: 'xtrace_agent_records_published_total', help: 'Records published to NATS in event batches', labelNames: ['host'] });
    const failures = registry.counter({ name: 'xtrace_agent_batch_publish_failures_total', help: 'Event batches whose publish failed (lost for the controller)', labelNames: ['host'] });
    const probesStarted = registry.counter({ name: 'xtrace_agent_probes_started_total', help: 'Probes started on this agent', labelNames: ['host'] });
    const probesActive = registry.gauge({ name: 'xtrace_agent_probes_active', help: 'Probes running on this agent now', labelNames: ['host'] });
    const attached = registry.gauge({ name: 'xtrace_agent_stage_attached', help: '1 if the path stage has a hook attached (hook label: which one), else 0', labelNames: ['host', 'stage', 'hook'] });
    const attachFailures = registry.gauge({ name: 'xtrace_agent_hook_attach_failures', help: 'Hook candidates of a stage that could not be used (fallbacks taken), by stage', labelNames: ['host', 'stage'] });

    registry.onCollect(() => {
      const s = this.source.stats();
      const host = s.hostId;
      this.add(events, { host }, s.eventsTotal);
      this.add(batches, { host }, s.batchesPublished);
      this.add(records, { host }, s.recordsPublished);
      this.add(failures, { host }, s.batchPublishFailures);
      this.add(probesStarted, { host }, s.probesStarted);
      probesActive.set({ host }, s.probesActive);
      let lost = 0;
      for (const [counter, v] of Object.entries(s.kernel)) {
        if (!Number.isFinite(v)) continue;
        this.add(kernel, { host, counter }, v);
        if (RINGBUF_LOSS_KEYS.includes(counter)) lost += v;
      }
      this.add(ringbuf, { host }, lost);
      attached.remove();
      attachFailures.remove();
      for (const st of s.stages) {
        attached.set({ host, stage: st.stage, hook: st.hook ?? '' }, st.attached ? 1 : 0);
        attachFailures.set({ host, stage: st.stage }, st.fallbacks.length);
      }
      // rate over the scrapes of the last 10 s
      const t = this.now();
      this.rateWindow.push({ t, events: s.eventsTotal });
      while (this.rateWindow.length > 2 && (this.rateWindow[0] as { t: number }).t < t - 10_000) this.rateWindow.shift();
      const first = this.rateWindow[0] as { t: number; events: number };
      rate.set({ host }, t > first.t ? (Math.max(0, s.eventsTotal - first.events) * 1000) / (t - first.t) : 0);
    });
  }

  /** Bring a counter series up to the source's cumulative value (a source reset starts over from 0). */
  private add(c: Counter, labels: Record<string, string>, cumulative: number): void {
    const key = `${c.name}|${Object.values(labels).join('|')}`;
    const prev = this.last.get(key) ?? 0;
    const by = cumulative >= prev ? cumulative - prev : cumulative;
    this.last.set(key, cumulative);
    c.inc(labels, by);
  }
}
