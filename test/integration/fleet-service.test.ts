/** FleetService wiring: reports reach history, metrics and alerts; a schedule's summary lands in history. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AlertStore } from '../../controller/src/fleet/alert-store.js';
import { FleetService } from '../../controller/src/fleet/fleet-service.js';
import { parseExposition } from '../support/exposition-parser.js';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import type { ProbeReport } from '../../controller/src/fleet/probe-report.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FleetService', () => {
  it('routes reports to history, metrics and alert sinks, and runs schedules', async () => {
    const nc = await nats.connect('ctl');
    const pair = { src: '10.0.0.1', dst: '10.0.1.1' };
    const mk = (kind: 'interval' | 'summary', at: number, p99: number, probeId = 'adhoc-1'): ProbeReport => ({
      probeId, pair, kind, at,
      segments: [{ from: 'a.nic_tx', to: 'b.nic_rx', kind: 'wire', count: 10, p50_us: 10, p90_us: 20, p99_us: p99, max_us: p99, lost: 0 }],
    });
    await (await AlertStore.open(nc)).add({ name: 'wire', selector: 'all-cross-host', segmentKind: 'wire', metric: 'p99', threshold: 100, for: '0s', cooldown: '0s', sinks: [{ type: 'nats', subject: 'ops.alerts' }] });
    const sub = nc.subscribe('ops.alerts', { max: 1 });
    const fleet = await FleetService.start({
      nc,
      controllerId: 'c1',
      inventory: { listAgents: async () => [{ hostId: 'a', vms: [{ address: '10.0.0.1' }] }, { hostId: 'b', vms: [{ address: '10.0.1.1' }] }] },
      runProbe: async (p, o) => {
        await sleep(50);
        return { ...mk('summary', Date.now(), 42, o.probeId), pair: { src: p.src, dst: p.dst } };
      },
      metricsListen: { host: '127.0.0.1', port: 0 },
      logger: pino({ level: 'silent' }),
    });
    try {
      for (let i = 0; i < 50 && fleet.alerts.firing().length === 0; i++) {
        await fleet.onReport(mk('interval', Date.now(), 500));
        if (fleet.alerts.firing().length === 0) await sleep(20); // rules arrive through the KV watch
      }
      for await (const m of sub) expect(JSON.parse(new TextDecoder().decode(m.data))).toMatchObject({ state: 'firing', rule: 'wire', value: 500 });
      await (await ScheduleStore.open(nc)).add({ name: 'svc', every: '1s', duration: '50ms', pairs: 'all-cross-host' });
      let summaries: unknown[] = [];
      for (let i = 0; i < 40 && summaries.length === 0; i++) {
        await sleep(100);
        summaries = (await fleet.history.read({ pair })).filter((r) => r.report.kind === 'summary' && r.report.probeId.startsWith('sched-svc-'));
      }
      expect(summaries).toHaveLength(1);
      const fams = parseExposition(await (await fetch(fleet.metricsUrl!)).text());
      expect(fams.get('xtrace_alert_events_total')?.samples[0]).toMatchObject({ labels: { rule: 'wire', state: 'firing' }, value: 1 });
      expect(fams.get('xtrace_scheduler_events_total')?.samples.find((s) => s.labels['event'] === 'claimed')?.value).toBeGreaterThanOrEqual(1);
      expect(fams.get('xtrace_segment_packets_total')?.samples[0]?.value).toBeGreaterThanOrEqual(10);
    } finally {
      await fleet.stop();
      await nc.close();
    }
  });
});
