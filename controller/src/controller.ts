/**
 * `xtrace controller`: NATS (given, or an embedded nats-server), the agent registry, the
 * probe manager and the gRPC API, with a clean shutdown that stops every probe.
 */
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { DEFAULT_CONTROLLER_ADDRESS, connectNats, errorMessage, type NatsSettings } from '@xtrace/proto';
import { AgentRegistry } from './agent-registry.js';
import { startEmbeddedNats, type EmbeddedNats } from './embedded-nats.js';
import { createXtraceService, startGrpcServer } from './grpc-service.js';
import { ProbeManager } from './probe-manager.js';
import type { AnalyzerFactory } from './probe-analyzer.js';
import { defaultAnalyzerFactory } from './matcher-adapter.js';

export interface ControllerOptions {
  /** no url: start an embedded nats-server on loopback */
  nats?: NatsSettings;
  listen?: string;
  logger?: pino.Logger;
  analyzerFactory?: AnalyzerFactory;
  leaseMs?: number;
  renewMs?: number;
  orphanMs?: number;
  missedHeartbeats?: number;
}

export interface Controller {
  id: string;
  natsUrl: string;
  grpcAddress: string;
  nc: NatsConnection;
  registry: AgentRegistry;
  probes: ProbeManager;
  embedded: EmbeddedNats | undefined;
  /** stops every probe on its agents, closes gRPC, NATS, the embedded server */
  close(): Promise<void>;
  /** tests: die like a crash (no stop commands; agents' leases run out) */
  crash(): Promise<void>;
}

export async function startController(opts: ControllerOptions = {}): Promise<Controller> {
  const logger = opts.logger ?? pino({ name: 'xtrace-controller' });
  const listen = opts.listen ?? DEFAULT_CONTROLLER_ADDRESS;
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
  let server: grpc.Server;
  let address: string;
  try {
    await registry.start();
    ({ server, address } = await startGrpcServer(listen, createXtraceService(probes, registry, logger)));
  } catch (e: unknown) {
    registry.stop();
    await nc.close();
    await embedded?.stop();
    throw e;
  }
  logger.info({ grpc: address, nats: settings.url, embedded: embedded !== undefined }, 'controller ready');

  let closing: Promise<void> | undefined;
  const shutdownGrpc = (): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
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
    close: () =>
      (closing ??= (async () => {
        await probes.shutdown();
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
        probes.abandon();
        registry.stop();
        server.forceShutdown();
        await nc.close();
        await embedded?.stop();
      })()),
  };
}
