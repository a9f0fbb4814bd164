/**
 * In-process agents with a FakeTracer (no BPF) against a real NATS server, for integration
 * tests. They connect as `xtrace agent` does (proto nats-options.ts: every URL of a
 * comma-separated list, reconnecting forever), and count what they hand to NATS per probe.
 */
import type { NatsConnection } from 'nats';
import type { NatsSettings } from '@xtrace/proto';
import pino from 'pino';
import { RECORD_SIZE, connectNats, decodeEnvelope } from '@xtrace/proto';
import { Agent, FakeTracer, type FakeTracerOptions } from '@xtrace/node-agent';

export const testLogger = (): pino.Logger => pino({ level: process.env.XTRACE_TEST_LOG ?? 'silent' });

export interface TestAgent {
  agent: Agent;
  tracer: FakeTracer;
  nc: NatsConnection;
  hostId: string;
  /** event envelopes this agent published for a probe (whether or not NATS delivered them), and the records in them */
  sent(probeId: string): { batches: number; records: number };
  close(): Promise<void>;
}

export interface TestAgentOptions extends FakeTracerOptions {
  hostId: string;
  heartbeatMs?: number;
  clockSkewNs?: bigint;
  flushMs?: number;
  /** Agent maxBatchRecords / idleBatchMs */
  maxBatchRecords?: number;
  idleBatchMs?: number;
}

/** Counts the event envelopes published on `nc`, per probe, as they are handed to the client. */
function countEventPublishes(nc: NatsConnection): (probeId: string) => { batches: number; records: number } {
  const perProbe = new Map<string, { batches: number; records: number }>();
  const publish = nc.publish.bind(nc);
  nc.publish = (subject, payload, options) => {
    if (subject.startsWith('xtrace.ev.') && payload instanceof Uint8Array) {
      const env = decodeEnvelope(payload);
      const c = perProbe.get(env.probe) ?? { batches: 0, records: 0 };
      c.batches++;
      c.records += env.records.byteLength / RECORD_SIZE;
      perProbe.set(env.probe, c);
    }
    publish(subject, payload, options);
  };
  return (probeId) => ({ ...(perProbe.get(probeId) ?? { batches: 0, records: 0 }) });
}

/** `nats`: a URL (or a comma-separated list), or settings with credentials and TLS (proto/src/nats-options.ts) */
export async function startTestAgent(nats: string | NatsSettings, opts: TestAgentOptions): Promise<TestAgent> {
  const nc = await connectNats(typeof nats === 'string' ? { url: nats } : nats, `test-agent-${opts.hostId}`);
  const sent = countEventPublishes(nc);
  const tracer = new FakeTracer(opts);
  const agent = new Agent({
    nc,
    tracer,
    hostId: opts.hostId,
    bootId: `boot-${opts.hostId}`,
    logger: testLogger(),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.clockSkewNs !== undefined ? { clockSkewNs: opts.clockSkewNs } : {}),
    ...(opts.flushMs !== undefined ? { flushMs: opts.flushMs } : {}),
    ...(opts.maxBatchRecords !== undefined ? { maxBatchRecords: opts.maxBatchRecords } : {}),
    ...(opts.idleBatchMs !== undefined ? { idleBatchMs: opts.idleBatchMs } : {}),
  });
  await agent.start();
  let closed = false;
  return {
    agent,
    tracer,
    nc,
    hostId: opts.hostId,
    sent,
    close: async () => {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}

/** polls `cond` every 50 ms until it holds or `timeoutMs` passes (then throws with `what`) */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Like waitFor, but a `cond` that throws counts as "not yet" (a JetStream request while a
 * cluster elects new leaders times out): the last error is in the timeout's message.
 */
export async function eventually(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  let last: unknown;
  try {
    await waitFor(async () => {
      try {
        return await cond();
      } catch (e: unknown) {
        last = e;
        return false;
      }
    }, timeoutMs, what);
  } catch (e: unknown) {
    if (last === undefined) throw e;
    throw new Error(`${(e as Error).message} (last error: ${last instanceof Error ? last.message : String(last)})`, { cause: last });
  }
}

/** `f()` once it stops throwing (see eventually), within `timeoutMs`. */
export async function retried<T>(f: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let out: { v: T } | undefined;
  await eventually(async () => {
    out = { v: await f() };
    return true;
  }, timeoutMs, what);
  return out!.v;
}
