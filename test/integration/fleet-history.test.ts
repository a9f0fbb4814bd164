/** Probe history in the XTRACE_HISTORY stream, against a real nats-server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_STREAM } from '@xtrace/proto';
import { HistoryStore } from '../../controller/src/fleet/history-store.js';
import type { ProbeReport } from '../../controller/src/fleet/probe-report.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

const A = { src: '192.168.1.10', dst: '192.168.1.20' };
const B = { src: '192.168.1.10', dst: '192.168.1.30' };

function rep(probeId: string, pair: typeof A, kind: 'interval' | 'summary', at: number, p99: number): ProbeReport {
  return {
    probeId,
    pair,
    kind,
    at,
    segments: [{ from: 'nic_tx', to: 'nic_rx', kind: 'wire', count: 100, p50_us: 40, p90_us: 70, p99_us: p99, max_us: p99 + 10, lost: 0, share: 0.5 }],
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HistoryStore', () => {
  it('keeps reports across a controller restart and reads by pair and time range', async () => {
    const nc1 = await nats.connect('ctl-1');
    const h1 = await HistoryStore.open(nc1, { maxAgeMs: 3_600_000, maxBytes: 10 * 1024 * 1024 });
    const t0 = Date.now();
    await h1.append(rep('p1', A, 'interval', t0, 100));
    await h1.append(rep('p1', A, 'interval', t0 + 1000, 200));
    await h1.append(rep('p2', B, 'interval', t0, 999));
    await sleep(30);
    const mid = Date.now();
    await sleep(30);
    await h1.append(rep('p1', A, 'interval', t0 + 2000, 300));
    await h1.append(rep('p1', A, 'summary', t0 + 2000, 250));
    const dup = await h1.append(rep('p1', A, 'summary', t0 + 2000, 250));
    expect(dup.duplicate).toBe(true);
    await nc1.close(); // the controller goes away

    const nc2 = await nats.connect('ctl-2'); // a new controller
    try {
      const h2 = await HistoryStore.open(nc2);
      const jsm = await nc2.jetstreamManager();
      const si = await jsm.streams.info(HISTORY_STREAM);
      expect(si.config.max_age).toBe(3_600_000 * 1e6);
      expect(si.config.max_bytes).toBe(10 * 1024 * 1024);

      const all = await h2.read({ pair: A });
      expect(all.map((r) => [r.report.kind, r.report.segments[0]?.p99_us])).toEqual([
        ['interval', 100],
        ['interval', 200],
        ['interval', 300],
        ['summary', 250],
      ]);
      const since = await h2.read({ pair: A, since: mid });
      expect(since.map((r) => r.report.segments[0]?.p99_us)).toEqual([300, 250]);
      const until = await h2.read({ pair: A, until: mid });
      expect(until.map((r) => r.report.segments[0]?.p99_us)).toEqual([100, 200]);
      expect((await h2.read({ pair: B })).map((r) => r.report.probeId)).toEqual(['p2']);
      expect(await h2.read({ pair: { src: '10.9.9.9', dst: '10.9.9.8' } })).toEqual([]);
      expect(await h2.read({ pair: A, since: Date.now() + 60_000 })).toEqual([]);
      expect((await h2.read({ pair: A, limit: 2 })).length).toBe(2);
    } finally {
      await nc2.close();
    }
  });

  it('watch resumes from a point in time and then follows live appends', async () => {
    const nc = await nats.connect('ctl-w');
    try {
      const h = await HistoryStore.open(nc);
      const pair = { src: '10.1.0.1', dst: '10.2.0.1' };
      await h.append(rep('w1', pair, 'interval', 1, 1));
      await sleep(30);
      const from = Date.now();
      await sleep(30);
      await h.append(rep('w1', pair, 'interval', 2, 2));
      const ac = new AbortController();
      const seen: number[] = [];
      const done = (async () => {
        for await (const r of h.watch({ pair, from, signal: ac.signal })) {
          seen.push(r.report.segments[0]?.p99_us ?? -1);
          if (seen.length === 3) ac.abort();
        }
      })();
      await sleep(200);
      await h.append(rep('w1', pair, 'interval', 3, 3));
      await h.append(rep('w1', { src: '10.1.0.1', dst: '10.2.0.9' }, 'interval', 3, 99)); // other pair
      await h.append(rep('w2', pair, 'summary', 4, 4));
      await Promise.race([done, sleep(5000).then(() => Promise.reject(new Error('watch did not deliver')))]);
      expect(seen).toEqual([2, 3, 4]);
    } finally {
      await nc.close();
    }
  });
});
