/**
 * The node agent's metric set, read from the agent's own stats (AgentStats, agent.ts) at
 * scrape time: events from the ring buffer and their rate, ring-buffer loss and the other
 * kernel counters, batches published (and failed), probes, and which hook each stage got
 * (attach failures). Served by `xtrace agent --metrics-listen` (agent-metrics-server.ts).
 */
import { Counter, Gauge, Registry, type LabelValues } from 'prom-client';
import type { AgentStats } from '../agent.js';

export interface AgentStatsSource {
  stats(): AgentStats;
}

/** kernel counters that mean "an event was lost" */
const RINGBUF_LOSS_KEYS = ['ringbuf_full'];

export class AgentMetrics {
  /** the source's cumulative value last added to each counter series */
  private readonly last = new Map<string, number>();
  private readonly rateWindow: { t: number; events: number }[] = [];
  /** the stats of the scrape under way (see stats()) */
  private current: AgentStats | undefined;

  constructor(
    private readonly source: AgentStatsSource,
    readonly registry: Registry = new Registry(),
    private readonly now: () => number = Date.now,
  ) {
    // each family reads the stats when collected; all in this registry only (prom-client's
    // default is its process-wide one); in the order the text shows them
    const registers = [registry];
    /** a counter of the host following a cumulative value of the stats */
    const follow = (name: string, help: string, value: (s: AgentStats) => number) => {
      const c: Counter<'host'> = new Counter({ name, help, labelNames: ['host'], registers, collect: () => this.add(c, name, { host: this.stats().hostId }, value(this.stats())) });
    };
    follow('xtrace_agent_events_total', 'Packet events read from the BPF ring buffer', (s) => s.eventsTotal);
    const rate: Gauge<'host'> = new Gauge({
      name: 'xtrace_agent_events_per_second',
      help: 'Packet events read per second, over the scrapes of the last 10 s (at least the last two)',
      labelNames: ['host'],
      registers,
      collect: () => {
        const s = this.stats();
        const t = this.now();
        this.rateWindow.push({ t, events: s.eventsTotal });
        while (this.rateWindow.length > 2 && (this.rateWindow[0] as { t: number }).t < t - 10_000) this.rateWindow.shift();
        const first = this.rateWindow[0] as { t: number; events: number };
        rate.set({ host: s.hostId }, t > first.t ? (Math.max(0, s.eventsTotal - first.events) * 1000) / (t - first.t) : 0);
      },
    });
    follow('xtrace_agent_ringbuf_lost_total', 'Events dropped in the kernel because the ring buffer was full', (s) =>
      Object.entries(s.kernel).reduce((lost, [counter, v]) => (Number.isFinite(v) && RINGBUF_LOSS_KEYS.includes(counter) ? lost + v : lost), 0),
    );
    const kernel: Counter<'host' | 'counter'> = new Counter({
      name: 'xtrace_agent_kernel_counter_total',
      help: 'BPF-side counters (parse failures, ring buffer full, ...), summed over CPUs',
      labelNames: ['host', 'counter'],
      registers,
      collect: () => {
        const s = this.stats();
        for (const [counter, v] of Object.entries(s.kernel)) if (Number.isFinite(v)) this.add(kernel, 'xtrace_agent_kernel_counter_total', { host: s.hostId, counter }, v);
      },
    });
    follow('xtrace_agent_batches_published_total', 'Event batches published to NATS', (s) => s.batchesPublished);
    follow('xtrace_agent_records_published_total', 'Records published to NATS in event batches', (s) => s.recordsPublished);
    follow('xtrace_agent_batch_publish_failures_total', 'Event batches whose publish failed (lost for the controller)', (s) => s.batchPublishFailures);
    follow('xtrace_agent_batches_dropped_backlog_total', 'Event batches dropped because NATS had not confirmed the window before them (lost for the controller)', (s) => s.batchesDroppedBacklog);
    follow('xtrace_agent_records_dropped_backlog_total', 'Records in those batches', (s) => s.recordsDroppedBacklog);
    follow('xtrace_agent_probes_started_total', 'Probes started on this agent', (s) => s.probesStarted);
    const unconfirmed: Gauge<'host'> = new Gauge({
      name: 'xtrace_agent_unconfirmed_bytes',
      help: 'Event bytes published and not yet confirmed by the NATS server (bounded by --publish-window)',
      labelNames: ['host'],
      registers,
      collect: () => {
        const s = this.stats();
        unconfirmed.set({ host: s.hostId }, s.unconfirmedBytes);
      },
    });
    const probesActive: Gauge<'host'> = new Gauge({
      name: 'xtrace_agent_probes_active',
      help: 'Probes running on this agent now',
      labelNames: ['host'],
      registers,
      collect: () => probesActive.set({ host: this.stats().hostId }, this.stats().probesActive),
    });
    // a stage's series are the stages of the last stats: the ones gone are dropped
    const attached: Gauge<'host' | 'stage' | 'hook'> = new Gauge({
      name: 'xtrace_agent_stage_attached',
      help: '1 if the path stage has a hook attached (hook label: which one), else 0',
      labelNames: ['host', 'stage', 'hook'],
      registers,
      collect: () => {
        const s = this.stats();
        attached.reset();
        for (const st of s.stages) attached.set({ host: s.hostId, stage: st.stage, hook: st.hook ?? '' }, st.attached ? 1 : 0);
      },
    });
    const attachFailures: Gauge<'host' | 'stage'> = new Gauge({
      name: 'xtrace_agent_hook_attach_failures',
      help: 'Hook candidates of a stage that could not be used (fallbacks taken), by stage',
      labelNames: ['host', 'stage'],
      registers,
      collect: () => {
        const s = this.stats();
        attachFailures.reset();
        for (const st of s.stages) attachFailures.set({ host: s.hostId, stage: st.stage }, st.fallbacks.length);
      },
    });
  }

  /**
   * One stats() read per scrape: prom-client collects every family of a scrape in the same
   * synchronous run, so the stats are kept until the microtasks after it.
   */
  private stats(): AgentStats {
    if (this.current === undefined) {
      this.current = this.source.stats();
      queueMicrotask(() => (this.current = undefined));
    }
    return this.current;
  }

  /** Bring a counter series up to the source's cumulative value (a source reset starts over from 0). */
  private add<T extends string>(c: Counter<T>, name: string, labels: LabelValues<T>, cumulative: number): void {
    const key = `${name}|${Object.values(labels).join('|')}`;
    const prev = this.last.get(key) ?? 0;
    const by = cumulative >= prev ? cumulative - prev : cumulative;
    this.last.set(key, cumulative);
    c.inc(labels, by);
  }
}
