/**
 * A probe's stop publishes the records the kernel side still held (real BPF agent process in a
 * lab hypervisor namespace, real nats-server, no controller in the way: the test sends the
 * agent's commands itself).
 *
 * Records wait in per-CPU batches in BPF until 32 are there or the drain thread flushes them
 * (a CPU's batch once its oldest record is half a flush interval old, looked at every 100 ms),
 * then in the ring and the addon's partial batch. A stop used to publish only what had reached
 * the agent's outbox: a probe stopped while traffic still flowed lost its last ~100-200 ms
 * (2-9 of 150 ICMP exchanges in a loaded lab-accuracy run, reported as unfinished). The stop now
 * removes the filter, drains the kernel side (Tracer.drain), and only then publishes and answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { ControllerStack, Lab, ping, scaledMs, type VmInfo } from '@xtrace/lab';
import { sendAgentCommand } from '@xtrace/controller';
import { Stage, Subjects, decodeEnvelope, decodeRecords, type StopProbeResult } from '@xtrace/proto';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { upTwoHostLab } from '../support/two-host-lab.js';
import { startLabAgent, type LabAgent } from '../support/lab-agent.js';

const skip = bpfUnavailableReason();
const PINGS = 40;
const ICMP = 1;

describe.skipIf(skip !== undefined)(`a probe's stop publishes the kernel side's last records (real BPF agent)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let stack: ControllerStack;
  let agent: LabAgent | undefined;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    ({ lab, vmA, vmB } = await upTwoHostLab());
    stack = await ControllerStack.start({ natsHost: '0.0.0.0', instance: `stop-drain-${lab.id}`, logDir: lab.dir });
    agent = await startLabAgent(lab, stack, 0, { logName: 'agent-stop-drain.log' });
    nc = await connect({ servers: stack.nats.url, name: 'stop-drain-test' });
  }, scaledMs(180_000));

  afterAll(async () => {
    await nc?.close();
    await agent?.stop();
    await stack?.stop();
    await lab?.down();
  });

  it('stopped right after the last reply, the probe has every request at nic_tx and every reply at nic_rx', async () => {
    const host = agent!.hostId;
    for (let round = 0; round < 3; round++) {
      const probeId = `stopdrain${round}`;
      const records: ReturnType<typeof decodeRecords> = [];
      const sub = nc!.subscribe(Subjects.events(probeId, host), {
        callback: (err, msg) => {
          if (!err) records.push(...decodeRecords(decodeEnvelope(msg.data).records));
        },
      });
      await nc!.flush();
      await sendAgentCommand(nc!, host, { op: 'startProbe', probeId, src: vmA.ip, dst: vmB.ip, proto: 'icmp', leaseMs: 60_000 });
      const p = await ping(lab, vmA, vmB.ip, { count: PINGS, intervalMs: 5 });
      expect(p.received, p.raw).toBe(PINGS);
      // at once: the last exchange's records are milliseconds old, still in the kernel's batches
      const stop = await sendAgentCommand<StopProbeResult>(nc!, host, { op: 'stopProbe', probeId }, scaledMs(10_000));
      await nc!.flush();
      // the envelopes were published before the reply: let them arrive
      for (let i = 0; i < 100 && records.length < (stop.records ?? 0); i++) await new Promise((r) => setTimeout(r, 20));
      sub.unsubscribe();
      const seqsAt = (stage: number) => new Set(records.filter((r) => r.stage === stage && r.proto === ICMP).map((r) => r.seq));
      const requests = seqsAt(Stage.nic_tx);
      const replies = seqsAt(Stage.nic_rx);
      const missing = (seen: Set<number>) => p.seqs.filter((s) => !seen.has(s));
      const what = `round ${round}: ${records.length} records; requests missing at nic_tx: [${missing(requests).join(' ')}], replies missing at nic_rx: [${missing(replies).join(' ')}]`;
      expect(stop.stopped, what).toBe(true);
      expect(stop.records, `the stop reply counts what reached NATS; ${what}`).toBe(records.length);
      expect(missing(requests), what).toEqual([]);
      expect(missing(replies), what).toEqual([]);
    }
  }, scaledMs(120_000));
});
