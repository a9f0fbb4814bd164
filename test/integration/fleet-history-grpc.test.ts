/**
 * Probe history over the controller's gRPC API: a real controller (in-process, gRPC on a
 * loopback socket) over a real nats-server with JetStream, read back with the CLI's client
 * (ListHistory, WatchHistory), `xtrace history` in-process and the real CLI process.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAIR_REPORT_SCHEMA, XtraceError, type PairReport, type SegmentReport } from '@xtrace/proto';
import { samplePairReport } from '@xtrace/proto/testing';
import { probeReportFromPairReport, startController, type Controller, type HistoryRecord, type ProbeReport } from '@xtrace/controller';
import { ControllerClient, fromGrpcError } from '../../cli/src/grpc-client.js';
import { readHistory } from '../../cli/src/history-client.js';
import { registerHistoryCommand } from '../../cli/src/commands/history.js';
import { natsServerForTests } from './fleet-nats.js';
import { testLogger } from '../support/agents.js';
import { runCli } from '../support/cli.js';

const nats = natsServerForTests();
let ctl: Controller;
let client: ControllerClient;
const started: Controller[] = [];
async function controller(fleet = true): Promise<Controller> {
  const c = await startController({ nats: { url: nats.server().url }, listen: '127.0.0.1:0', logger: testLogger(), fleet });
  started.push(c);
  return c;
}
beforeAll(async () => {
  ctl = await controller();
  client = new ControllerClient(ctl.grpcAddress);
});
afterAll(async () => {
  client?.close();
  for (const c of started) await c.close();
});

const A = { src: '10.7.0.1', dst: '10.7.1.1' };
const B = { src: '10.7.0.1', dst: '10.7.1.2' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a PairReport as the probe manager builds it, one wire segment forward */
function pairReport(probeId: string, pair: typeof A, final: boolean, at: number, p50: number | null): PairReport {
  const wire: SegmentReport = {
    from: 'nic_tx', to: 'nic_rx', from_host: 'hv-a', to_host: 'hv-b', kind: 'wire', count: 10,
    p50_us: p50, p90_us: p50, p95_us: p50, p99_us: p50, max_us: p50, min_us: p50, mean_us: p50,
    lost: 0, drop_reasons: {}, share: 1, uncertainty_us: 5,
    histogram: { counts: [0, 0, 0, 0, 0, 0, 0, 10, ...new Array<number>(16).fill(0)], sum_us: 1000 },
  };
  return {
    schema: PAIR_REPORT_SCHEMA, probe_id: probeId, src: pair.src, dst: pair.dst, src_vm: '', dst_vm: '', proto: 'icmp', seq: 1, final, state: final ? 'done' : 'running',
    started_at_ms: at - 1000, elapsed_ms: 1000, no_traffic: false, message: '', table: '', interval: { start: at - 1000, end: at },
    directions: { forward: { hosts: ['hv-a', 'hv-b'], packets: 10, lost: 0, segments: [wire], total: null }, reverse: null },
    vm_turnaround: [], vm_breakdown: [], round_trip: [], clock: [], stalls: [], drop_sites: [], counters: { packets: 10 }, hosts: [],
  };
}
const report = (probeId: string, pair: typeof A, final: boolean, at: number, p50: number | null): ProbeReport => probeReportFromPairReport(pairReport(probeId, pair, final, at, p50));

async function list(c: ControllerClient, f: Parameters<typeof readHistory>[1]): Promise<HistoryRecord[]> {
  const out: HistoryRecord[] = [];
  for await (const r of readHistory(c, f, false)) out.push(r);
  return out;
}

/** a raw request, for the errors readHistory's own checks would not let through */
async function rawError(c: ControllerClient, method: 'ListHistory' | 'WatchHistory', req: Record<string, unknown>): Promise<XtraceError> {
  const call = c.stream(method, { src: '', dst: '', probe_id: '', since_ms: 0, until_ms: 0, limit: 0, ...req });
  try {
    for await (const _ of call) void _;
  } catch (e: unknown) {
    return fromGrpcError(e, c.address);
  }
  throw new Error(`${method} succeeded`);
}

let mid = 0;
const t0 = Date.now();

describe('history over gRPC (real controller, real NATS)', () => {
  beforeAll(async () => {
    const fleet = ctl.fleet!;
    await fleet.onReport(report('h-1', A, false, t0, 100));
    await fleet.onReport(report('h-1', A, false, t0 + 1000, null)); // no clock estimate yet: unknown latency
    await fleet.onReport(report('h-2', B, false, t0, 999));
    await sleep(30);
    mid = Date.now();
    await sleep(30);
    await fleet.onReport(report('h-1', A, false, t0 + 2000, 300));
    await fleet.onReport(report('h-1', A, true, t0 + 2500, 250));
  });

  it('ListHistory streams a pair\'s reports oldest first, by time range, probe and limit, as stored', async () => {
    const all = await list(client, { pair: A });
    expect(all.map((r) => [r.report.probeId, r.report.kind, r.report.at, r.report.segments[0]?.p50_us])).toEqual([
      ['h-1', 'interval', t0, 100],
      ['h-1', 'interval', t0 + 1000, null],
      ['h-1', 'interval', t0 + 2000, 300],
      ['h-1', 'summary', t0 + 2500, 250],
    ]);
    for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
    const first = all[0]!;
    expect(first.subject).toBe('xtrace.history.10_7_0_1~10_7_1_1.h-1');
    expect(first.storedAt).toBeGreaterThanOrEqual(t0);
    expect(first.report).toMatchObject({ pair: A, from: t0 - 1000 });
    expect(first.report.segments[0]).toMatchObject({ from: 'hv-a.nic_tx', to: 'hv-b.nic_rx', kind: 'wire', count: 10, direction: 'forward', histogram: { sum_us: 1000 } });
    expect(first.report.segments[0]!.histogram!.counts[7]).toBe(10);
    // the full report rides along, normalized like `xtrace pair --json`
    const pr = first.report['pairReport'] as PairReport;
    expect(pr).toMatchObject({ schema: PAIR_REPORT_SCHEMA, probe_id: 'h-1', directions: { forward: { segments: [{ p50_us: 100, uncertainty_us: 5 }] }, reverse: null } });

    expect((await list(client, { pair: A, since: mid })).map((r) => r.report.at)).toEqual([t0 + 2000, t0 + 2500]);
    expect((await list(client, { pair: A, until: mid })).map((r) => r.report.at)).toEqual([t0, t0 + 1000]);
    expect((await list(client, { pair: A, limit: 3 })).map((r) => r.report.at)).toEqual([t0, t0 + 1000, t0 + 2000]);
    expect((await list(client, { pair: B })).map((r) => r.report.probeId)).toEqual(['h-2']);
    expect(await list(client, { pair: A, probeId: 'h-2' })).toEqual([]);
    expect(await list(client, { pair: { src: '10.9.9.9', dst: '10.9.9.8' } })).toEqual([]);
  });

  it('`xtrace history` goes through the controller: --json prints the records, the table their segments', async () => {
    const run = async (...args: string[]): Promise<string> => {
      let out = '';
      const program = new Command().exitOverride();
      registerHistoryCommand(program, { out: (s) => void (out += s) });
      await program.parseAsync([...args, '--controller', ctl.grpcAddress], { from: 'user' });
      return out;
    };
    const j = JSON.parse(await run('history', '--pair', `${A.src},${A.dst}`, '--since', '1h', '--json')) as { records: HistoryRecord[] };
    expect(j.records).toEqual(await list(client, { pair: A, since: Date.now() - 3_600_000 }));
    expect(j.records.map((r) => r.report.kind)).toEqual(['interval', 'interval', 'interval', 'summary']);
    const text = await run('history', '--pair', `${A.src},${A.dst}`, '--limit', '2');
    expect(text).toMatch(/interval\s+h-1\s+10\.7\.0\.1 -> 10\.7\.1\.1\n\s+hv-a\.nic_tx->hv-b\.nic_rx\s+wire n=10 p50=100us p99=100us max=100us lost=0/);
    expect(text).toMatch(/p50=- p99=- max=-/); // the unknown latency
    expect(await run('history', '--pair', '10.9.9.9,10.9.9.8')).toMatch(/no history for 10\.9\.9\.9 -> 10\.9\.9\.8/);
    await expect(run('history', '--pair', `${A.src},${A.dst}`, '--follow', '--limit', '3')).rejects.toMatchObject({ code: 'usage', field: '--limit' });
  });

  it('a report with VM breakdowns keeps them through the store and gRPC: the parts among the segments, the breakdown in the pairReport', async () => {
    const C = { src: '10.7.0.9', dst: '10.7.1.9' };
    const sent: PairReport = { ...samplePairReport(), probe_id: 'h-vm', src: C.src, dst: C.dst, table: 'the table' };
    await ctl.fleet!.onReport(probeReportFromPairReport(sent));
    const [rec] = await list(client, { pair: C });
    const parts = rec!.report.segments.filter((s) => s.vm_breakdown !== undefined);
    expect(parts.map((s) => `${s.vm_breakdown!.host} ${s.vm_breakdown!.role} ${s.vm_breakdown!.part} ${s.from}->${s.to} ${s.kind}`)).toEqual([
      'hv-b destination rx_worker_wait hv-b.tap_tx->hv-b.vhost_rx host',
      'hv-b destination rx_copy_signal hv-b.vhost_rx->hv-b.kvm_irq host',
      'hv-b destination guest hv-b.kvm_irq->hv-b.guest_kick vm',
      'hv-b destination tx_worker_wait hv-b.guest_kick->hv-b.vhost_tx host',
      'hv-b destination tx_build hv-b.vhost_tx->hv-b.tap_rx host',
      'hv-a source tx_worker_wait hv-a.guest_kick->hv-a.vhost_tx host',
      'hv-a source tx_build hv-a.vhost_tx->hv-a.tap_rx host',
    ]);
    expect(rec!.report.segments.find((s) => s.kind === 'vm' && s.vm_breakdown === undefined)).toMatchObject({ from: 'hv-b.kvm_irq', to: 'hv-b.guest_kick', count: 40 });
    expect(rec!.report['pairReport']).toEqual(sent);
  });

  it('WatchHistory resumes from a point in time, then delivers new reports as they are stored, until cancelled', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const done = (async () => {
      for await (const r of readHistory(client, { pair: A, since: mid }, true, ac.signal)) {
        seen.push(r.report.at);
        if (seen.length === 4) ac.abort();
      }
    })();
    // the stored ones from `mid` on (waited for, not slept on: a loaded machine took longer than 300 ms)
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 50 });
    expect(seen).toEqual([t0 + 2000, t0 + 2500]);
    await ctl.fleet!.onReport(report('h-4', B, false, t0 + 3000, 1)); // another pair: not delivered
    await ctl.fleet!.onReport(report('h-3', A, false, t0 + 3000, 7));
    await ctl.fleet!.onReport(report('h-3', A, true, t0 + 4000, 8));
    await Promise.race([done, sleep(30_000).then(() => Promise.reject(new Error(`watch delivered only ${JSON.stringify(seen)} in 30 s`)))]);
    expect(seen).toEqual([t0 + 2000, t0 + 2500, t0 + 3000, t0 + 4000]);
  });

  it('bad requests are usage errors naming the field; a --no-fleet controller says why it has no history', async () => {
    const onlySrc = await rawError(client, 'ListHistory', { src: A.src });
    expect(onlySrc).toMatchObject({ code: 'usage' });
    expect(onlySrc.message).toMatch(/^dst: give both src and dst/);
    expect((await rawError(client, 'ListHistory', { ...A, since_ms: 2000, until_ms: 1000 })).message).toMatch(/^until_ms: 1000 is before since_ms 2000/);
    expect((await rawError(client, 'WatchHistory', { ...A, until_ms: 1000 })).message).toMatch(/^until_ms: WatchHistory follows new records without an end/);
    expect((await rawError(client, 'ListHistory', { src: A.src, dst: A.src })).message).toMatch(/^dst: is the same address as src/);

    const bare = await controller(false);
    const c = new ControllerClient(bare.grpcAddress);
    try {
      const e = await rawError(c, 'ListHistory', A);
      expect(e.code).toBe('unreachable');
      expect(e.message).toMatch(/history is kept in JetStream, and this controller runs without the fleet layer \(--no-fleet\)/);
    } finally {
      c.close();
    }
  });

  it('history survives a controller restart; the real CLI reads it from the new controller', async () => {
    await ctl.close();
    const next = await controller();
    const r = await runCli(['history', '--pair', `${A.src},${A.dst}`, '--json', '--controller', next.grpcAddress]);
    expect(r.code, r.stderr).toBe(0);
    const { records } = JSON.parse(r.stdout) as { records: HistoryRecord[] };
    expect(records.map((x) => [x.report.probeId, x.report.kind])).toEqual([
      ['h-1', 'interval'],
      ['h-1', 'interval'],
      ['h-1', 'interval'],
      ['h-1', 'summary'],
      ['h-3', 'interval'],
      ['h-3', 'summary'],
    ]);
    const down = await runCli(['history', '--pair', `${A.src},${A.dst}`, '--controller', ctl.grpcAddress]);
    expect(down.code).toBe(3); // the old controller is gone: unreachable
    expect(down.stderr).toMatch(/cannot reach the controller/);
  });
});
