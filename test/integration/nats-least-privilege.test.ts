/**
 * NATS least privilege (docs/nats-security.md) against a real nats-server with TLS (a
 * throwaway CA made by openssl), JetStream, and the authorization block `xtrace nats-config`
 * wrote: an agent's NKey may only speak for its own host; a controller's runs the fleet.
 * Violations are asserted by the NATS permission errors the server sends, not by timeouts.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { startController, type Controller } from '@xtrace/controller';
import {
  ALERTS_BUCKET,
  SCHEDULES_BUCKET,
  Subjects,
  agentPermissions,
  connectNats,
  controllerPermissions,
  nkeyFromSeed,
  type NatsSettings,
  type PairReport,
} from '@xtrace/proto';
import { runCli } from '../support/cli.js';
import { startSecureNats, type SecureNats } from '../support/secure-nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { startPairTraffic } from '../support/pair-traffic.js';

interface Violation {
  operation: string;
  subject: string;
}

/** Every permission violation the server reports to this connection. */
function violations(nc: NatsConnection): Violation[] {
  const seen: Violation[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.data === ErrorCode.PermissionsViolation && s.permissionContext) seen.push({ ...s.permissionContext });
    }
  })();
  return seen;
}

describe('NATS least privilege with TLS and per-host NKeys (fake tracer: no BPF)', () => {
  let dir: string;
  let nats: SecureNats;
  let seeds: Record<string, string>;
  const closers: (() => Promise<unknown>)[] = [];
  const settings = (user: string): NatsSettings => ({ url: nats.url, tlsCa: nats.ca.caFile, nkey: seeds[user]! });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xtrace-natsauth-'));
    const gen = await runCli(['nats-config', '--agents', 'hvA,hvB', '--controllers', '1', '--out', join(dir, 'auth')]);
    expect(gen.code, gen.stderr).toBe(0);
    seeds = Object.fromEntries(['agent-hvA', 'agent-hvB', 'controller-1'].map((u) => [u, join(dir, 'auth', `${u}.nk`)]));
    nats = await startSecureNats(dir, join(dir, 'auth', 'nats-auth.conf'));
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('xtrace nats-config writes the permission model, public keys only in the config, 0600 seeds', () => {
    const conf = readFileSync(join(dir, 'auth', 'nats-auth.conf'), 'utf8');
    for (const [user, perms] of [['agent-hvA', agentPermissions('hvA')], ['agent-hvB', agentPermissions('hvB')], ['controller-1', controllerPermissions()]] as const) {
      const key = nkeyFromSeed(readFileSync(seeds[user]!, 'utf8'), user);
      expect(conf).toContain(`nkey: "${key.publicKey}"`);
      expect(conf).not.toContain(key.seed);
      expect(statSync(seeds[user]!).mode & 0o777).toBe(0o600);
      expect(conf).toContain(`publish: { allow: ${JSON.stringify(perms.publish).replaceAll(',', ', ')} }`);
    }
    expect(agentPermissions('hvA')).toEqual({
      publish: ['xtrace.ev.*.hvA', 'xtrace.agent.hvA.hb', 'xtrace.registry.announce.hvA'],
      subscribe: ['xtrace.agent.hvA.cmd', 'xtrace.registry.discover'],
      allowResponses: true,
    });
  });

  it('refuses a client without credentials or without TLS', async () => {
    await expect(connectNats({ url: nats.url, tlsCa: nats.ca.caFile }, 'anonymous')).rejects.toThrow(/Authorization Violation/i);
    await expect(connectNats({ url: nats.url.replace('tls://', 'nats://'), nkey: seeds['agent-hvA']! }, 'plain', { tls: null, maxReconnectAttempts: 0 })).rejects.toThrow();
  });

  it("agent hvA's credentials cannot command hvB, read others' events, or write schedules and alert rules", async () => {
    const nc = await connectNats(settings('agent-hvA'), 'evil-hvA');
    closers.push(() => nc.close());
    const seen = violations(nc);

    // a command to another host: the publish is refused
    nc.publish(Subjects.agentCmd('hvB'), JSON.stringify({ op: 'status' }));
    // announcing or beating as another host: refused too
    nc.publish(Subjects.registryAnnounce('hvB'), '{}');
    nc.publish(Subjects.agentHeartbeat('hvB'), '{}');
    await nc.flush();
    await waitFor(() => seen.length >= 3, 3000, 'three publish violations');
    expect(seen).toEqual(
      expect.arrayContaining([
        { operation: 'publish', subject: 'xtrace.agent.hvB.cmd' },
        { operation: 'publish', subject: 'xtrace.registry.announce.hvB' },
        { operation: 'publish', subject: 'xtrace.agent.hvB.hb' },
      ]),
    );

    // every probe's events, or another host's: the subscription is refused with a permission error
    const subErrors: NatsError[] = [];
    nc.subscribe('xtrace.ev.>', { callback: (err) => void (err && subErrors.push(err)) });
    nc.subscribe(Subjects.events('*', 'hvB'), { callback: (err) => void (err && subErrors.push(err)) });
    nc.subscribe(Subjects.agentCmd('hvB'), { callback: (err) => void (err && subErrors.push(err)) });
    await waitFor(() => subErrors.length === 3, 3000, 'three subscription violations');
    expect(subErrors.every((e) => e.code === ErrorCode.PermissionsViolation)).toBe(true);
    expect(subErrors.map((e) => e.permissionContext)).toEqual(
      expect.arrayContaining([
        { operation: 'subscription', subject: 'xtrace.ev.>' },
        { operation: 'subscription', subject: 'xtrace.ev.*.hvB' },
        { operation: 'subscription', subject: 'xtrace.agent.hvB.cmd' },
      ]),
    );

    // KV puts on the fleet buckets: as raw publishes and through the JetStream KV API
    nc.publish(`$KV.${SCHEDULES_BUCKET}.evil`, '{}');
    nc.publish(`$KV.${ALERTS_BUCKET}.evil`, '{}');
    await nc.flush();
    await waitFor(() => seen.some((v) => v.subject === `$KV.${ALERTS_BUCKET}.evil`), 3000, 'KV publish violations');
    expect(seen).toEqual(
      expect.arrayContaining([
        { operation: 'publish', subject: `$KV.${SCHEDULES_BUCKET}.evil` },
        { operation: 'publish', subject: `$KV.${ALERTS_BUCKET}.evil` },
      ]),
    );
    const kvPut = async (): Promise<unknown> => {
      const kv = await nc.jetstream().views.kv(SCHEDULES_BUCKET, { bindOnly: true });
      return kv.put('evil', '{}');
    };
    await expect(kvPut()).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    expect(nc.isClosed()).toBe(false);
  });

  it('a controller with its own NKey runs a whole probe end to end with agents on their own NKeys', async () => {
    const agents: TestAgent[] = [];
    for (const [host, vm] of [['hvA', '10.9.0.1'], ['hvB', '10.9.0.2']] as const) {
      const a = await startTestAgent(settings(`agent-${host}`), { hostId: host, vmAddresses: [vm], heartbeatMs: 500 });
      agents.push(a);
      closers.push(() => a.close());
    }
    const agentViolations = agents.map((a) => violations(a.nc));
    const controller: Controller = await startController({ nats: settings('controller-1'), listen: '127.0.0.1:0', logger: testLogger() });
    closers.push(() => controller.close());
    const controllerViolations = violations(controller.nc);
    expect(controller.fleet).toBeDefined(); // JetStream KV buckets and the history stream opened
    await waitFor(() => controller.registry.list().filter((r) => r.state === 'up').length === 2, 5000, 'both agents registered');
    const traffic = startPairTraffic({ a: agents[0]!.tracer, b: agents[1]!.tracer, src: '10.9.0.1', dst: '10.9.0.2', periodMs: 10 });
    closers.push(async () => traffic.stop());

    const pair = await runCli(['pair', '--src', '10.9.0.1', '--dst', '10.9.0.2', '--controller', controller.grpcAddress, '--duration', '3s', '--interval', '1s', '--proto', 'icmp', '--json']);
    expect(pair.code, pair.stderr).toBe(0);
    const report = JSON.parse(pair.stdout) as PairReport;
    expect(report.no_traffic).toBe(false);
    expect(report.directions.forward!.hosts).toEqual(['hvA', 'hvB']);
    expect(report.directions.forward!.packets).toBeGreaterThan(20);
    expect(report.directions.forward!.lost).toBe(0);

    // the fleet layer under the controller's NKey: schedules and alert rules (KV), history (stream)
    const cli = (...args: string[]) => runCli([...args, '--controller', controller.grpcAddress]);
    const sched = await cli('schedule', 'add', 'wire', '--every', '5m', '--duration', '10s', '--pairs', 'all-cross-host');
    expect(sched.code, sched.stderr).toBe(0);
    const alert = await cli('alert', 'add', 'wire-slow', '--segment', 'wire', '--metric', 'p99', '--above', '500us', '--nats-subject', 'xtrace.alerts.ops');
    expect(alert.code, alert.stderr).toBe(0);
    const history = await cli('history', '--pair', '10.9.0.1,10.9.0.2', '--json');
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain(report.probe_id);

    expect(controllerViolations).toEqual([]);
    expect(agentViolations.flat()).toEqual([]);
    expect(controller.registry.spoofedHeartbeats).toBe(0);
    // the server saw no violation by these users either (the log names the user's public key)
    for (const user of ['controller-1', 'agent-hvA', 'agent-hvB']) {
      const key = nkeyFromSeed(readFileSync(seeds[user]!, 'utf8'), user).publicKey;
      expect(nats.log().split('\n').filter((l) => /Violation/.test(l) && l.includes(key) && !l.includes('evil-hvA'))).toEqual([]);
    }
  });
});
