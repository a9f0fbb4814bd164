/**
 * An agent's kernel side fails mid-probe (fake tracer: no BPF): the tracer reports the fault
 * (as the real one does when its ring buffer's drain thread fails), the agent tells the
 * registry at once in a heartbeat, and the controller's reports of every probe on that agent
 * name it, down to what `xtrace pair` prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../controller/src/controller.js';
import type { PairReport } from '@xtrace/proto';
import { waitFor, type TestAgent } from '../support/agents.js';
import { runCli } from '../support/cli.js';
import { startPairFixture, type PairFixture } from '../support/pair-fixture.js';

const SRC = '10.9.0.1';
const DST = '10.9.0.2';
const HOST_A = 'xtf-a';
const HOST_B = 'xtf-b';
const FAULT = `agent ${HOST_A}: ring buffer failed: poll: EBADF`;

describe('an agent whose tracer fails mid-probe (fake tracer: no BPF)', () => {
  let a: TestAgent;
  let b: TestAgent;
  let ctl: Controller;
  let fixture: PairFixture | undefined;

  beforeAll(async () => {
    fixture = await startPairFixture({ src: SRC, dst: DST, hostA: HOST_A, hostB: HOST_B, controller: { fleet: false } });
    ({ a, b, ctl } = fixture);
  }, 60_000);

  afterAll(() => fixture?.close(), 60_000);

  it('the agent reports the fault and the controller\'s reports (and xtrace pair) say so', async () => {
    // `xtrace pair` against the controller; the fault comes while it runs
    const pair = runCli(['pair', '--src', SRC, '--dst', DST, '--duration', '4s', '--interval', '500ms', '--controller', ctl.grpcAddress]);
    let probeId = '';
    await waitFor(() => {
      probeId = a.agent.probeIds()[0] ?? '';
      return probeId !== '' && a.sent(probeId).batches >= 5 && b.sent(probeId).batches >= 5;
    }, 15_000, 'the probe to run on both agents');
    const probe = ctl.probes.get(probeId)!;
    const reports: PairReport[] = [];
    probe.on('report', (r) => reports.push(r));
    const final = new Promise<PairReport>((resolve) => probe.once('final', resolve));

    a.tracer.fail('ring buffer', 'poll: EBADF');
    // the agent says so in its next heartbeat, sent at once
    await waitFor(() => (ctl.registry.get(HOST_A)?.status.tracerFaults ?? []).some((f) => f.part === 'ring buffer'), 5_000, 'the fault in the agent\'s heartbeat');
    // the next interval report names it
    await waitFor(() => reports.some((r) => r.message.includes(FAULT)), 5_000, `an interval report naming the fault (messages: ${JSON.stringify(reports.map((r) => r.message))})`);

    const r = await final;
    expect(r.message).toContain(FAULT);
    expect(r.message.match(/ring buffer failed/g), 'named once').toHaveLength(1);
    // the other agent's part goes on: only the failed one stopped delivering
    const at = (h: string) => r.hosts.find((x) => x.host === h)!;
    expect(Number(at(HOST_B).records)).toBeGreaterThan(Number(at(HOST_A).records));

    const out = await pair;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`fault: ${FAULT}`);
  }, 60_000);
});
