/**
 * Bad input, fuzzed (fake tracer: no BPF): a real nats-server (JetStream, max_payload raised so
 * oversized envelopes reach the controller), an in-process controller with its fleet layer and
 * gRPC API, and two agents with fake tracers exchanging constructed traffic. More than 10,000
 * malformed messages (test/support/fuzz-inputs.ts, seeded: XTRACE_FUZZ_SEED reproduces a run) go to
 *   (a) a running probe's event subject xtrace.ev.<probe>.<host>,
 *   (b) an agent's command subject xtrace.agent.<host>.cmd,
 *   (c) the heartbeat and announce subjects the registry follows,
 *   (d) the fleet's schedule and alert-rule KV buckets,
 *   (e) the gRPC API (StartPairProbe, ListHistory, WatchHistory, AddSchedule, AddAlertRule).
 * Proved: nothing crashes (no uncaught error, and afterwards the controller lists its agents, an
 * agent answers, a new probe matches traffic); every malformed envelope is counted (the probe's
 * malformed_batches, the manager, /metrics), every command is refused with the field at fault,
 * every heartbeat is refused (counted; observe() names the field), every KV entry is skipped,
 * every gRPC request is INVALID_ARGUMENT with its field; the controller's heap stays within
 * HEAP_BOUND_BYTES of what it was before.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRegistry, startController, type Controller } from '@xtrace/controller';
import { Subjects, UsageError, type CommandReply } from '@xtrace/proto';
import { loadGrpcService, type XtraceServiceName } from '@xtrace/proto/grpc';
import { openAlertsKv, openSchedulesKv } from '../../controller/src/fleet/kv-buckets.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { COMMAND_KINDS, ENVELOPE_KINDS, FLOOD_RECORDS, GRPC_KINDS, HEARTBEAT_KINDS, Rng, commandCase, envelopeCase, grpcCase, heartbeatCase, kvGarbage } from '../support/fuzz-inputs.js';
import { startPairTraffic } from '../support/pair-traffic.js';
import { natsServerForTests } from './fleet-nats.js';

const SEED = Number(process.env['XTRACE_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const COUNTS = { envelopes: 4000, commands: 3000, heartbeats: 2000, kv: 500, grpc: 1500 };
/** the controller's heap (JS heap and array buffers, after a GC) may grow this much over the fuzz */
const HEAP_BOUND_BYTES = 64 * 1024 * 1024;
/**
 * ... and this much while the flooded probe still runs: its matcher holds at most 200,000 packet
 * slots (matcher-options.ts maxPending) and 65,536 unpaired requests and replies each
 * (request-reply-pairing.ts), whatever the flood.
 */
const RUNNING_HEAP_BOUND_BYTES = 128 * 1024 * 1024;
const MB = 1024 * 1024;

const nats = natsServerForTests({ maxPayloadBytes: 4 * MB });
let ctl: Controller;
let a: TestAgent;
let b: TestAgent;
let nc: NatsConnection;
let traffic: ReturnType<typeof startPairTraffic>;
/** the controller's warnings and errors, counted by message */
const logged = new Map<string, number>();
const crashes: unknown[] = [];
const onCrash = (e: unknown): void => void crashes.push(e);
const clients = new Map<XtraceServiceName, grpc.Client>();

function captureLogger(): pino.Logger {
  return pino(
    { level: 'warn' },
    {
      write(line: string) {
        const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
        logged.set(msg, (logged.get(msg) ?? 0) + 1);
      },
    },
  );
}

function client(service: XtraceServiceName): grpc.Client {
  const known = clients.get(service);
  if (known !== undefined) return known;
  const c = new (loadGrpcService(service).Client)(ctl.grpcAddress, grpc.credentials.createInsecure());
  clients.set(service, c);
  return c;
}

/** the status of a call that must fail: code and the controller's xtrace-field */
function callStatus(service: XtraceServiceName, method: string, req: unknown, stream: boolean): Promise<{ code: number; field: string | undefined; details: string } | 'ok'> {
  const fn = (client(service) as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!.bind(client(service));
  const deadline = Date.now() + 20_000;
  const fieldOf = (e: grpc.ServiceError): string | undefined => {
    const f = e.metadata?.get('xtrace-field')[0];
    return typeof f === 'string' ? f : undefined;
  };
  return new Promise((resolve) => {
    if (stream) {
      const call = fn(req, { deadline }) as grpc.ClientReadableStream<unknown>;
      call.on('data', () => {});
      call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, field: fieldOf(e), details: e.details }));
      call.on('end', () => resolve('ok'));
    } else {
      fn(req, new grpc.Metadata(), { deadline }, (e: grpc.ServiceError | null) => resolve(e ? { code: e.code, field: fieldOf(e), details: e.details } : 'ok'));
    }
  });
}

/** runs `f` over 0..n-1, `width` at a time */
async function pool(n: number, width: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await f(next++);
  }));
}

function heapBytes(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const url = nats.server().url;
  a = await startTestAgent(url, { hostId: 'xtfz-a', vmAddresses: ['10.77.0.1'], heartbeatMs: 500 });
  b = await startTestAgent(url, { hostId: 'xtfz-b', vmAddresses: ['10.77.0.2'], heartbeatMs: 500 });
  ctl = await startController({ nats: { url }, listen: '127.0.0.1:0', logger: captureLogger() });
  nc = await nats.conn('fuzzer');
  await waitFor(() => ctl.registry.list().length === 2, 5000, 'both agents registered');
  traffic = startPairTraffic({ a: a.tracer, b: b.tracer, src: '10.77.0.1', dst: '10.77.0.2', periodMs: 10 });
});

afterAll(async () => {
  traffic?.stop();
  for (const c of clients.values()) c.close();
  await ctl?.close().catch(() => {});
  await a?.close().catch(() => {});
  await b?.close().catch(() => {});
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

describe('bad input, fuzzed (fake tracer: no BPF)', () => {
  it('survives >10,000 malformed messages on every input: each counted or refused naming its field, memory bounded', { timeout: 90_000 }, async () => {
    const started = Date.now();
    const rng = new Rng(SEED);
    console.log(`fuzz seed ${SEED} (XTRACE_FUZZ_SEED=${SEED} reproduces this run)`);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const out = {
      envelopes: { sent: 0, malformed: 0, accepted: 0, counted: 0 },
      commands: { sent: 0, rejectedWithField: 0 },
      heartbeats: { sent: 0, rejected: 0, withField: 0, notJson: 0 },
      kv: { sent: 0, skipped: 0 },
      grpc: { sent: 0, invalidArgumentWithField: 0 },
    };
    const failures: string[] = [];
    const phases: string[] = [];
    let phaseStart = Date.now();
    const phaseDone = (name: string): void => {
      phases.push(`${name} ${((Date.now() - phaseStart) / 1000).toFixed(1)}s`);
      phaseStart = Date.now();
    };

    const probe = await ctl.probes.start({ src: '10.77.0.1', dst: '10.77.0.2', proto: 'icmp', port: 0, duration_ms: 80_000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    const probeId = probe.info.probe_id;
    await waitFor(() => probe.streams.size === 2, 5000, 'real batches from both agents');
    const heapBefore = heapBytes(gc);
    const rssBefore = process.memoryUsage().rss;

    // (a) event envelopes, in chunks the controller keeps up with (a batch it took is received, a duplicate or malformed)
    const seen = (): number => probe.malformedBatches + [...probe.streams.values()].reduce((n, s) => n + s.seq.received + s.seq.duplicates, 0);
    const seenBefore = seen();
    const onPathMalformed = new Map<string, number>();
    const byKind = new Map<string, number>();
    for (let i = 0; i < COUNTS.envelopes; ) {
      for (const end = Math.min(COUNTS.envelopes, i + 100); i < end; i++) {
        // oversized ones are a megabyte each: a few are enough
        let kind = rng.pick(ENVELOPE_KINDS);
        if (kind === 'oversize' && rng.int(20) !== 0) kind = 'random-bytes';
        const c = envelopeCase(rng, { probeId, hosts: probe.info.hosts }, kind);
        nc.publish(Subjects.events(probeId, c.subjectHost), c.data);
        out.envelopes.sent++;
        byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
        if (c.expect === 'malformed') {
          out.envelopes.malformed++;
          if (probe.info.hosts.includes(c.subjectHost)) onPathMalformed.set(c.subjectHost, (onPathMalformed.get(c.subjectHost) ?? 0) + 1);
        } else out.envelopes.accepted++;
      }
      await nc.flush();
      await waitFor(() => seen() - seenBefore >= out.envelopes.sent, 20_000, `the controller to take ${out.envelopes.sent} envelopes`);
    }
    // a burst of unique packet ids, faster than the matcher's 2 s timeout expires them: its slot pool evicts instead of growing
    for (let burst = 0; burst < 4; burst++) {
      for (let k = 0; k < 60; k++) {
        const c = envelopeCase(rng, { probeId, hosts: probe.info.hosts }, 'flood');
        nc.publish(Subjects.events(probeId, c.subjectHost), c.data);
        out.envelopes.sent++;
        out.envelopes.accepted++;
        byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      }
      await nc.flush();
      await waitFor(() => seen() - seenBefore >= out.envelopes.sent, 20_000, `the controller to take ${out.envelopes.sent} envelopes`);
    }
    await waitFor(() => probe.malformedBatches === out.envelopes.malformed, 10_000, `${out.envelopes.malformed} malformed batches counted (counted ${probe.malformedBatches})`);
    out.envelopes.counted = probe.malformedBatches;
    const heapRunning = heapBytes(gc);
    expect(ctl.probes.malformedBatches).toBe(out.envelopes.malformed);
    for (const h of probe.info.hosts) expect(probe.streams.get(h)?.malformed ?? 0, h).toBe(onPathMalformed.get(h) ?? 0);

    phaseDone('(a)');
    // (b) agent commands: every reply refuses, naming a field
    // (each target's inputs are drawn before any is sent, so replies arriving in any order leave the sequence to the seed)
    const commands = Array.from({ length: COUNTS.commands }, () => commandCase(rng, rng.pick(COMMAND_KINDS)));
    await pool(COUNTS.commands, 64, async (i) => {
      const c = commands[i]!;
      out.commands.sent++;
      const r = JSON.parse(new TextDecoder().decode((await nc.request(Subjects.agentCmd('xtfz-a'), c.data, { timeout: 20_000 })).data)) as CommandReply;
      if (!r.ok && typeof r.error.field === 'string' && r.error.field !== '' && r.error.message.length < 4096) out.commands.rejectedWithField++;
      else failures.push(`command ${c.kind} ${new TextDecoder().decode(c.data).slice(0, 200)}: ${JSON.stringify(r).slice(0, 300)}`);
    });
    commands.length = 0; // the test's own garbage is no part of the controller's heap

    phaseDone('(b)');
    // (c) heartbeats and announcements: every one refused and counted; observe() names the field
    const rejectedBefore = ctl.registry.rejected;
    const scratch = new AgentRegistry({ nc, logger: testLogger() });
    for (let i = 0; i < COUNTS.heartbeats; i++) {
      const c = heartbeatCase(rng, rng.pick(HEARTBEAT_KINDS));
      const host = rng.pick(['xtfz-a', 'xtfz-b', `xtfz-hb${rng.int(100)}`]);
      nc.publish(rng.int(2) ? Subjects.agentHeartbeat(host) : Subjects.registryAnnounce(host), c.data);
      out.heartbeats.sent++;
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(c.data));
      } catch {
        out.heartbeats.notJson++;
        continue;
      }
      try {
        scratch.observe(json);
        failures.push(`heartbeat ${c.kind} accepted: ${new TextDecoder().decode(c.data).slice(0, 200)}`);
      } catch (e: unknown) {
        if (e instanceof UsageError && e.field.startsWith('heartbeat')) out.heartbeats.withField++;
        else failures.push(`heartbeat ${c.kind}: ${String(e)}`);
      }
      if (i % 200 === 199) await nc.flush();
    }
    await nc.flush();
    await waitFor(() => ctl.registry.rejected - rejectedBefore === COUNTS.heartbeats, 10_000, `${COUNTS.heartbeats} heartbeats refused (refused ${ctl.registry.rejected - rejectedBefore})`);
    out.heartbeats.rejected = ctl.registry.rejected - rejectedBefore;
    expect(ctl.registry.list().map((r) => r.host)).toEqual(['xtfz-a', 'xtfz-b']);

    phaseDone('(c)');
    // (d) garbage in the fleet buckets, next to one valid schedule and one valid rule: listings skip (and log) it
    const okSchedule = await callStatus('Schedules', 'AddSchedule', { name: 'fz-valid', every: '1m', duration: '1s', pairs: { text: '10.9.0.1,10.9.1.1' }, proto: 'icmp', paused: true }, false);
    const okRule = await callStatus('AlertRules', 'AddAlertRule', { name: 'fz-valid', selector: { text: '' }, segmentKind: '', metric: 'p99', threshold: 100, for: '', cooldown: '', sinks: [{ type: 'nats', subject: 'xtrace.fuzz.alerts' }] }, false);
    expect([okSchedule, okRule]).toEqual(['ok', 'ok']);
    const schedulesKv = await openSchedulesKv(nc);
    const alertsKv = await openAlertsKv(nc);
    const validSchedule = JSON.parse(new TextDecoder().decode((await schedulesKv.get('fz-valid'))!.value)) as Record<string, unknown>;
    const validRule = JSON.parse(new TextDecoder().decode((await alertsKv.get('fz-valid'))!.value)) as Record<string, unknown>;
    const half = COUNTS.kv / 2;
    // a valid name, or one no schedule may have (KV allows dots and '=')
    const entries = Array.from({ length: COUNTS.kv }, (_, i) => ({
      kv: i < half ? schedulesKv : alertsKv,
      key: rng.int(5) === 0 ? `fz.bad=${i}` : `fz-garbage-${i}`,
      value: kvGarbage(rng, i < half ? validSchedule : validRule),
    }));
    await pool(COUNTS.kv, 16, async (i) => {
      const e = entries[i]!;
      await e.kv.put(e.key, e.value);
      out.kv.sent++;
    });
    entries.length = 0;
    const skippedBefore = (logged.get('skipping an invalid stored schedule') ?? 0) + (logged.get('skipping an invalid stored alert rule') ?? 0);
    const listed = await new Promise<{ schedules: { name: string }[] }>((resolve, reject) =>
      (client('Schedules') as unknown as { ListSchedules: (r: object, cb: (e: unknown, r: unknown) => void) => void }).ListSchedules({}, (e, r) => (e ? reject(e) : resolve(r as { schedules: { name: string }[] }))),
    );
    const rules = await new Promise<{ rules: { name: string }[] }>((resolve, reject) =>
      (client('AlertRules') as unknown as { ListAlertRules: (r: object, cb: (e: unknown, r: unknown) => void) => void }).ListAlertRules({}, (e, r) => (e ? reject(e) : resolve(r as { rules: { name: string }[] }))),
    );
    expect(listed.schedules.map((s) => s.name)).toEqual(['fz-valid']);
    expect(rules.rules.map((r) => r.name)).toEqual(['fz-valid']);
    out.kv.skipped = (logged.get('skipping an invalid stored schedule') ?? 0) + (logged.get('skipping an invalid stored alert rule') ?? 0) - skippedBefore;
    expect(out.kv.skipped).toBe(COUNTS.kv);
    // the scheduler's and the alert layer's watchers saw every entry and logged the bad ones
    await waitFor(() => (logged.get('ignoring invalid schedule') ?? 0) >= half, 10_000, 'the scheduler to skip every bad schedule');

    phaseDone('(d)');
    // (e) gRPC: every request INVALID_ARGUMENT naming its field
    const requests = Array.from({ length: COUNTS.grpc }, () => grpcCase(rng, rng.pick(GRPC_KINDS)));
    await pool(COUNTS.grpc, 16, async (i) => {
      const c = requests[i]!;
      out.grpc.sent++;
      const s = await callStatus(c.service, c.method, c.req, c.stream);
      if (s !== 'ok' && s.code === grpc.status.INVALID_ARGUMENT && s.field !== undefined && s.field !== '' && s.details.length <= 4096) out.grpc.invalidArgumentWithField++;
      else failures.push(`${c.method} ${JSON.stringify(c.req).slice(0, 200)}: ${JSON.stringify(s).slice(0, 300)}`);
    });
    requests.length = 0;

    phaseDone('(e)');
    // still standing: the first probe ends with a report, an agent answers, a new probe matches traffic
    const final = await ctl.probes.stop(probeId, 'fuzz done');
    const reportMalformed = final.hosts.reduce((n, h) => n + h.malformed_batches, 0);
    const floodRecords = (byKind.get('flood') ?? 0) * FLOOD_RECORDS;
    expect(reportMalformed).toBe([...onPathMalformed.values()].reduce((n, v) => n + v, 0));
    const status = JSON.parse(new TextDecoder().decode((await nc.request(Subjects.agentCmd('xtfz-b'), JSON.stringify({ op: 'status' }), { timeout: 5000 })).data)) as CommandReply;
    expect(status.ok).toBe(true);
    const fresh = await ctl.probes.start({ src: '10.77.0.1', dst: '10.77.0.2', proto: 'icmp', port: 0, duration_ms: 60_000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    await new Promise((r) => setTimeout(r, 2500));
    const freshFinal = await ctl.probes.stop(fresh.info.probe_id, 'check');
    expect(freshFinal.no_traffic).toBe(false);
    expect(freshFinal.hosts.map((h) => h.malformed_batches)).toEqual([0, 0]);

    const heapAfter = heapBytes(gc);
    const rssAfter = process.memoryUsage().rss;
    const total = out.envelopes.sent + out.commands.sent + out.heartbeats.sent + out.kv.sent + out.grpc.sent;
    console.log(
      [
        `fuzz seed ${SEED}: ${total} malformed messages in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        `  (a) envelopes:  sent ${out.envelopes.sent} (${out.envelopes.malformed} malformed, ${out.envelopes.accepted} well formed but absurd), counted malformed ${out.envelopes.counted}; by kind ${JSON.stringify(Object.fromEntries(byKind))}`,
        `  (b) commands:   sent ${out.commands.sent}, rejected with a field error ${out.commands.rejectedWithField}`,
        `  (c) heartbeats: sent ${out.heartbeats.sent}, rejected (counted by the registry) ${out.heartbeats.rejected}: ${out.heartbeats.withField} naming the field, ${out.heartbeats.notJson} not JSON`,
        `  (d) KV entries: sent ${out.kv.sent}, skipped and logged ${out.kv.skipped}`,
        `  (e) gRPC:       sent ${out.grpc.sent}, INVALID_ARGUMENT naming the field ${out.grpc.invalidArgumentWithField}`,
        `  crashes: ${crashes.length}; failures: ${failures.length}; phases: ${phases.join(', ')}`,
        `  matcher: ${floodRecords} flood records of unique ids; evicted from its slot pool ${final.counters.evicted}, expired ${final.counters.expired_incomplete}, pending at the end ${final.counters.pending}`,
        `  memory: heap+buffers ${(heapBefore / MB).toFixed(1)} MB before; ${(heapRunning / MB).toFixed(1)} MB after the envelopes, the flooded probe still running (+${((heapRunning - heapBefore) / MB).toFixed(1)}, bound +${RUNNING_HEAP_BOUND_BYTES / MB}); ${(heapAfter / MB).toFixed(1)} MB at the end (+${((heapAfter - heapBefore) / MB).toFixed(1)}, bound +${HEAP_BOUND_BYTES / MB}); rss ${(rssBefore / MB).toFixed(1)} -> ${(rssAfter / MB).toFixed(1)} MB`,
      ].join('\n'),
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(crashes).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(out.commands.rejectedWithField).toBe(out.commands.sent);
    expect(out.heartbeats.withField + out.heartbeats.notJson).toBe(out.heartbeats.sent);
    expect(out.grpc.invalidArgumentWithField).toBe(out.grpc.sent);
    expect(heapRunning - heapBefore).toBeLessThan(RUNNING_HEAP_BOUND_BYTES);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_BOUND_BYTES);
  });
});
