/**
 * Alert hooks end to end in the lab (issue 6): a rule on the wire segment's p50, real agents
 * and BPF, a real controller evaluating interval reports. Injecting wire delay above the
 * threshold fires the webhook (a real HTTP server here), the exec sink and the NATS sink
 * within the rule's `for` plus one interval; removing the delay sends `resolved`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StringCodec, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, ping, XtraceStack, type VmInfo } from '@xtrace/lab';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';

const skip = bpfUnavailableReason();
const FOR_MS = 2000;
const INTERVAL_MS = 1000;
/** batch flush, NATS and webhook delivery on top of `for` + one interval */
const PIPELINE_SLACK_MS = 1500;

interface Received {
  at: number;
  body: Record<string, unknown>;
}

describe.skipIf(skip !== undefined)(`alert hooks in the lab${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let stack: XtraceStack;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let server: Server;
  let webhookUrl: string;
  let nc: NatsConnection;
  let dir: string;
  const webhook: Received[] = [];
  const natsEvents: Received[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xtrace-alert-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        webhook.push({ at: Date.now(), body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    webhookUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/alerts`;
    lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'one-relay' } });
    vmA = lab.vm(0, 0);
    vmB = lab.vm(1, 0);
    stack = await XtraceStack.start(lab);
    nc = await connect({ servers: stack.nats.url });
    const sc = StringCodec();
    nc.subscribe('xtrace.test.alerts', { callback: (_e, m) => natsEvents.push({ at: Date.now(), body: JSON.parse(sc.decode(m.data)) as Record<string, unknown> }) });
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
    await lab?.down();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fires on injected wire delay within for + one interval, and resolves when it is removed', async () => {
    const execFile = join(dir, 'exec-events.ndjson');
    const add = await stack.cli([
      'alert', 'add', 'wire-slow', '--pairs', `${vmA.ip},${vmB.ip}`, '--segment', 'wire', '--metric', 'p50', '--above', '500us',
      '--for', `${FOR_MS}ms`, '--cooldown', '1s', '--webhook', webhookUrl, '--exec', `cat >> ${execFile}; echo >> ${execFile}`,
      '--nats-subject', 'xtrace.test.alerts', '--controller', stack.controllerAddress,
    ]);
    expect(add.code, add.stderr).toBe(0);

    const pair = stack.pair(vmA.ip, vmB.ip, ['--proto', 'icmp', '--duration', '22s', '--interval', `${INTERVAL_MS}ms`]);
    const traffic = ping(lab, vmA, vmB.ip, { count: 1000, intervalMs: 20, deadlineS: 21 });
    await new Promise((r) => setTimeout(r, 5000));
    expect(webhook).toEqual([]); // no delay yet: nothing fires

    await lab.setWireImpairment(0, { ab: { delayUs: 1000 }, ba: { delayUs: 1000 } });
    const injectedAt = Date.now();
    const deadline = injectedAt + FOR_MS + INTERVAL_MS + PIPELINE_SLACK_MS + 2000;
    while (!webhook.some((w) => w.body['state'] === 'firing') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const firing = webhook.find((w) => w.body['state'] === 'firing');
    expect(firing, 'webhook got a firing event').toBeDefined();
    const fireDelay = firing!.at - injectedAt;
    console.log(`alert fired ${fireDelay} ms after the delay was injected (for ${FOR_MS} ms, interval ${INTERVAL_MS} ms)`);
    expect(fireDelay).toBeGreaterThanOrEqual(FOR_MS);
    expect(fireDelay).toBeLessThanOrEqual(FOR_MS + INTERVAL_MS + PIPELINE_SLACK_MS);
    expect(firing!.body['rule']).toBe('wire-slow');
    expect(Number(firing!.body['value'])).toBeGreaterThan(1000); // the wire p50 it saw, µs

    await lab.setWireImpairment(0, { ab: { delayUs: 0 }, ba: { delayUs: 0 } });
    const clearedAt = Date.now();
    const resolveDeadline = clearedAt + INTERVAL_MS + PIPELINE_SLACK_MS + 2000;
    while (!webhook.some((w) => w.body['state'] === 'resolved') && Date.now() < resolveDeadline) await new Promise((r) => setTimeout(r, 50));
    const resolved = webhook.find((w) => w.body['state'] === 'resolved');
    expect(resolved, 'webhook got a resolved event').toBeDefined();
    console.log(`alert resolved ${resolved!.at - clearedAt} ms after the delay was removed`);
    expect(resolved!.at - clearedAt).toBeLessThanOrEqual(INTERVAL_MS + PIPELINE_SLACK_MS + 1000);

    await traffic.catch(() => undefined);
    await pair;
    // one firing and one resolved per episode and wire segment (forward and reverse), on every sink
    const episodes = (events: Record<string, unknown>[]): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const e of events) {
        const seg = e['segment'] as { from: string; to: string };
        (out[`${seg.from}>${seg.to}`] ??= []).push(String(e['state']));
      }
      return out;
    };
    const expected = episodes(webhook.map((w) => w.body));
    expect(Object.keys(expected)).toHaveLength(2);
    for (const states of Object.values(expected)) expect(states).toEqual(['firing', 'resolved']);
    expect(episodes(natsEvents.map((e) => e.body))).toEqual(expected);
    const execEvents = readFileSync(execFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(episodes(execEvents)).toEqual(expected);
  }, 120_000);
});
