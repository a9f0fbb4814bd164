/**
 * The Xtrace gRPC service (proto/xtrace.proto) over the registry, the probe manager and (with
 * the fleet layer) the history store. Errors carry an `xtrace-code` metadata entry (usage,
 * agent, unreachable, ...) so clients can map them to exit codes (grpc-errors.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import { XtraceError, type PairProbeEvent, type PairReport, type StartPairProbeRequest } from '@xtrace/proto';
import { loadGrpcService, loadXtraceGrpc, type XtraceServiceName } from '@xtrace/proto/grpc';
import type { AgentRegistry } from './agent-registry.js';
import type { HistoryStore } from './fleet/history-store.js';
import { toServiceError } from './grpc-errors.js';
import { historyHandlers } from './grpc-history.js';
import { followProbe } from './grpc-probe-follower.js';
import { checkListenSecurity, serverCredentials, type GrpcServerSecurity } from './grpc-security.js';
import { tokenInterceptor } from './grpc-token-auth.js';
import type { ProbeManager } from './probe-manager.js';
import { ProbeTargetResolver } from './probe-target-resolver.js';

/** `history` undefined: the controller runs without the fleet layer, the history RPCs say so. */
export function createXtraceService(manager: ProbeManager, registry: AgentRegistry, logger: pino.Logger, history?: HistoryStore): grpc.UntypedServiceImplementation {
  const log = logger.child({ part: 'grpc' });
  const targets = new ProbeTargetResolver(registry);
  return {
    ...historyHandlers(history, log, (src, dst) => targets.historyAddresses(src, dst)),
    StartPairProbe: (call: grpc.ServerUnaryCall<StartPairProbeRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      manager.start(call.request).then(
        (p) => {
          if (call.cancelled) {
            // the client went away (deadline, ^C) while we were starting: do not leave it running
            void manager.stop(p.info.probe_id, 'client cancelled the start').catch(() => {});
            return;
          }
          cb(null, { ...p.info, state: p.state });
        },
        (e: unknown) => cb(toServiceError(e)),
      );
    },

    WatchProbe: (call: grpc.ServerWritableStream<{ probe_id: string }, PairReport>) => {
      const id = call.request.probe_id;
      const p = manager.get(id);
      if (!p) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `probe_id: no probe '${id}'` });
        return;
      }
      followProbe(p, call, manager, log, (r) => r);
    },

    RunPairProbe: (call: grpc.ServerWritableStream<StartPairProbeRequest, PairProbeEvent>) => {
      manager.start(call.request).then(
        (p) => {
          if (call.cancelled) {
            void manager.stop(p.info.probe_id, 'client cancelled the start').catch(() => {});
            return;
          }
          call.write({ kind: 'started', started: { ...p.info, state: p.state } });
          // the final report's event carries the probe's captures (pcap_snaplen): set before 'final'
          followProbe(p, call, manager, log, (report): PairProbeEvent => ({ kind: 'report', report, ...(report.final && p.pcap !== undefined ? { pcap: p.pcap } : {}) }));
        },
        (e: unknown) => call.emit('error', toServiceError(e)),
      );
    },

    StopProbe: (call: grpc.ServerUnaryCall<{ probe_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const id = call.request.probe_id;
      if (!manager.get(id)) {
        cb({ code: grpc.status.NOT_FOUND, details: `probe_id: no probe '${id}'` });
        return;
      }
      manager.stop(id, 'stopped by request').then(
        (r) => cb(null, r),
        (e: unknown) => cb(toServiceError(e)),
      );
    },

    ListAgents: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, { agents: registry.list().map((r) => registry.toInfo(r)) });
    },

    ListProbes: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, { probes: manager.list() });
    },
  };
}

/** "127.0.0.1:7070", "[::1]:7070", ":7070" -> grpc bind address; throws UsageError on nonsense. */
export function parseListen(listen: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]*):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new XtraceError('usage', `--listen: expected HOST:PORT like 127.0.0.1:7070, got '${listen}'`);
  return `${m[1] === '' ? '0.0.0.0' : m[1]}:${m[2]}`;
}

/**
 * `impl`: the Xtrace service; `more`: the other services of proto/xtrace.proto, on the same
 * address; `security`: TLS and the token every call of every service must carry
 * (grpc-security.ts); plaintext beyond loopback is refused before binding unless `insecure`.
 */
export async function startGrpcServer(
  listen: string,
  impl: grpc.UntypedServiceImplementation,
  more: Partial<Record<Exclude<XtraceServiceName, 'Xtrace'>, grpc.UntypedServiceImplementation>> = {},
  security: GrpcServerSecurity = {},
  logger?: pino.Logger,
): Promise<{ server: grpc.Server; address: string }> {
  const bind = parseListen(listen);
  checkListenSecurity(bind, security);
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    ...(security.token !== undefined ? { interceptors: [tokenInterceptor(security.token, logger?.child({ part: 'grpc' }))] } : {}),
  });
  server.addService(loadXtraceGrpc().service, impl);
  for (const [name, m] of Object.entries(more) as [XtraceServiceName, grpc.UntypedServiceImplementation][]) server.addService(loadGrpcService(name).service, m);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(bind, serverCredentials(security.tls), (err, p) => (err ? reject(new XtraceError('unreachable', `cannot listen on ${bind}: ${err.message}`, { cause: err })) : resolve(p)));
  });
  const host = bind.slice(0, bind.lastIndexOf(':'));
  return { server, address: `${host}:${port}` };
}
