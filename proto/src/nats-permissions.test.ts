import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_KV_BUCKETS, HISTORY_STREAM } from './jetstream-names.js';
import { resolveNatsSettings, toConnectionOptions } from './nats-options.js';
import { agentPermissions, controllerPermissions } from './nats-permissions.js';
import { createNkeyUser, nkeyFromSeed, renderAuthorizationConfig } from './nats-server-auth-config.js';
import { Subjects, hostOfSubject } from './subjects.js';

describe('NATS permission model', () => {
  it('an agent publishes and hears only its own host subjects', () => {
    const p = agentPermissions('hv-1_a');
    expect(p.publish).toEqual([Subjects.events('*', 'hv-1_a'), Subjects.agentHeartbeat('hv-1_a'), Subjects.registryAnnounce('hv-1_a')]);
    expect(p.subscribe).toEqual([Subjects.agentCmd('hv-1_a'), Subjects.registryDiscover]);
    expect(p.allowResponses).toBe(true);
    expect(p.publish.some((s) => s.startsWith('$'))).toBe(false);
  });

  it('refuses a host id that is no subject token (a wildcard would widen the grant)', () => {
    for (const bad of ['*', '>', 'a.b', '', 'hv a']) expect(() => agentPermissions(bad), bad).toThrow(/--agents: .*subject token/);
  });

  it('a controller reaches every agent, the fleet buckets and the history stream, and sends no replies', () => {
    const p = controllerPermissions({ alertSubjects: ['ops.alerts'] });
    expect(p.publish).toEqual(expect.arrayContaining([Subjects.agentCmd('*'), Subjects.registryDiscover, 'xtrace.history.>', 'ops.alerts', '$JS.API.INFO']));
    for (const b of FLEET_KV_BUCKETS) expect(p.publish).toEqual(expect.arrayContaining([`$KV.${b}.>`, `$JS.API.*.*.KV_${b}`, `$JS.API.*.*.*.KV_${b}.>`]));
    expect(p.publish).toContain(`$JS.API.*.*.${HISTORY_STREAM}.>`);
    expect(p.publish).not.toContain('$JS.API.>');
    expect(p.subscribe).toEqual([Subjects.agentHeartbeatAll, Subjects.registryAnnounceAll, Subjects.eventsOfProbe('*'), '_INBOX.>']);
    expect(p.allowResponses).toBe(false);
    expect(controllerPermissions().publish).toContain('xtrace.alerts.>');
  });

  it('the announce subject names its host, as heartbeats and events do', () => {
    expect(hostOfSubject(Subjects.registryAnnounce('hvA'))).toBe('hvA');
    expect(hostOfSubject(Subjects.agentHeartbeat('hvA'))).toBe('hvA');
    expect(hostOfSubject(Subjects.events('p1', 'hvA'))).toBe('hvA');
  });
});

describe('nats-server authorization block', () => {
  it('renders NKey users with their permissions and no seed', () => {
    const k = createNkeyUser();
    const text = renderAuthorizationConfig([{ name: 'agent-hvA', nkey: k.publicKey, permissions: agentPermissions('hvA') }], ['head']);
    expect(text).toContain('# head\nauthorization {');
    expect(text).toContain(`nkey: "${k.publicKey}"`);
    expect(text).toContain('publish: { allow: ["xtrace.ev.*.hvA", "xtrace.agent.hvA.hb", "xtrace.registry.announce.hvA"] }');
    expect(text).toContain('allow_responses: true');
    expect(text).not.toContain(k.seed);
  });

  it('refuses a key that is no user public key, and a seed file that holds none', () => {
    const k = createNkeyUser();
    expect(() => renderAuthorizationConfig([{ name: 'x', nkey: k.seed, permissions: agentPermissions('hvA') }])).toThrow(/x: .* not an NKey public key/);
    expect(() => nkeyFromSeed('garbage', 'f.nk')).toThrow(/--nats-nkey: f.nk holds no valid NKey user seed/);
    expect(nkeyFromSeed(`  ${k.seed}\n`, 'f.nk')).toEqual(k);
  });
});

describe('--nats-nkey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-nkey-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates with the seed in the file; not together with --nats-creds', () => {
    const seed = join(dir, 'a.nk');
    writeFileSync(seed, `${createNkeyUser().seed}\n`);
    const s = resolveNatsSettings({ nats: 'tls://127.0.0.1:4222', natsNkey: seed }, {});
    expect(s.nkey).toBe(seed);
    expect(toConnectionOptions(s, 't').authenticator).toBeTypeOf('function');
    expect(resolveNatsSettings({}, { XTRACE_NATS_NKEY: seed }).nkey).toBe(seed);
    expect(() => resolveNatsSettings({ natsNkey: seed, natsCreds: seed }, {})).toThrow(/--nats-nkey and --nats-creds/);
    writeFileSync(join(dir, 'bad.nk'), 'nope');
    expect(() => toConnectionOptions({ nkey: join(dir, 'bad.nk') }, 't')).toThrow(/holds no valid NKey user seed/);
    expect(() => toConnectionOptions({ nkey: join(dir, 'missing.nk') }, 't')).toThrow(/--nats-nkey: cannot read/);
  });
});
