/**
 * Glue between the probe pipeline (registry, ProbeManager) and the fleet layer (FleetService):
 * the registry as the scheduler's inventory, a runProbe that starts a scheduled pair probe
 * through the same ProbeManager path `xtrace pair` uses, and a ProbeObserver that feeds every
 * report and batch of every probe into history, alerts and metrics.
 */
import type pino from 'pino';
import { XtraceError, errorMessage, type PairReport } from '@xtrace/proto';
import { bareAddress, type AgentRegistry } from './agent-registry.js';
import type { FleetService } from './fleet/fleet-service.js';
import { probeReportFromPairReport } from './fleet/pair-report-adapter.js';
import type { AgentInventory, InventoryAgent } from './fleet/pair-selector.js';
import type { RunProbeFn } from './fleet/scheduler.js';
import type { Probe, ProbeManager, ProbeObserver } from './probe-manager.js';

/** The registry's up agents and their learned VM addresses (with the VMs' names when known), as the pair selector wants them. */
export function registryInventoryNow(registry: AgentRegistry): InventoryAgent[] {
  return registry
    .list()
    .filter((r) => r.state === 'up')
    .map((r) => ({
      hostId: r.host,
      vms: r.status.inventory.vms.flatMap((vm) => vm.addresses.map((a) => ({ address: bareAddress(a), ...(vm.name ? { name: vm.name } : {}) }))),
    }));
}

export function registryInventory(registry: AgentRegistry): AgentInventory {
  return { listAgents: async () => registryInventoryNow(registry) };
}

/**
 * Scheduled probes: ProbeManager.start with the scheduler's probe id, kept running without a
 * watcher, stopped when the scheduler aborts (run lost or controller stopping); resolves with
 * the final summary.
 */
export function managerRunProbe(probes: ProbeManager, logger: pino.Logger): RunProbeFn {
  const log = logger.child({ part: 'scheduled-probes' });
  return async (pair, o) => {
    if (o.signal.aborted) throw new XtraceError('internal', 'scheduled run aborted before its probe started');
    const p = await probes.start(
      {
        src: pair.src,
        dst: pair.dst,
        proto: o.proto === undefined || o.proto === 'any' ? '' : o.proto,
        port: 0,
        duration_ms: o.durationMs,
        interval_ms: 0,
        sample_k: 0,
        sample_n: 0,
        keep_on_disconnect: true,
      },
      { probeId: o.probeId, origin: 'scheduled' },
    );
    const final = new Promise<PairReport>((resolve) => {
      if (p.finalReport) resolve(p.finalReport);
      else p.once('final', resolve);
    });
    const onAbort = (): void => {
      void probes.stop(p.info.probe_id, 'scheduled run handed over or controller stopping').catch((e: unknown) => log.warn({ err: e, probeId: p.info.probe_id }, `stopping an aborted scheduled probe failed: ${errorMessage(e)}`));
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.signal.aborted) onAbort();
    try {
      const r = await final;
      if (r.state === 'failed') throw new XtraceError('agent', `probe ${r.probe_id} failed: ${r.message}`);
      return probeReportFromPairReport(r);
    } finally {
      o.signal.removeEventListener('abort', onAbort);
    }
  };
}

/** Agent-wide cumulative kernel counters arrive in every probe's batches: count each increase once per host. */
class HostCounterDeltas {
  private readonly last = new Map<string, { bootId: string; values: Record<string, number> }>();

  delta(host: string, bootId: string, counters: Record<string, number>, key: string): number {
    const v = counters[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return 0;
    let prev = this.last.get(host);
    if (prev === undefined || prev.bootId !== bootId) {
      // first sight (or agent reboot): a baseline, nothing to count yet
      this.last.set(host, (prev = { bootId, values: {} }));
    }
    const before = prev.values[key];
    if (before === undefined || v < before) {
      prev.values[key] = v;
      return 0;
    }
    prev.values[key] = v;
    return v - before;
  }
}

/** Feeds every probe's reports (interval and final, ad hoc and scheduled) and batches to the fleet layer. */
export function fleetProbeObserver(fleet: FleetService, logger: pino.Logger): ProbeObserver {
  const log = logger.child({ part: 'fleet-feed' });
  const kernel = new HostCounterDeltas();
  const m = fleet.metrics;
  return {
    probeStarted: () => m.probeStarted(),
    report: (p: Probe, r: PairReport) => {
      if (r.final) m.probeFinished(p.origin, r.state === 'failed' ? 'failed' : r.no_traffic ? 'no_traffic' : 'ok');
      fleet.onPairReport(r).catch((e: unknown) => log.error({ err: e, probeId: r.probe_id }, `fleet report handling failed: ${errorMessage(e)}`));
    },
    batch: (_p, host, b) => {
      if (b.records > 0) m.recordEvents(host, b.records);
      const ringbuf = kernel.delta(host, b.bootId, b.counters, 'ringbuf_full');
      if (ringbuf > 0 || b.lostBatches > 0) m.recordLoss(host, { ringbuf, batches: b.lostBatches });
    },
    malformedBatch: (_p, host) => m.recordMalformedBatch(host),
  };
}
