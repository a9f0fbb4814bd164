/**
 * sendAgentCommandRetried against a real nats-server: an agent that is not subscribed yet (its
 * NATS server died and it is reconnecting) is asked again until it answers; a refusal is not
 * retried.
 */
import { describe, expect, it } from 'vitest';
import { Subjects } from '@xtrace/proto';
import { sendAgentCommand, sendAgentCommandRetried } from '../../controller/src/agent-client.js';
import { natsServerForTests } from './fleet-nats.js';

const { conn } = natsServerForTests();

describe('sendAgentCommandRetried (real nats-server)', () => {
  it('asks again until an agent that was away answers; a refusal is final', async () => {
    const ctl = await conn('ctl');
    const agent = await conn('agent');
    const host = 'hv-away';
    // nobody listens: the plain command fails at once
    await expect(sendAgentCommand(ctl, host, { op: 'stopProbe', probeId: 'p1' }, 2000)).rejects.toThrow(/hv-away did not answer stopProbe/);

    let asked = 0;
    const reply = { probeId: 'p1', stopped: true, batches: 3, records: 12 };
    const subscribeAt = Date.now() + 700;
    setTimeout(() => {
      agent.subscribe(Subjects.agentCmd(host), {
        callback: (_e, m) => {
          asked++;
          const cmd = m.json<{ probeId: string }>();
          m.respond(JSON.stringify(cmd.probeId === 'p1' ? { ok: true, result: reply } : { ok: false, error: { code: 'usage', message: 'no such probe', field: 'probeId' } }));
        },
      });
    }, subscribeAt - Date.now());
    const r = await sendAgentCommandRetried(ctl, host, { op: 'stopProbe', probeId: 'p1' }, 5000);
    expect(r).toEqual(reply);
    expect(Date.now()).toBeGreaterThanOrEqual(subscribeAt);
    expect(asked).toBe(1);

    await expect(sendAgentCommandRetried(ctl, host, { op: 'stopProbe', probeId: 'p2' }, 5000)).rejects.toThrow(/no such probe/);
    expect(asked).toBe(2);

    // an agent that stays away: the last error after the window
    const t0 = Date.now();
    await expect(sendAgentCommandRetried(ctl, 'hv-gone', { op: 'stopProbe', probeId: 'p1' }, 1200)).rejects.toThrow(/hv-gone did not answer/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
