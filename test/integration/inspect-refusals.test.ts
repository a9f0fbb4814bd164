/**
 * `xtrace inspect` when an agent cannot be inspected (fake tracer: no BPF): over real NATS and
 * gRPC, the agent refuses the inspect command, the controller relays the refusal as that
 * agent's error beside the others, and the CLI prints what it has and exits 3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Controller } from '@xtrace/controller';
import type { AgentInspection } from '@xtrace/proto';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { runCli } from '../support/cli.js';

describe('xtrace inspect: an agent without BPF is reported, not hidden (fake tracer: no BPF)', () => {
  let nats: TestNats;
  let controller: Controller;
  let agent: TestAgent;

  beforeAll(async () => {
    nats = await startTestNats();
    agent = await startTestAgent(nats.url, { hostId: 'xti-fake', vmAddresses: ['10.0.0.1'], heartbeatMs: 500 });
    controller = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger(), fleet: false });
    await waitFor(() => controller.registry.list().length === 1, 5000, 'the agent registered');
  });
  afterAll(async () => {
    await controller?.close().catch(() => {});
    await agent?.close().catch(() => {});
    await nats?.stop();
  });

  it('lists the agent with the reason and exits 3', async () => {
    const r = await runCli(['inspect', '--json', '--controller', controller.grpcAddress]);
    expect(r.code).toBe(3);
    const agents = (JSON.parse(r.stdout) as { agents: AgentInspection[] }).agents;
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ host: 'xti-fake', error: 'agent xti-fake: it runs no BPF tracer: nothing to inspect', programs: [] });
    expect(r.stderr).toContain('xtrace: agent xti-fake: it runs no BPF tracer: nothing to inspect');
  });

  it('--host names an unknown agent, and the known ones, with exit 2', async () => {
    const r = await runCli(['inspect', '--host', 'hv-nope', '--controller', controller.grpcAddress]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no agent 'hv-nope' registered (known: xti-fake)");
  });
});
