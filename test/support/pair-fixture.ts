/**
 * The fixture of the fault tests (test/integration/nats-restart-faults.test.ts,
 * tracer-fault.test.ts): a restartable nats-server, two agents over fake tracers (no BPF) with
 * one VM each, a controller seeing both, and request/reply traffic between the VMs every 20 ms.
 * close() stops it all (also what a failed start got running).
 */
import { startController, type Controller } from '../../controller/src/controller.js';
import { startNatsServer, type RestartableNatsServer } from '../integration/fleet-nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent, type TestAgentOptions } from './agents.js';
import { startPairTraffic } from './pair-traffic.js';

export interface PairFixtureOptions {
  src: string;
  dst: string;
  hostA: string;
  hostB: string;
  /** options of both agents beyond host and VM (heartbeats every 500 ms unless given) */
  agents?: Omit<TestAgentOptions, 'hostId' | 'vmAddresses'>;
  /** controller options beyond NATS, listen address and logger */
  controller?: Omit<NonNullable<Parameters<typeof startController>[0]>, 'nats' | 'listen' | 'logger'>;
}

export interface PairFixture {
  nats: RestartableNatsServer;
  /** the agent of src */
  a: TestAgent;
  /** the agent of dst */
  b: TestAgent;
  ctl: Controller;
  close(): Promise<void>;
}

export async function startPairFixture(o: PairFixtureOptions): Promise<PairFixture> {
  const closers: (() => Promise<unknown> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const nats = await startNatsServer();
    closers.push(() => nats.stop());
    const agentOptions = { heartbeatMs: 500, ...o.agents };
    const a = await startTestAgent(nats.url, { ...agentOptions, hostId: o.hostA, vmAddresses: [o.src] });
    closers.push(() => a.close());
    const b = await startTestAgent(nats.url, { ...agentOptions, hostId: o.hostB, vmAddresses: [o.dst] });
    closers.push(() => b.close());
    const ctl = await startController({ ...o.controller, nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    closers.push(() => ctl.close());
    await waitFor(() => ctl.registry.get(o.hostA)?.state === 'up' && ctl.registry.get(o.hostB)?.state === 'up', 15_000, 'the controller to see both agents');
    closers.push(startPairTraffic({ a: a.tracer, b: b.tracer, src: o.src, dst: o.dst, periodMs: 20 }).stop);
    return { nats, a, b, ctl, close };
  } catch (e: unknown) {
    await close();
    throw e;
  }
}
