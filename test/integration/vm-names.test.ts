/**
 * VM names over real sockets (fake tracer: no BPF): in-process agents whose inventories name
 * their VMs, a real nats-server and controller, and the real CLI. `xtrace pair --src vm-a --dst
 * vm-b` resolves the names to the VMs' addresses and hosts; the report, its table and `xtrace
 * agents` name the VMs; an unknown, ambiguous or multi-address name fails naming its field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Controller } from '@xtrace/controller';
import type { PairReport } from '@xtrace/proto';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { startPairTraffic } from '../support/pair-traffic.js';
import { runCli } from '../support/cli.js';

describe('VM names in xtrace pair and xtrace agents (fake tracer: no BPF)', () => {
  let nats: TestNats;
  let controller: Controller;
  const agents: TestAgent[] = [];
  let traffic: ReturnType<typeof startPairTraffic>;

  beforeAll(async () => {
    nats = await startTestNats();
    const a = await startTestAgent(nats.url, { hostId: 'xtn-a', vmAddresses: ['10.0.0.1', '10.0.0.7'], vmNames: ['vm-a', 'vm-dup'], heartbeatMs: 500 });
    const b = await startTestAgent(nats.url, { hostId: 'xtn-b', vmAddresses: ['10.0.0.2', '10.0.0.8'], vmNames: ['vm-b', 'vm-dup'], heartbeatMs: 500 });
    const c = await startTestAgent(nats.url, {
      hostId: 'xtn-c',
      heartbeatMs: 500,
      inventory: { vms: [{ tap: 'vnet0', ifindex: 10, addresses: ['10.0.9.1', '10.0.9.2', 'fe80::1'], name: 'vm-multi' }, { tap: 'vnet1', ifindex: 11, addresses: [], name: 'vm-silent' }] },
    });
    agents.push(a, b, c);
    controller = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    await waitFor(() => controller.registry.list().length === 3, 5000, 'all agents registered');
    traffic = startPairTraffic({ a: a.tracer, b: b.tracer, src: '10.0.0.1', dst: '10.0.0.2', periodMs: 10 });
  });
  afterAll(async () => {
    traffic?.stop();
    await controller?.close().catch(() => {});
    for (const a of agents) await a.close().catch(() => {});
    await nats?.stop();
  });

  const ctl = () => ['--controller', controller.grpcAddress];

  it('xtrace pair --src vm-a --dst vm-b probes the VMs\' addresses on their hosts, and the report names both', async () => {
    const r = await runCli(['pair', '--src', 'vm-a', '--dst', 'vm-b', ...ctl(), '--duration', '3s', '--interval', '500ms', '--proto', 'icmp', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as PairReport;
    expect([report.src, report.dst, report.src_vm, report.dst_vm]).toEqual(['10.0.0.1', '10.0.0.2', 'vm-a', 'vm-b']);
    expect(report.directions.forward!.hosts).toEqual(['xtn-a', 'xtn-b']);
    expect(report.directions.forward!.packets).toBeGreaterThan(0);
    // the agents were given the addresses: their probe filters match the traffic
    expect(agents[0]!.tracer.added.at(-1)).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2' });
    expect(r.stderr).toContain('vm-a 10.0.0.1 (xtn-a) -> vm-b 10.0.0.2 (xtn-b)');
  });

  it('given addresses, the report still names the VMs; the human table starts with them', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', ...ctl(), '--duration', '3s', '--interval', '500ms', '--proto', 'icmp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\npair vm-a (10.0.0.1) -> vm-b (10.0.0.2)\n');
  });

  it('an unknown, ambiguous or multi-address name fails with exit 2, naming the field and what is known', async () => {
    const unknown = await runCli(['pair', '--src', 'nope', '--dst', 'vm-b', ...ctl()]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/src: no agent knows a VM named 'nope'; known VM names: vm-a, vm-b, vm-dup, vm-multi, vm-silent/);
    const dup = await runCli(['pair', '--src', 'vm-a', '--dst', 'vm-dup', ...ctl()]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/dst: VM name 'vm-dup' is ambiguous: VMs of that name are on xtn-a, xtn-b/);
    const multi = await runCli(['pair', '--src', 'vm-multi', '--dst', 'vm-b', ...ctl()]);
    expect(multi.code).toBe(2);
    expect(multi.stderr).toMatch(/src: VM 'vm-multi' \(xtn-c\/vnet0\) has several addresses \(10\.0\.9\.1, 10\.0\.9\.2\)/);
    const silent = await runCli(['pair', '--src', 'vm-a', '--dst', 'vm-silent', ...ctl()]);
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(/dst: VM 'vm-silent' \(xtn-c\/vnet1\) has no known address yet: agents learn/);
    const bad = await runCli(['pair', '--src', 'a,b', '--dst', 'vm-b', ...ctl()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--src: expected an IPv4 or IPv6 address or a VM name/);
  });

  it('xtrace history --pair takes VM names: the stored reports of their addresses; an unknown name fails naming the field', async () => {
    // the reports the first test's probe stored, under its addresses
    let r = await runCli(['history', '--pair', 'vm-a,vm-b', '--json', ...ctl()]);
    for (let i = 0; i < 50 && r.code === 0 && (JSON.parse(r.stdout) as { records: unknown[] }).records.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await runCli(['history', '--pair', 'vm-a,vm-b', '--json', ...ctl()]);
    }
    expect(r.code, r.stderr).toBe(0);
    const records = (JSON.parse(r.stdout) as { records: { report: { pair: { src: string; dst: string; srcVm?: string } } }[] }).records;
    expect(records.length).toBeGreaterThan(0);
    for (const rec of records) expect(rec.report.pair).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', srcVm: 'vm-a' });
    const byAddress = await runCli(['history', '--pair', '10.0.0.1,vm-b', '--json', ...ctl()]);
    expect((JSON.parse(byAddress.stdout) as { records: unknown[] }).records.length).toBe(records.length);
    const unknown = await runCli(['history', '--pair', 'vm-a,nope', ...ctl()]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/dst: no agent knows a VM named 'nope'/);
  });

  it('xtrace agents lists each VM as name@tap:addresses', async () => {
    const r = await runCli(['agents', ...ctl()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('vm-a@vnet0:10.0.0.1 vm-dup@vnet1:10.0.0.7');
    const json = await runCli(['agents', ...ctl(), '--json']);
    const list = (JSON.parse(json.stdout) as { agents: { host: string; vms: { tap: string; name: string }[] }[] }).agents;
    expect(list.find((x) => x.host === 'xtn-b')?.vms.map((v) => v.name)).toEqual(['vm-b', 'vm-dup']);
  });
});
