/**
 * The Schedules and AlertRules gRPC services end to end: a real controller (in-process, gRPC on
 * loopback) over a real nats-server with JetStream, called with the CLI's client. A schedule
 * added over gRPC is run by the controller's scheduler; an alert rule added over gRPC is
 * evaluated on the controller's reports and fires its webhook; errors are gRPC statuses with
 * the field.
 */
import { createServer, type Server } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRuleMessage, GetScheduleResponse, ProbeReport, ScheduleMessage, TestAlertRuleResponse } from '@xtrace/proto';
import { startController, type Controller } from '@xtrace/controller';
import { ControllerClient } from '../../cli/src/grpc-client.js';
import { testLogger } from '../support/agents.js';
import { natsServerForTests } from './fleet-nats.js';

const nats = natsServerForTests();
let ctl: Controller;
let noFleet: Controller;
let schedules: ControllerClient<'Schedules'>;
let alerts: ControllerClient<'AlertRules'>;
let hook: Server;
let hookUrl = '';
const hookBodies: Record<string, unknown>[] = [];

beforeAll(async () => {
  ctl = await startController({ nats: { url: nats.server().url }, listen: '127.0.0.1:0', logger: testLogger() });
  noFleet = await startController({ nats: { url: nats.server().url }, listen: '127.0.0.1:0', logger: testLogger(), fleet: false });
  schedules = new ControllerClient(ctl.grpcAddress, 'Schedules');
  alerts = new ControllerClient(ctl.grpcAddress, 'AlertRules');
  hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      hookBodies.push(JSON.parse(b) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const a = hook.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  hookUrl = `http://127.0.0.1:${a.port}/hook`;
});
afterAll(async () => {
  schedules?.close();
  alerts?.close();
  await ctl?.close();
  await noFleet?.close();
  hook?.closeAllConnections();
  await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the gRPC status under the CLI's error, and the field the controller named */
async function status(p: Promise<unknown>): Promise<{ code: number; field: unknown; details: string }> {
  try {
    await p;
  } catch (e: unknown) {
    const se = (e as { cause?: grpc.ServiceError }).cause;
    if (se === undefined) throw e;
    return { code: se.code, field: se.metadata.get('xtrace-field')[0], details: se.details };
  }
  throw new Error('the call succeeded');
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('Schedules service', () => {
  it('adds a schedule the controller then runs; lists, pauses, removes it', async () => {
    const s: ScheduleMessage = await schedules.unary('AddSchedule', { name: 'grpc-run', every: '1m', duration: '1s', pairs: { text: '10.9.0.1,10.9.1.1' }, proto: 'icmp' });
    expect(s).toMatchObject({ name: 'grpc-run', every: '1m', duration: '1s', paused: false, proto: 'icmp', pairs: { kind: 'pairs', text: '10.9.0.1,10.9.1.1', pairs: [{ src: '10.9.0.1', dst: '10.9.1.1' }] } });
    expect(s.createdAt).toBeGreaterThan(Date.now() - 60_000);

    // the first slot is due at once: the scheduler claims it and, with no agents, fails its pair
    const got = await until('the scheduled run', async () => {
      const r: GetScheduleResponse = await schedules.unary('GetSchedule', { name: 'grpc-run', runs: 5 });
      return r.runs[0]?.pairs[0]?.state === 'failed' ? r : undefined;
    });
    expect(got.schedule.name).toBe('grpc-run');
    expect(got.runs).toHaveLength(1);
    expect(got.runs[0]).toMatchObject({ schedule: 'grpc-run', slot: s.createdAt, durationMs: 1000, proto: 'icmp', owner: ctl.id, resolved: true, pairs: [{ src: '10.9.0.1', dst: '10.9.1.1', state: 'failed' }] });

    const paused: ScheduleMessage = await schedules.unary('SetSchedulePaused', { name: 'grpc-run', paused: true });
    expect(paused.paused).toBe(true);
    const { schedules: list }: { schedules: ScheduleMessage[] } = await schedules.unary('ListSchedules', {});
    expect(list.find((x) => x.name === 'grpc-run')).toMatchObject({ paused: true, pairs: { kind: 'pairs' } });
    await schedules.unary('RemoveSchedule', { name: 'grpc-run' });
    expect(await status(schedules.unary('RemoveSchedule', { name: 'grpc-run' }))).toMatchObject({ code: grpc.status.NOT_FOUND, field: 'name' });
    expect(await status(schedules.unary('GetSchedule', { name: 'grpc-run' }))).toMatchObject({ code: grpc.status.NOT_FOUND, field: 'name' });
    expect(await status(schedules.unary('SetSchedulePaused', { name: 'grpc-run', paused: false }))).toMatchObject({ code: grpc.status.NOT_FOUND, field: 'name' });
  });

  it('rejects a bad request with INVALID_ARGUMENT naming the field', async () => {
    const add = (req: Record<string, unknown>) => schedules.unary('AddSchedule', { name: 'bad', every: '1m', duration: '1s', pairs: { text: 'all-cross-host' }, ...req });
    expect(await status(add({ every: '5x' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.every' });
    expect(await status(add({ duration: '2m' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.duration' });
    expect(await status(add({ pairs: { text: '10.0.0.1' } }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.pairs[0]' });
    expect(await status(add({ pairs: null }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.pairs' });
    expect(await status(add({ proto: 'sctp' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.proto' });
    expect(await status(add({ name: 'a b' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'schedule.name' });
    await add({ name: 'taken', paused: true });
    const dup = await status(add({ name: 'taken' }));
    expect(dup).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'name' });
    expect(dup.details).toMatch(/already exists/);
    await schedules.unary('RemoveSchedule', { name: 'taken' });
  });
});

describe('AlertRules service', () => {
  const A = { src: '10.9.2.1', dst: '10.9.3.1' };
  const wireReport = (at: number, p50: number): ProbeReport => ({
    probeId: 'grpc-alert-probe',
    pair: A,
    kind: 'interval',
    at,
    segments: [{ from: 'hv-a.nic_tx', to: 'hv-b.nic_rx', kind: 'wire', count: 50, p50_us: p50, p90_us: p50, p99_us: p50, max_us: p50, lost: 0, share: 1, direction: 'forward' }],
  });

  it('a rule added over gRPC is evaluated on the controller\'s reports and fires its webhook; tested and removed', async () => {
    const r: AlertRuleMessage = await alerts.unary('AddAlertRule', {
      name: 'grpc-wire',
      selector: { text: `${A.src},${A.dst}` },
      segmentKind: 'wire',
      metric: 'p50',
      threshold: 50,
      for: '',
      cooldown: '1m',
      sinks: [{ type: 'webhook', url: hookUrl }],
    });
    expect(r).toMatchObject({ name: 'grpc-wire', segmentKind: 'wire', metric: 'p50', op: '>', threshold: 50, for: '0s', cooldown: '1m', selector: { kind: 'pairs', text: `${A.src},${A.dst}` } });
    expect(r.sinks).toEqual([{ type: 'webhook', url: hookUrl, command: '', subject: '' }]);
    expect(r).not.toHaveProperty('vmPart');
    expect((await alerts.unary('GetAlertRule', { name: 'grpc-wire' })).createdAt).toBe(r.createdAt);

    // the controllers follow the rules in KV: report until the new rule is in and fires
    const firing = await until('the webhook to get a firing event', async () => {
      await ctl.fleet!.onReport(wireReport(Date.now(), 200));
      return hookBodies.find((b) => b['rule'] === 'grpc-wire' && b['state'] === 'firing');
    });
    expect(firing).toMatchObject({ pair: A, metric: 'p50', value: 200, threshold: 50, segment: { kind: 'wire', from: 'hv-a.nic_tx' }, probeId: 'grpc-alert-probe' });
    expect(firing).not.toHaveProperty('test');

    const t: TestAlertRuleResponse = await alerts.unary('TestAlertRule', { name: 'grpc-wire' });
    expect(t.event).toMatchObject({ state: 'firing', rule: 'grpc-wire', pair: A, test: true, threshold: 50, value: 51, segment: { kind: 'wire', vm_breakdown: null } });
    expect(t.results).toEqual([expect.objectContaining({ sink: `webhook:${hookUrl}`, ok: true, attempts: 1, status: 200, killed: false })]);
    expect(hookBodies.filter((b) => b['rule'] === 'grpc-wire' && b['test'] === true)).toHaveLength(1);

    const { rules }: { rules: AlertRuleMessage[] } = await alerts.unary('ListAlertRules', {});
    expect(rules.map((x) => x.name)).toContain('grpc-wire');
    await alerts.unary('RemoveAlertRule', { name: 'grpc-wire' });
    expect(await status(alerts.unary('RemoveAlertRule', { name: 'grpc-wire' }))).toMatchObject({ code: grpc.status.NOT_FOUND, field: 'name' });
    expect(await status(alerts.unary('TestAlertRule', { name: 'grpc-wire' }))).toMatchObject({ code: grpc.status.NOT_FOUND, field: 'name' });
  });

  it('TestAlertRule reports a killed exec sink and a VM part rule\'s synthetic segment', async () => {
    await alerts.unary('AddAlertRule', { name: 'grpc-exec', vmPart: 'guest', metric: 'p99', threshold: 1000, sinks: [{ type: 'exec', command: 'kill -9 $$' }] });
    const t: TestAlertRuleResponse = await alerts.unary('TestAlertRule', { name: 'grpc-exec' });
    expect(t.event.segment).toMatchObject({ kind: 'vm', vm_breakdown: { role: 'destination', part: 'guest' } });
    expect(t.results).toEqual([expect.objectContaining({ sink: 'exec:kill -9 $$', ok: false, killed: true })]);
    expect(t.results[0]).not.toHaveProperty('exitCode');
    await alerts.unary('RemoveAlertRule', { name: 'grpc-exec' });
  });

  it('rejects a bad rule with INVALID_ARGUMENT naming the field', async () => {
    const add = (req: Record<string, unknown>) => alerts.unary('AddAlertRule', { name: 'bad', metric: 'p99', threshold: 1, sinks: [{ type: 'nats', subject: 'ops.x' }], ...req });
    expect(await status(add({ metric: 'p95' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.metric' });
    expect(await status(add({ sinks: [] }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.sinks' });
    expect(await status(add({ sinks: [{ type: 'webhook', url: 'ftp://x' }] }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.sinks[0].url' });
    expect(await status(add({ segmentKind: 'vm', vmPart: 'guest' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.vmPart' });
    expect(await status(add({ for: 'soon' }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.for' });
    expect(await status(add({ selector: { text: 'sample:0' } }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'rule.selector.sample' });
  });
});

describe('without the fleet layer', () => {
  it('both services are UNAVAILABLE', async () => {
    const s = new ControllerClient(noFleet.grpcAddress, 'Schedules');
    const a = new ControllerClient(noFleet.grpcAddress, 'AlertRules');
    try {
      const se = await status(s.unary('ListSchedules', {}));
      expect(se.code).toBe(grpc.status.UNAVAILABLE);
      expect(se.details).toMatch(/--no-fleet/);
      await expect(s.unary('ListSchedules', {})).rejects.toMatchObject({ code: 'unreachable' });
      expect((await status(a.unary('AddAlertRule', { name: 'x', metric: 'p99', threshold: 1, sinks: [] }))).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      s.close();
      a.close();
    }
  });
});
