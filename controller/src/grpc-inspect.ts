/**
 * InspectAgents (proto/xtrace.proto): asks each agent what its kernel side has loaded (the
 * agent's `inspect` command over NATS, node-agent tracing/tracer-inspection.ts) and relays the
 * answers. One host: it must be registered (else NOT_FOUND, naming the known ones); no host:
 * every agent that is up, in parallel. An agent that does not answer, or refuses, gets an entry
 * with `error` set, so one broken agent does not hide the fleet's others.
 */
import type * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { errorMessage, type AgentInspection } from '@xtrace/proto';
import type { AgentRecord, AgentRegistry } from './agent-registry.js';
import { sendAgentCommand } from './agent-client.js';
import { NotFoundError, toServiceError } from './grpc-errors.js';

const INSPECT_TIMEOUT_MS = 5000;

function failed(r: AgentRecord, error: string): AgentInspection {
  return {
    host: r.host,
    boot_id: r.bootId,
    error,
    inspected_at_ms: 0,
    btf: '',
    bpf_stats: false,
    programs: [],
    links: [],
    maps: [],
    counters: {},
    stage_plan: [],
    ring: null,
  };
}

async function inspectOne(nc: NatsConnection, r: AgentRecord): Promise<AgentInspection> {
  try {
    const got = await sendAgentCommand<AgentInspection>(nc, r.host, { op: 'inspect' }, INSPECT_TIMEOUT_MS);
    if (typeof got !== 'object' || got === null || !Array.isArray(got.programs) || !Array.isArray(got.maps)) {
      return failed(r, `agent ${r.host} sent a malformed inspection`);
    }
    // the registry's name and boot id, whatever the reply claims
    return { ...got, host: r.host, boot_id: r.bootId, error: '' };
  } catch (e: unknown) {
    return failed(r, errorMessage(e));
  }
}

export async function inspectAgents(nc: NatsConnection, registry: AgentRegistry, host: string): Promise<AgentInspection[]> {
  if (host !== '') {
    const r = registry.get(host);
    if (!r) {
      const known = registry.list().map((a) => a.host);
      throw new NotFoundError('host', `no agent '${host}' registered (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    return [await inspectOne(nc, r)];
  }
  const up = registry.list().filter((r) => r.state === 'up');
  return Promise.all(up.map((r) => inspectOne(nc, r)));
}

/** The InspectAgents handler, added to the Xtrace service (controller.ts). */
export function inspectHandlers(nc: NatsConnection, registry: AgentRegistry, logger: pino.Logger): grpc.UntypedServiceImplementation {
  const log = logger.child({ part: 'grpc' });
  return {
    InspectAgents: (call: grpc.ServerUnaryCall<{ host?: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      inspectAgents(nc, registry, call.request.host ?? '').then(
        (agents) => cb(null, { agents }),
        (e: unknown) => {
          log.debug({ err: errorMessage(e) }, 'InspectAgents refused');
          cb(toServiceError(e));
        },
      );
    },
  };
}
