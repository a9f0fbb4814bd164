/**
 * `xtrace agent`: connects to NATS, creates the real BPF tracer (lazily imported so this
 * module loads without it), runs the Agent until SIGINT/SIGTERM, then stops probes,
 * closes the tracer and drains NATS.
 */
import pino from 'pino';
import { connectNats, errorMessage, XtraceError, type MetricsListen, type MetricsServer, type NatsSettings } from '@xtrace/proto';
import type { Tracer } from './tracing/tracer-api.js';
import { Agent } from './agent.js';
import { clockSkewFromEnv, readBootId, resolveHostId } from './host-identity.js';
import { readKernelDropReasons } from './kernel-drop-reasons.js';
import { tuneAgentMemory } from './memory.js';

interface CreateTracerOptions {
  bpfObjectPath?: string;
  btfPath?: string;
  ringBufferBytes?: number;
  logger: pino.Logger;
  vms?: { tap: string; addresses: string[] }[];
  nics?: string[];
}
type CreateTracer = (opts: CreateTracerOptions) => Promise<Tracer>;

async function loadCreateTracer(): Promise<CreateTracer> {
  // a variable specifier keeps TypeScript from requiring the file at type-check time
  const spec = './tracing/tracer.js';
  let mod: { createTracer?: CreateTracer };
  try {
    mod = (await import(spec)) as { createTracer?: CreateTracer };
  } catch (e: unknown) {
    throw new XtraceError('bpf', `the BPF tracer module is not available: ${errorMessage(e)}`, { cause: e });
  }
  if (typeof mod.createTracer !== 'function') throw new XtraceError('bpf', 'tracing/tracer.ts does not export createTracer');
  return mod.createTracer;
}

interface RunAgentOptions {
  nats: NatsSettings;
  hostId?: string;
  bpfObjectPath?: string;
  /** the kernel's BTF from this file (--btf, XTRACE_BTF): loading, drop-reason names */
  btfPath?: string;
  /** xt_events size in bytes (the tracer's default when absent) */
  ringBufferBytes?: number;
  vms?: { tap: string; addresses: string[] }[];
  /** the host's NICs (default: the tunnels' underlay devices) */
  nics?: string[];
  logger?: pino.Logger;
  /** tests: use this tracer instead of the BPF one */
  tracer?: Tracer;
  heartbeatMs?: number;
  /** install SIGINT/SIGTERM handlers (default true) */
  handleSignals?: boolean;
  /** process-wide memory settings of an agent process (memory.ts; default true) */
  tuneMemory?: boolean;
  /** serve the agent's Prometheus /metrics here (metrics/agent-metrics-server.ts) */
  metricsListen?: MetricsListen;
  /** event bytes sent to NATS and not yet confirmed, at most (publish-window.ts; default DEFAULT_MAX_UNCONFIRMED_BYTES) */
  maxUnconfirmedBytes?: number;
}

interface RunningAgent {
  agent: Agent;
  /** the agent's /metrics, when served (metricsListen) */
  metricsUrl?: string;
  /** resolves after a signal-triggered or explicit shutdown */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function runAgent(opts: RunAgentOptions): Promise<RunningAgent> {
  if (opts.tuneMemory ?? true) tuneAgentMemory();
  const logger = opts.logger ?? pino({ name: 'xtrace-agent' });
  const hostId = resolveHostId(opts.hostId);
  const clockSkewNs = clockSkewFromEnv();
  const bootId = await readBootId();
  const nc = await connectNats(opts.nats, `xtrace-agent-${hostId}`);
  let tracer: Tracer;
  try {
    if (opts.tracer) tracer = opts.tracer;
    else {
      const createTracer = await loadCreateTracer();
      const tOpts: CreateTracerOptions = { logger: logger.child({ part: 'tracer' }) };
      if (opts.bpfObjectPath !== undefined) tOpts.bpfObjectPath = opts.bpfObjectPath;
      if (opts.btfPath !== undefined) tOpts.btfPath = opts.btfPath;
      if (opts.vms !== undefined) tOpts.vms = opts.vms;
      if (opts.nics !== undefined) tOpts.nics = opts.nics;
      if (opts.ringBufferBytes !== undefined) tOpts.ringBufferBytes = opts.ringBufferBytes;
      tracer = await createTracer(tOpts);
    }
  } catch (e: unknown) {
    await nc.close();
    throw e;
  }
  const agentOpts: ConstructorParameters<typeof Agent>[0] = { nc, tracer, hostId, bootId, logger, clockSkewNs };
  if (opts.heartbeatMs !== undefined) agentOpts.heartbeatMs = opts.heartbeatMs;
  if (opts.maxUnconfirmedBytes !== undefined) agentOpts.maxUnconfirmedBytes = opts.maxUnconfirmedBytes;
  if (opts.btfPath !== undefined) agentOpts.dropReasons = readKernelDropReasons(undefined, opts.btfPath);
  const agent = new Agent(agentOpts);
  try {
    await agent.start();
  } catch (e: unknown) {
    await agent.close();
    throw e;
  }
  logger.info({ host: hostId, server: nc.getServer() }, 'agent running');
  let metrics: MetricsServer | undefined;
  if (opts.metricsListen !== undefined) {
    try {
      // loaded only when asked for: prom-client is not free to load
      const { serveAgentMetrics } = await import('./metrics/agent-metrics-server.js');
      metrics = await serveAgentMetrics(agent, opts.metricsListen);
    } catch (e: unknown) {
      await agent.close();
      throw e;
    }
    logger.info({ metrics: metrics.url }, 'serving /metrics');
  }

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let shutting: Promise<void> | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    logger.info({ signal: sig }, 'shutting down');
    void shutdown();
  };
  const shutdown = (): Promise<void> => {
    shutting ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await agent.close();
      await metrics?.close();
      resolveDone();
    })();
    return shutting;
  };
  if (opts.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // NATS closed under us (e.g. auth revoked): end too
  void nc.closed().then(() => {
    if (!shutting) void shutdown();
  });
  const running: RunningAgent = { agent, done, shutdown };
  if (metrics !== undefined) running.metricsUrl = metrics.url;
  return running;
}
