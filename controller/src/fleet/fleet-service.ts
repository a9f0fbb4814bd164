/**
 * One object that wires the fleet layer into a controller: every probe report goes to
 * history, metrics and the alert evaluator (rules followed live from KV), and alert events go
 * to their sinks through bounded queues. The scheduler is started with the given runProbe.
 * Alerts see interval reports and summaries (a short scheduled probe may only have the latter).
 *
 * Wiring (controller): `const fleet = await FleetService.start({nc, controllerId, runProbe,
 * inventory})`, then `fleet.onPairReport(report)` for every interval and final PairReport,
 * `fleet.metrics` for the rest of the metric set, `await fleet.stop()` on shutdown.
 *
 * Exactly once: a scheduled probe's summary reaches this service twice (the controller feeds
 * every final PairReport, and the scheduler hands the same summary to onReport once it has
 * recorded the run); the second is recognised by its probe id and ignored.
 */
import type { NatsConnection } from 'nats';
import { pino, type Logger } from 'pino';
import { errorMessage, startMetricsServer, type MetricsServer, type PairReport } from '@xtrace/proto';
import { AlertDispatcher } from './alert-dispatcher.js';
import { AlertEvaluator } from './alert-evaluator.js';
import { AlertStore } from './alert-store.js';
import { HistoryStore, mib, type HistoryOptions, type HistoryStreamLimits } from './history-store.js';
import type { JetStreamPlacement } from './kv-buckets.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import type { ProbeCaps } from './fleet-probe-semaphore.js';
import { probeReportFromPairReport } from './pair-report-adapter.js';
import type { AgentInventory, InventoryAgent } from './pair-selector.js';
import type { ProbeReport } from './probe-report.js';
import { Scheduler, type RunProbeFn } from './scheduler.js';

interface FleetServiceOptions {
  nc: NatsConnection;
  controllerId: string;
  /** omit to run without the scheduler (e.g. a read-only controller) */
  runProbe?: RunProbeFn;
  inventory: AgentInventory;
  /** the inventory as it is now, for label selectors of alert rules (default: the last one listAgents returned) */
  inventoryNow?: () => InventoryAgent[];
  /** scheduled probes per agent and in the fleet, held across every controller */
  caps?: ProbeCaps;
  history?: HistoryOptions;
  /**
   * how the buckets and the history stream are stored when this controller creates them
   * (replicas: 3 on a 3-node cluster); history.replicas, when given, wins for the stream
   */
  placement?: JetStreamPlacement;
  /** `{port}` to serve /metrics */
  metricsListen?: { host?: string; port: number };
  logger?: Logger;
}

/** Says when the history stream is not the size asked for: sized down to fit, or made earlier by another. */
function logHistoryLimits(log: Logger, limits: HistoryStreamLimits, asked: HistoryOptions | undefined): void {
  const sizes = { maxBytes: limits.maxBytes, maxAgeMs: limits.maxAgeMs };
  if (limits.sizedDownFrom !== undefined) {
    log.warn(sizes, `history stream sized ${mib(limits.maxBytes)}: the NATS server cannot reserve ${mib(limits.sizedDownFrom)} of JetStream file storage (--history-max-bytes sets the size)`);
  } else if (!limits.created && ((asked?.maxBytes !== undefined && asked.maxBytes !== limits.maxBytes) || (asked?.maxAgeMs !== undefined && asked.maxAgeMs !== limits.maxAgeMs))) {
    log.warn(sizes, `history stream exists with max ${mib(limits.maxBytes)} and ${limits.maxAgeMs} ms: --history-max-bytes and --history-max-age apply only when a controller creates it (nats stream edit changes it)`);
  }
}

export class FleetService {
  private stopRules?: () => void;
  private metricsServer?: MetricsServer;
  private scheduler?: Scheduler;
  private lastAgents: InventoryAgent[] | undefined;
  /** probe ids whose summary was already taken (insertion-ordered, bounded) */
  private readonly summarized = new Set<string>();

  private constructor(
    readonly history: HistoryStore,
    readonly alerts: AlertEvaluator,
    readonly dispatcher: AlertDispatcher,
    readonly metrics: ControllerMetrics,
    private readonly log: Logger,
  ) {}

  static async start(o: FleetServiceOptions): Promise<FleetService> {
    const log = o.logger ?? pino({ name: 'xtrace-fleet', level: process.env['XTRACE_LOG_LEVEL'] ?? 'info' });
    const metrics = new ControllerMetrics();
    const dispatcher = new AlertDispatcher({ nc: o.nc, logger: log, onResult: (r) => metrics.alertDelivery(r) });
    let svc: FleetService | undefined;
    const alerts = new AlertEvaluator({
      onEvent: (ev, rule) => {
        metrics.alertEvent(ev);
        log.info({ rule: ev.rule, state: ev.state, pair: ev.pair, segment: ev.segment, value: ev.value }, 'alert');
        dispatcher.dispatch(ev, rule);
      },
      inventory: () => (o.inventoryNow !== undefined ? o.inventoryNow() : svc?.lastAgents),
    });
    const placement = o.placement ?? {};
    const history = await HistoryStore.open(o.nc, { ...(placement.replicas !== undefined ? { replicas: placement.replicas } : {}), ...o.history });
    logHistoryLimits(log, history.limits, o.history);
    svc = new FleetService(history, alerts, dispatcher, metrics, log);
    svc.stopRules = await (await AlertStore.open(o.nc, placement)).follow(
      (rules) => alerts.setRules(rules),
      (e) => log.error({ err: errorMessage(e) }, 'alert rule watch'),
    );
    const inventory: AgentInventory = {
      listAgents: async () => {
        const a = await o.inventory.listAgents();
        if (svc !== undefined) svc.lastAgents = a;
        return a;
      },
    };
    void inventory.listAgents().catch(() => undefined);
    if (o.runProbe !== undefined) {
      svc.scheduler = new Scheduler({
        nc: o.nc,
        placement,
        controllerId: o.controllerId,
        runProbe: o.runProbe,
        inventory,
        logger: log,
        onEvent: (ev) => metrics.schedulerEvent(ev),
        // the summary of each scheduled probe (its interval reports come through onPairReport)
        onReport: (r) => (svc as FleetService).onReport(r),
        ...(o.caps !== undefined ? { caps: o.caps } : {}),
      });
    }
    try {
      await svc.scheduler?.start();
      const scheduler = svc.scheduler;
      if (scheduler !== undefined) metrics.followProbeSlots(() => scheduler.slots.stats());
      if (o.metricsListen !== undefined) svc.metricsServer = await startMetricsServer(metrics.registry, o.metricsListen);
    } catch (e: unknown) {
      await svc.stop().catch(() => undefined);
      throw e;
    }
    return svc;
  }

  get metricsUrl(): string | undefined {
    return this.metricsServer?.url;
  }

  get schedulerInstance(): Scheduler | undefined {
    return this.scheduler;
  }

  /** Every interval and final report of every probe (ad hoc or scheduled). */
  async onPairReport(r: PairReport): Promise<void> {
    await this.onReport(probeReportFromPairReport(r));
  }

  async onReport(report: ProbeReport): Promise<void> {
    if (report.kind === 'summary') {
      if (this.summarized.has(report.probeId)) return;
      this.summarized.add(report.probeId);
      if (this.summarized.size > 10_000) this.summarized.delete(this.summarized.values().next().value as string);
    }
    this.metrics.recordReport(report);
    this.alerts.observe(report);
    try {
      await this.history.append(report);
    } catch (e: unknown) {
      this.log.error({ probe: report.probeId, err: errorMessage(e) }, 'history append failed');
    }
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
    this.stopRules?.();
    await this.metricsServer?.close();
  }
}
