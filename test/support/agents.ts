/** In-process agents with a FakeTracer (no BPF) against a real NATS server, for integration tests. */
import { connect, type NatsConnection } from 'nats';
import { connectNats, type NatsSettings } from '@xtrace/proto';
import pino from 'pino';
import { Agent, FakeTracer, type FakeTracerOptions } from '@xtrace/node-agent';

export const testLogger = (): pino.Logger => pino({ level: process.env.XTRACE_TEST_LOG ?? 'silent' });

export interface TestAgent {
  agent: Agent;
  tracer: FakeTracer;
  nc: NatsConnection;
  hostId: string;
  close(): Promise<void>;
}

export interface TestAgentOptions extends FakeTracerOptions {
  hostId: string;
  heartbeatMs?: number;
  clockSkewNs?: bigint;
  flushMs?: number;
}

/** `nats`: a URL, or settings with credentials and TLS (proto/src/nats-options.ts) */
export async function startTestAgent(nats: string | NatsSettings, opts: TestAgentOptions): Promise<TestAgent> {
  const name = `test-agent-${opts.hostId}`;
  const nc = typeof nats === 'string' ? await connect({ servers: nats, name }) : await connectNats(nats, name);
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
  });
  await agent.start();
  let closed = false;
  return {
    agent,
    tracer,
    nc,
    hostId: opts.hostId,
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
