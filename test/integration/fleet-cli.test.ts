/**
 * `xtrace schedule|alert` commands (commander in-process) against a real controller (in-process,
 * gRPC on loopback) over a real nats-server; history: fleet-history-grpc.test.ts.
 */
import { createServer, type Server } from 'node:http';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { startController, type Controller } from '@xtrace/controller';
import { registerScheduleCommand } from '../../cli/src/commands/schedule.js';
import { registerAlertCommand } from '../../cli/src/commands/alert.js';
import { testLogger } from '../support/agents.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';

let nats: NatsServerHandle;
let ctl: Controller;
let hook: Server;
let hookUrl = '';
const hookBodies: unknown[] = [];
beforeAll(async () => {
  nats = await startNatsServer();
  ctl = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
  hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      hookBodies.push(JSON.parse(b));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const a = hook.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  hookUrl = `http://127.0.0.1:${a.port}/hook`;
});
afterAll(async () => {
  await ctl?.close();
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
  await nats?.stop();
});

async function run(...args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  const deps = { out: (s: string) => void (out += s) };
  registerScheduleCommand(program, deps);
  registerAlertCommand(program, deps);
  await program.parseAsync([...args, '--controller', ctl.grpcAddress], { from: 'user' });
  return out;
}

describe('fleet CLI commands', () => {
  it('schedule add/list/pause/show/rm, with field-precise errors', async () => {
    expect(await run('schedule', 'add', 'wire', '--every', '5m', '--duration', '10s', '--pairs', 'all-cross-host')).toMatch(/schedule wire added: every 5m for 10s/);
    await run('schedule', 'add', 'db', '--every', '1m', '--duration', '5s', '--pairs', '10.0.0.1,10.0.1.1;10.0.0.2,10.0.1.1', '--proto', 'tcp');
    await expect(run('schedule', 'add', 'bad', '--every', '5x', '--duration', '1s', '--pairs', 'all')).rejects.toSatisfy(
      (e: unknown) => e instanceof UsageError && e.field === 'schedule.every',
    );
    await expect(run('schedule', 'add', 'bad', '--every', '1m', '--duration', '2m', '--pairs', 'all')).rejects.toSatisfy(
      (e: unknown) => e instanceof UsageError && e.field === 'schedule.duration',
    );
    await expect(run('schedule', 'add', 'bad', '--every', '1m', '--duration', '2s', '--pairs', '10.0.0.1')).rejects.toSatisfy(
      (e: unknown) => e instanceof UsageError && e.field === 'schedule.pairs[0]',
    );
    await expect(run('schedule', 'add', 'wire', '--every', '1m', '--duration', '2s', '--pairs', 'all')).rejects.toThrow(/already exists/);
    await run('schedule', 'pause', 'wire');
    const list = JSON.parse(await run('schedule', 'list', '--json')) as { schedules: { name: string; paused: boolean; pairs: unknown; proto?: string }[] };
    expect(list.schedules.map((s) => [s.name, s.paused])).toEqual([
      ['db', false],
      ['wire', true],
    ]);
    expect(list.schedules[0]).toMatchObject({ proto: 'tcp', pairs: { pairs: [{ src: '10.0.0.1', dst: '10.0.1.1' }, { src: '10.0.0.2', dst: '10.0.1.1' }] } });
    expect(await run('schedule', 'list')).toMatch(/wire\s+5m\s+10s\s+all-cross-host\s+any\s+paused/);
    // the controller runs it at once (the first slot is due at creation): no agents, so its pairs fail
    let shown: { schedule: { name: string }; runs: { schedule: string; pairs: { src: string; state: string }[] | null }[] } | undefined;
    const settled = (): boolean => (shown?.runs[0]?.pairs ?? []).length > 0 && shown!.runs[0]!.pairs!.every((p) => p.state === 'failed');
    for (let i = 0; i < 100 && !settled(); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      shown = JSON.parse(await run('schedule', 'show', 'db', '--json', '--runs', '1')) as typeof shown;
    }
    expect(shown?.schedule.name).toBe('db');
    expect(shown?.runs[0]).toMatchObject({ schedule: 'db', pairs: [{ src: '10.0.0.1', state: 'failed' }, { src: '10.0.0.2', state: 'failed' }] });
    expect(await run('schedule', 'show', 'db')).toMatch(/recent runs:\nSLOT .*\n\S+\s+\w+\s+c[0-9a-f]{8}\s+0\s+10\.0\.0\.1,10\.0\.1\.1:failed/);
    await expect(run('schedule', 'show', 'nope')).rejects.toSatisfy((e: unknown) => e instanceof UsageError && e.field === 'name');
    await run('schedule', 'resume', 'wire');
    await run('schedule', 'rm', 'wire');
    await expect(run('schedule', 'rm', 'wire')).rejects.toThrow(/no schedule named/);
    expect(JSON.parse(await run('schedule', 'list', '--json')).schedules).toHaveLength(1);
  });

  it('alert add/list/test/rm', async () => {
    const added = await run('alert', 'add', 'wire-slow', '--segment', 'wire', '--metric', 'p99', '--above', '500us', '--for', '30s', '--cooldown', '5m', '--webhook', hookUrl);
    expect(added).toMatch(/wire p99 > 500us for 30s, cooldown 5m -> webhook:/);
    await run('alert', 'add', 'loss', '--metric', 'loss', '--above', '3', '--nats-subject', 'ops.alerts', '--exec', 'cat >/dev/null');
    await expect(run('alert', 'add', 'x', '--metric', 'p99', '--above', '500', '--webhook', hookUrl)).rejects.toSatisfy((e: unknown) => e instanceof UsageError && e.field === '--above');
    await expect(run('alert', 'add', 'x', '--metric', 'p99', '--above', '5ms')).rejects.toThrow(/at least one sink/);
    const rules = JSON.parse(await run('alert', 'list', '--json')) as { rules: { name: string; threshold: number; sinks: unknown[] }[] };
    expect(rules.rules.map((r) => [r.name, r.threshold, r.sinks.length])).toEqual([
      ['loss', 3, 2],
      ['wire-slow', 500, 1],
    ]);
    const t = await run('alert', 'test', 'wire-slow');
    expect(t).toMatch(/webhook:http:\/\/127\.0\.0\.1:\d+\/hook\s+delivered\s+1\s+HTTP 200/);
    expect(hookBodies).toHaveLength(1);
    expect(hookBodies[0]).toMatchObject({ state: 'firing', rule: 'wire-slow', test: true, threshold: 500 });
    const nc = await nats.connect('sub');
    const sub = nc.subscribe('ops.alerts', { max: 1 });
    const got = (async () => {
      for await (const m of sub) return JSON.parse(new TextDecoder().decode(m.data)) as { rule: string };
      return undefined;
    })();
    const lt = JSON.parse(await run('alert', 'test', 'loss', '--json')) as { results: { sink: string; ok: boolean; exitCode?: number }[] };
    expect(lt.results.map((r) => [r.sink, r.ok])).toEqual([
      ['exec:cat >/dev/null', true],
      ['nats:ops.alerts', true],
    ]);
    expect(await got).toMatchObject({ rule: 'loss' });
    await nc.close();
    await run('alert', 'rm', 'loss');
    expect(JSON.parse(await run('alert', 'list', '--json')).rules).toHaveLength(1);
  });

  it('alert add --vm-part: a rule on a part of the VMs\' breakdowns, listed and tested as such', async () => {
    expect(await run('alert', 'add', 'guest-slow', '--vm-part', 'guest', '--metric', 'p99', '--above', '5ms', '--webhook', hookUrl)).toMatch(
      /alert guest-slow added: vm part guest p99 > 5000us for 0s/,
    );
    await expect(run('alert', 'add', 'x', '--vm-part', 'worker', '--metric', 'p99', '--above', '1ms', '--webhook', hookUrl)).rejects.toSatisfy(
      (e: unknown) => e instanceof UsageError && e.field === 'rule.vmPart',
    );
    await expect(run('alert', 'add', 'x', '--segment', 'vm', '--vm-part', 'guest', '--metric', 'p99', '--above', '1ms', '--webhook', hookUrl)).rejects.toThrow(/give --segment or --vm-part/);
    const rules = JSON.parse(await run('alert', 'list', '--json')) as { rules: { name: string; segmentKind: string; vmPart?: string }[] };
    expect(rules.rules.find((r) => r.name === 'guest-slow')).toMatchObject({ segmentKind: 'any', vmPart: 'guest' });
    expect(await run('alert', 'list')).toMatch(/guest-slow\s+all-cross-host\s+vm part guest\s+p99 > 5000us/);
    const before = hookBodies.length;
    await run('alert', 'test', 'guest-slow');
    expect(hookBodies[before]).toMatchObject({ rule: 'guest-slow', test: true, segment: { kind: 'vm', vm_breakdown: { role: 'destination', part: 'guest' } } });
    await run('alert', 'rm', 'guest-slow');
  });
});
