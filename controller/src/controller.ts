/**
 * `xtrace controller`: NATS (given, or an embedded nats-server), the agent registry, the
 * probe manager, the gRPC API and the fleet layer (scheduled probes, history, alerts,
 * Prometheus /metrics; needs JetStream), with a clean shutdown that stops every probe.
 */
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { DEFAULT_CONTROLLER_ADDRESS, UnreachableError, connectNats, errorMessage, startMetricsServer, type MetricsServer, type NatsSettings } from '@xtrace/proto';
import { AgentRegistry } from './agent-registry.js';
import { startEmbeddedNats, type EmbeddedNats } from './embedded-nats.js';
import { createAlertService } from './grpc-alert-service.js';
import { createScheduleService } from './grpc-schedule-service.js';
import { inspectHandlers } from './grpc-inspect.js';
import { createXtraceService, parseListen, startGrpcServer } from './grpc-service.js';
import { checkListenSecurity, describeSecurity, isLoopbackBind, type GrpcServerSecurity } from './grpc-security.js';
import { ProbeManager } from './probe-manager.js';
import type { AnalyzerFactory } from './probe-analyzer.js';
import { defaultAnalyzerFactory } from './matcher-adapter.js';
import { FleetService } from './fleet/fleet-service.js';
import type { HistoryOptions } from './fleet/history-store.js';
import type { ProbeCaps } from './fleet/fleet-probe-semaphore.js';
import { fleetProbeObserver, managerRunProbe, registryInventory, registryInventoryNow } from './fleet-bridge.js';

interface ControllerOptions {
  /** no url: start an embedded nats-server on loopback */
  nats?: NatsSettings;
  listen?: string;
  /** TLS, client certificates, token of the gRPC API (grpc-security.ts); none: plaintext, loopback only */
  grpcSecurity?: GrpcServerSecurity;
  logger?: pino.Logger;
  analyzerFactory?: AnalyzerFactory;
  leaseMs?: number;
  renewMs?: number;
  orphanMs?: number;
  missedHeartbeats?: number;
  /** false: no scheduler, history, alerts or metrics (NATS without JetStream). Default on. */
  fleet?: boolean;
  /** Prometheus /metrics address (needs the fleet layer); undefined: none */
  metricsListen?: { host: string; port: number };
  /** the metrics address is only a default: if it is taken, warn and run without /metrics */
  metricsOptional?: boolean;
  /** concurrency caps of scheduled probes, per agent and in the fleet (every controller should use the same) */
  scheduleCaps?: ProbeCaps;
  /**
   * replicas of the fleet's JetStream buckets and history stream when this controller creates
   * them: 3 on a 3-node NATS cluster (one node may die), 1 (default) on a single server
   */
  jsReplicas?: number;
  /** the history stream's size and age limits when this controller creates it (history-store.ts) */
  history?: Pick<HistoryOptions, 'maxBytes' | 'maxAgeMs'>;
}

/** Fails with a clear message when the NATS server has no JetStream (the fleet layer needs it). */
async function requireJetStream(nc: NatsConnection, url: string | undefined): Promise<void> {
  try {
    const jsm = await nc.jetstreamManager({ timeout: 3000 });
    await jsm.getAccountInfo();
  } catch (e: unknown) {
    throw new UnreachableError(
      `NATS at ${url ?? '(default)'} has no JetStream (${errorMessage(e)}); scheduled probes, history and alerts are kept in JetStream: ` +
        'start nats-server with -js (jetstream: enabled), or run the controller with --no-fleet',
      { cause: e },
    );
  }
}

export interface Controller {
  id: string;
  natsUrl: string;
  grpcAddress: string;
  nc: NatsConnection;
  registry: AgentRegistry;
  probes: ProbeManager;
  embedded: EmbeddedNats | undefined;
  /** the fleet layer, unless started with fleet: false */
  fleet: FleetService | undefined;
  /** http://host:port/metrics when serving metrics */
  metricsUrl: string | undefined;
  /** stops every probe on its agents, closes gRPC, NATS, the embedded server */
  close(): Promise<void>;
  /** tests: die like a crash (no stop commands; agents' leases run out) */
  crash(): Promise<void>;
}

export async function startController(opts: ControllerOptions = {}): Promise<Controller> {
  const logger = opts.logger ?? pino({ name: 'xtrace-controller' });
  const listen = opts.listen ?? DEFAULT_CONTROLLER_ADDRESS;
  const security = opts.grpcSecurity ?? {};
  // refuse an open plaintext API before starting anything
  const bind = parseListen(listen);
  checkListenSecurity(bind, security);
  if (security.tls === undefined && !isLoopbackBind(bind)) {
    logger.warn({ listen: bind }, 'gRPC API in plaintext beyond loopback (--insecure): anyone reaching it can make every hypervisor load BPF programs');
  }
  const id = `c${randomBytes(4).toString('hex')}`;
  let embedded: EmbeddedNats | undefined;
  let settings = opts.nats ?? {};
  if (settings.url === undefined) {
    embedded = await startEmbeddedNats({ logger, instance: listen });
    settings = { url: embedded.url };
  }
  let nc: NatsConnection;
  try {
    nc = await connectNats(settings, `xtrace-controller-${id}`);
  } catch (e: unknown) {
    await embedded?.stop();
    throw e;
  }
  const registry = new AgentRegistry({ nc, logger, ...(opts.missedHeartbeats !== undefined ? { missedHeartbeats: opts.missedHeartbeats } : {}) });
  const probes = new ProbeManager({
    nc,
    registry,
    logger,
    controllerId: id,
    analyzerFactory: opts.analyzerFactory ?? defaultAnalyzerFactory(logger),
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.renewMs !== undefined ? { renewMs: opts.renewMs } : {}),
    ...(opts.orphanMs !== undefined ? { orphanMs: opts.orphanMs } : {}),
  });
  let server: grpc.Server | undefined;
  let address: string;
  let fleet: FleetService | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    await registry.start();
    if (opts.fleet !== false) {
      await requireJetStream(nc, settings.url);
      fleet = await FleetService.start({
        nc,
        controllerId: id,
        runProbe: managerRunProbe(probes, logger),
        inventory: registryInventory(registry),
        inventoryNow: () => registryInventoryNow(registry),
        logger: logger.child({ part: 'fleet' }),
        ...(opts.jsReplicas !== undefined ? { placement: { replicas: opts.jsReplicas } } : {}),
        ...(opts.scheduleCaps !== undefined ? { caps: opts.scheduleCaps } : {}),
        ...(opts.history !== undefined ? { history: opts.history } : {}),
      });
      probes.setObserver(fleetProbeObserver(fleet, logger));
      if (opts.metricsListen !== undefined) {
        try {
          metricsServer = await startMetricsServer(fleet.metrics.registry, opts.metricsListen);
        } catch (e: unknown) {
          if (!opts.metricsOptional) throw e;
          logger.warn({ err: errorMessage(e) }, 'no /metrics: the default metrics address is taken (give --metrics-listen HOST:PORT or off)');
        }
      }
    }
    ({ server, address } = await startGrpcServer(listen, { ...createXtraceService(probes, registry, logger, fleet?.history), ...inspectHandlers(nc, registry, logger) }, {
      Schedules: createScheduleService(fleet !== undefined ? nc : undefined, logger),
      AlertRules: createAlertService(fleet !== undefined ? { nc, dispatcher: fleet.dispatcher } : undefined, logger),
    }, security, logger));
  } catch (e: unknown) {
    server?.forceShutdown();
    await metricsServer?.close();
    await fleet?.stop().catch(() => {});
    probes.setObserver(undefined);
    registry.stop();
    await nc.close();
    await embedded?.stop();
    throw e;
  }
  const grpcServer = server;
  logger.info({ grpc: address, grpcSecurity: describeSecurity(security), nats: settings.url, embedded: embedded !== undefined, fleet: fleet !== undefined, metrics: metricsServer?.url }, 'controller ready');

  let closing: Promise<void> | undefined;
  const shutdownGrpc = (): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        grpcServer.forceShutdown();
        resolve();
      }, 2000);
      grpcServer.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  return {
    id,
    natsUrl: settings.url!,
    grpcAddress: address,
    nc,
    registry,
    probes,
    embedded,
    fleet,
    metricsUrl: metricsServer?.url,
    close: () =>
      (closing ??= (async () => {
        // hand scheduled runs back first (their probes are stopped through the abort), then the rest
        await fleet?.stop().catch((e: unknown) => logger.warn({ err: e }, `fleet stop failed: ${errorMessage(e)}`));
        await probes.shutdown();
        probes.setObserver(undefined);
        await metricsServer?.close();
        registry.stop();
        await shutdownGrpc();
        try {
          await nc.drain();
        } catch (e: unknown) {
          logger.warn({ err: e }, `NATS drain failed: ${errorMessage(e)}`);
        }
        await embedded?.stop();
        logger.info('controller stopped');
      })()),
    crash: () =>
      (closing ??= (async () => {
        fleet?.schedulerInstance?.kill();
        probes.setObserver(undefined);
        probes.abandon();
        registry.stop();
        grpcServer.forceShutdown();
        await metricsServer?.close();
        await nc.close();
        await embedded?.stop();
      })()),
  };
}
