import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { Subjects, type CommandReply } from '@xtrace/proto';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, type TestAgent } from '../support/agents.js';

describe('agent command handling over real NATS (fake tracer: no BPF)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let a: TestAgent;

  const send = async (payload: unknown): Promise<CommandReply<Record<string, unknown>>> => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const m = await nc.request(Subjects.agentCmd('xtp-cmd-a'), body, { timeout: 2000 });
    return m.json();
  };

  beforeAll(async () => {
    nats = await startTestNats();
    nc = await connect({ servers: nats.url });
    a = await startTestAgent(nats.url, { hostId: 'xtp-cmd-a', vmAddresses: ['10.0.0.1'] });
  });
  afterAll(async () => {
    await a?.close().catch(() => {});
    await nc?.close();
    await nats?.stop();
  });

  it('answers bad commands with field-precise errors and attaches nothing', async () => {
    const cases: [unknown, string, string][] = [
      ['not json{', '(command)', '(command): not JSON'],
      [{ op: 'startProbe', probeId: 'p1', src: 'foo', dst: '10.0.0.2' }, 'src', "src: expected an IPv4 or IPv6 address, got 'foo'"],
      [{ op: 'startProbe', probeId: 'p1', src: '10.0.0.1', dst: '10.0.0.2', port: 0 }, 'port', 'port: expected an integer in 1..65535, got 0'],
      [{ op: 'startProbe', probeId: 'p1', src: '10.0.0.1', dst: '10.0.0.2', sample: { k: 3, n: 2 } }, 'sample.k', 'sample.k: expected k <= n, got k=3 n=2'],
      [{ op: 'startProbe', src: '10.0.0.1', dst: '10.0.0.2' }, 'probeId', 'probeId: expected 1-128 characters of [A-Za-z0-9_-], got nothing'],
      [{ op: 'explode' }, 'op', "op: expected one of startProbe|stopProbe|updateProbe|renew|status|inspect, got 'explode'"],
    ];
    for (const [payload, field, message] of cases) {
      const r = await send(payload);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('usage');
      expect(r.error.field).toBe(field);
      expect(r.error.message.startsWith(message), `${r.error.message} should start with ${message}`).toBe(true);
    }
    expect(a.tracer.added).toEqual([]);
    expect(a.agent.probeIds()).toEqual([]);
  });

  it('a tracer failure leaves no half-attached probe and frees the slot', async () => {
    a.tracer.failAddProbe = new Error('verifier said no');
    const r = await send({ op: 'startProbe', probeId: 'pfail', src: '10.0.0.1', dst: '10.0.0.2' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bpf');
      expect(r.error.message).toContain('verifier said no');
    }
    expect(a.agent.probeIds()).toEqual([]);
    expect(a.tracer.filters.size).toBe(0);
    a.tracer.failAddProbe = undefined;

    // the slot went back: the next probe gets slot 0
    const ok = await send({ op: 'startProbe', probeId: 'pok', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', port: 53, sample: { k: 1, n: 4 } });
    expect(ok).toEqual({ ok: true, result: { probeId: 'pok', slot: 0, host: 'xtp-cmd-a', bootId: 'boot-xtp-cmd-a' } });
    expect(a.tracer.filters.get(0)).toEqual({ slot: 0, src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', port: 53, sampleN: 4, sampleK: 1 });

    // same id again: idempotent with the same parameters, refused with others
    expect((await send({ op: 'startProbe', probeId: 'pok', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', port: 53, sample: { k: 1, n: 4 } })).ok).toBe(true);
    const clash = await send({ op: 'startProbe', probeId: 'pok', src: '10.0.0.1', dst: '10.0.0.3' });
    expect(clash.ok).toBe(false);
    if (!clash.ok) expect(clash.error.field).toBe('probeId');
    expect(a.tracer.filters.size).toBe(1);

    const renew = await send({ op: 'renew', probeIds: ['pok', 'ghost'] });
    expect(renew).toEqual({ ok: true, result: { renewed: ['pok'], unknown: ['ghost'] } });

    const removedBefore = a.tracer.removed.length;
    const stop = await send({ op: 'stopProbe', probeId: 'pok' });
    expect(stop.ok).toBe(true);
    if (stop.ok) expect(stop.result).toMatchObject({ probeId: 'pok', stopped: true });
    expect(a.tracer.filters.size).toBe(0);
    expect(a.tracer.removed.slice(removedBefore)).toEqual([0]);
    // stopping again is harmless, and answers with the same counts (a controller that lost the
    // first reply still learns what the probe published)
    expect(await send({ op: 'stopProbe', probeId: 'pok' })).toEqual(stop);
    expect(a.tracer.removed.slice(removedBefore)).toEqual([0]);
    // a probe that never ran here
    expect(await send({ op: 'stopProbe', probeId: 'never' })).toEqual({ ok: true, result: { probeId: 'never', stopped: false, batches: 0 } });
  });

  it('refuses to start a probe whose stop is still draining, and starts it once the stop answered', async () => {
    const start = { op: 'startProbe', probeId: 'pdrain', src: '10.0.0.1', dst: '10.0.0.2' };
    expect((await send(start)).ok).toBe(true);
    let release!: () => void;
    a.tracer.drainHold = new Promise<void>((resolve) => (release = resolve));
    try {
      const stopping = send({ op: 'stopProbe', probeId: 'pdrain' });
      await expect.poll(() => a.tracer.filters.size).toBe(0); // the stop took the filter out and waits in its drain
      const again = await send(start);
      expect(again.ok).toBe(false);
      if (!again.ok) {
        expect(again.error.code).toBe('usage');
        expect(again.error.field).toBe('probeId');
        expect(again.error.message).toContain('is stopping');
      }
      release();
      expect((await stopping).ok).toBe(true);
    } finally {
      release();
      a.tracer.drainHold = undefined;
    }
    const restarted = await send(start);
    expect(restarted.ok).toBe(true);
    expect(a.tracer.filters.size).toBe(1);
    expect((await send({ op: 'stopProbe', probeId: 'pdrain' })).ok).toBe(true);
  });
});
