/**
 * The fleet simulator scaled down (issue 17; the full size is test/bench/fleet-sim.ts): 100
 * real Agents over fake tracers (no BPF) in 2 processes against a real nats-server and a real
 * controller process (the compiled CLI: run `npx tsc -b` first), 10 concurrent probes with
 * generated records, and a schedule over sample:5 cross-host pairs.
 */
import { describe, expect, it } from 'vitest';
import { runFleetSim } from '../support/fleet-sim.js';

describe('fleet simulator, scaled down (fake tracer: no BPF)', () => {
  it('registers every agent, completes every probe with its records matched, fires the schedule', async () => {
    const r = await runFleetSim({
      agents: 100,
      probes: 10,
      perWorker: 50,
      rate: 50,
      probeDurationMs: 3000,
      idleMs: 2000,
      listCalls: 10,
      cliRuns: 1,
      schedulePairs: 5,
      scheduleDurationMs: 1000,
      log: (l) => console.log(l),
    });
    expect(r.registered).toBe(100);
    // every agent heartbeated into the registry (one status message at least) and ListAgents answered
    expect(r.heartbeatDelayMs.samples).toBe(100);
    expect(r.listAgentsMs.calls).toBe(10);

    const p = r.probes;
    expect(p.started).toBe(10);
    for (const o of p.outcomes) {
      expect(o.state, `${o.probeId}: ${o.message}`).toBe('done');
      expect(o.matched, o.probeId).toBeGreaterThan(0);
      // no unexplained loss: every record both sides sent reached the matcher, no batch went missing,
      // every exchange both sides sent is matched both ways, and the packets lost are the start/stop edges
      expect(o.lostBatches, o.probeId).toBe(0);
      expect(o.recordsIn, o.probeId).toBe(o.expected.records);
      // (a packet of an edge exchange, seen on one host only, may count as matched, and then lost on the wire)
      expect(o.matched, o.probeId).toBeGreaterThanOrEqual(2 * o.expected.completeExchanges);
      expect(o.matched, o.probeId).toBeLessThanOrEqual(2 * (o.expected.completeExchanges + o.expected.edgeExchanges));
      expect(o.lost, o.probeId).toBeLessThanOrEqual(2 * o.expected.edgeExchanges);
    }

    const s = r.schedule!;
    expect(s.pairs).toBe(5);
    expect(s.pairsDone).toBe(5);
    for (const n of s.segmentsPerPair) expect(n).toBeGreaterThan(0);
  }, 90_000);
});
