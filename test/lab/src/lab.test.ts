import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from './lab.js';
import { randomLabId } from './names.js';
import { findRelayPids, type RelayDirectionStats } from './relay-process.js';
import { listNetns, listRootLinks, run, sleep } from './shell.js';
import { stateFile } from './state.js';
import { readTruthLog } from './truth-log.js';
import { dropGrowth, readDropCounters } from './drop-counters.js';
import { ping } from './traffic/ping.js';
import { startUdpEchoServer, udpRequestResponse } from './traffic/udp.js';
import { startTcpEchoServer, tcpRequestResponse } from './traffic/tcp.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env['CI'] !== 'true') {
  console.warn('lab tests skipped: they need root (network namespaces, taps); CI=true makes this a failure');
}
const suite = isRoot || process.env['CI'] === 'true' ? describe : describe.skip;

/** Leftovers of lab `id` on the machine: namespaces, root links, relay processes, state file. */
async function leftovers(id: string): Promise<string[]> {
  const p = `xl${id}`;
  const out: string[] = [];
  for (const n of await listNetns()) if (n.startsWith(p)) out.push(`netns ${n}`);
  for (const l of await listRootLinks()) if (l.startsWith(p)) out.push(`link ${l}`);
  for (const r of findRelayPids(`${p}/`)) out.push(`relay ${r.pid} ${r.tag}`);
  const pg = await run(['pgrep', '-f', '--', `--tag ${p}/`], { allowFail: true });
  if (pg.code !== 0 && pg.code !== 1) throw new Error(`pgrep failed: ${pg.stderr}`);
  if (pg.stdout.trim()) out.push(`pgrep ${pg.stdout.trim().split('\n').join(',')}`);
  if (existsSync(stateFile(id))) out.push(`state ${stateFile(id)}`);
  return out;
}

/**
 * A relay delays each frame once, by exactly `delayNs` past its enqueue: its residence is the
 * delay plus how late its timer ran (due = enqueue + delay), so the residence and lateness p50s
 * differ by the delay (the same nearest-rank order), no frame leaves early, and the least late
 * is less late than the delay. How late the timer runs is the machine's (~20-40 us idle; 1.7 ms
 * beside a loaded CI run), printed, not bounded.
 */
function expectRelayDelay(d: RelayDirectionStats, delayNs: number, what: string): void {
  expect(d.residenceNs.min, `${what}: earliest frame vs the ${delayNs} ns delay`).toBeGreaterThanOrEqual(delayNs);
  const delay = d.residenceNs.p50 - d.latenessNs.p50;
  expect(Math.abs(delay - delayNs), `${what}: residence p50 ${d.residenceNs.p50} - lateness p50 ${d.latenessNs.p50} ns vs the ${delayNs} ns delay`).toBeLessThanOrEqual(1_000);
  // a relay that waited its delay twice would be at least the delay late on every frame; the
  // frame the machine disturbed least is not
  if (delayNs > 0) expect(d.latenessNs.min, `${what}: least late frame`).toBeLessThan(delayNs);
}

suite('lab: 2 hypervisors x 1 VM, relay wire', () => {
  let lab: Lab;

  beforeAll(async () => {
    const t0 = Date.now();
    lab = await Lab.up({ hosts: 2, vmsPerHost: 1, seed: 7 });
    console.log(`[lab] up ${lab.id} (slot ${lab.slot}) in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('builds hosts, VMs, relays and a management link per host', async () => {
    const st = await lab.status();
    expect(st.problems).toEqual([]);
    expect(st.phase).toBe('up');
    expect(st.relays.map((r) => r.name).sort()).toEqual(['vm0-0', 'vm1-0', 'wire0', 'wire1']);
    const h0 = lab.hostSpec(0);
    expect(h0.ns).toBe(`xl${lab.id}h0`);
    expect(h0.clockSkewNs).toBe(0);
    expect(lab.managementUrl(4222, 1)).toBe(`nats://169.254.${lab.slot}.5:4222`);
    // the host namespace reaches the root namespace over its management veth
    const r = await lab.exec(h0.ns, ['ping', '-c', '1', '-W', '2', h0.mgmtRootIp], { allowFail: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // VXLAN device on the bridge with dstport 4789
    const vx = await lab.exec(h0.ns, ['ip', '-d', '-j', 'link', 'show', 'dev', 'vxlan0']);
    const info = (JSON.parse(vx.stdout) as Array<{ master: string; linkinfo: { info_data: { port: number; id: number } } }>)[0];
    expect(info?.master).toBe('br0');
    expect(info?.linkinfo.info_data.port).toBe(4789);
  });

  it('ping VM1@A -> VM2@B crosses the wire as VXLAN (an nft drop on udp/4789 at B stops it)', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    await lab.resetRelayStats('wire0');
    const ok = await ping(lab, a, b.ip, { count: 10, intervalMs: 20 });
    expect(ok.received).toBe(10);
    const w = await lab.relayStats('wire0');
    expect(w.ab.in).toBe(10); // 10 echo requests, nothing else (static ARP, no IPv6)
    expect(w.ab.nonIp).toBe(0);

    const rule = await lab.addDropRule(1, { family: 'netdev', device: 'nic0', match: 'udp dport 4789' });
    try {
      const blocked = await ping(lab, a, b.ip, { count: 5, intervalMs: 20, waitS: 1 });
      expect(blocked.received).toBe(0);
      expect(await lab.dropRuleCount(rule)).toBe(5);
    } finally {
      await lab.removeDropRule(rule);
    }
    const again = await ping(lab, a, b.ip, { count: 3, intervalMs: 20 });
    expect(again.received).toBe(3);
  });

  it('UDP and TCP request/response work VM to VM', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    const us = await startUdpEchoServer(lab, b, 7000);
    const dropsBefore = await readDropCounters(lab);
    const u = await udpRequestResponse(lab, a, b.ip, 7000, { count: 300, ratePps: 1000 });
    const ustats = await us.stop();
    const drops = dropGrowth(dropsBefore, await readDropCounters(lab));
    expect(u.sent).toBe(300);
    expect(u.received).toBeGreaterThan(0);
    // all back, or (an overloaded machine) every datagram lost counted by a drop counter of the path
    expect(u.sent - u.received, `lost vs drops counted ${JSON.stringify(drops.grown)}`).toBeLessThanOrEqual(drops.total);
    expect(ustats['received']).toBeGreaterThanOrEqual(u.received);
    const ts = await startTcpEchoServer(lab, b, 7001);
    const t = await tcpRequestResponse(lab, a, b.ip, 7001, { count: 100, size: 1000 });
    await ts.stop();
    expect(t.error).toBeUndefined();
    expect(t.responses).toBe(100);
    console.log(`[lab] no-impairment rtt: udp p50 ${u.rttUs.p50.toFixed(0)} us, tcp p50 ${t.rttUs.p50.toFixed(0)} us`);
  });

  it('1 ms wire delay each way: ping RTT +~2 ms, each relay delays by its 1 ms', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    for (const n of lab.relayNames()) await lab.resetRelayStats(n);
    const base = await ping(lab, a, b.ip, { count: 50, intervalMs: 10 });
    expect(base.received).toBe(50);
    const idle = await lab.relayStats('wire0');

    await lab.setWireImpairment(0, { ab: { delayUs: 1000 } });
    await lab.setWireImpairment(1, { ab: { delayUs: 1000 } });
    const slow = await ping(lab, a, b.ip, { count: 100, intervalMs: 10 });
    expect(slow.received).toBe(100);
    const w0 = await lab.relayStats('wire0');
    const w1 = await lab.relayStats('wire1');
    const rise = slow.rttMs.p50 - base.rttMs.p50;
    console.log(
      `[lab] ping p50 ${base.rttMs.p50} -> ${slow.rttMs.p50} ms (rise ${rise.toFixed(3)} ms), min ${base.rttMs.min} -> ${slow.rttMs.min} ms; ` +
        `wire0 residence p50 ${w0.ab.residenceNs.p50} ns p99 ${w0.ab.residenceNs.p99} ns, lateness p50 ${w0.ab.latenessNs.p50} ns p99 ${w0.ab.latenessNs.p99} ns; ` +
        `wire1 residence p50 ${w1.ab.residenceNs.p50} ns; no-delay residence p50 ${idle.ab.residenceNs.p50} ns`,
    );
    // 2 ms injected; each relay's own delay is checked below (expectRelayDelay), this checks
    // the sum end to end. The fastest reply is the one the shared machine disturbed least: every
    // request crosses both delaying relays, so no reply can come back in under 2 ms (with the
    // delay on one relay only, the fastest would be ~1 ms); a delay on both directions would
    // put the fastest above 4 ms. p50s compare two pings run at different moments of a shared
    // machine (the base p50 once came out 0.25 ms high, the delayed one 1.5 ms high), so they
    // are printed, not bounded.
    const riseMin = slow.rttMs.min - base.rttMs.min;
    expect(slow.rttMs.min, `fastest delayed reply ${slow.rttMs.min} ms`).toBeGreaterThanOrEqual(2.0);
    expect(riseMin, `fastest reply rose ${riseMin.toFixed(3)} ms`).toBeLessThan(3.0);
    for (const w of [w0, w1]) {
      expect(w.ab.in).toBe(100);
      expect(w.ab.out).toBe(100);
      // the residence starts at the kernel's transmit on the tap, so the relay's wake-up is in it
      expect(w.ab.enqueueClock, w.ab.stampError).toBe('kernel');
      expect(w.ab.stamped).toBe(100);
      expect(w.ab.unstamped).toBe(0);
      expect(w.ab.readLagNs.min).toBeGreaterThan(0);
      expectRelayDelay(w.ab, 1_000_000, 'delayed direction');
      expectRelayDelay(w.ba, 0, 'undelayed direction');
    }

    // residence accuracy under load: 1000 UDP requests/s through the 1 ms relays
    await lab.resetRelayStats('wire0');
    const us = await startUdpEchoServer(lab, b, 7003);
    const dropsBefore = await readDropCounters(lab);
    const u = await udpRequestResponse(lab, a, b.ip, 7003, { count: 1000, ratePps: 1000 });
    await us.stop();
    const wl = await lab.relayStats('wire0');
    const drops = dropGrowth(dropsBefore, await readDropCounters(lab));
    console.log(
      `[lab] 1000 pps udp through 1 ms: received ${u.received} of ${u.sent}, rtt p50 ${u.rttUs.p50.toFixed(0)} us; wire0 residence p50 ${wl.ab.residenceNs.p50} p90 ${wl.ab.residenceNs.p90} ` +
        `p99 ${wl.ab.residenceNs.p99} max ${wl.ab.residenceNs.max} ns; lateness p50 ${wl.ab.latenessNs.p50} p99 ${wl.ab.latenessNs.p99} ns; drops counted ${JSON.stringify(drops.grown)}`,
    );
    // On an overloaded machine (a loaded CI run: RTT p50 104 ms, 61 of 1000 lost) relays and
    // sockets fall behind and drop; every datagram lost must show up in a drop counter of the
    // path, and loss that no counter explains fails the test.
    expect(u.sent).toBe(1000);
    expect(u.sent - u.received, `lost datagrams vs the drops counted on the path ${JSON.stringify(drops.grown)}`).toBeLessThanOrEqual(drops.total);
    expectRelayDelay(wl.ab, 1_000_000, '1000 pps');
    await lab.setWireImpairment(0, { ab: { delayUs: 0 } });
    await lab.setWireImpairment(1, { ab: { delayUs: 0 } });
  });

  it('VM delay on the guest tx direction adds to RTT', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    await lab.setVmImpairment(1, 0, { ba: { delayUs: 500 } }); // B's replies leave the VM 0.5 ms late
    const r = await ping(lab, a, b.ip, { count: 30, intervalMs: 10 });
    const s = await lab.relayStats('vm1-0');
    await lab.setVmImpairment(1, 0, { ba: { delayUs: 0 } });
    expect(r.received).toBe(30);
    expect(r.rttMs.min).toBeGreaterThan(0.5);
    expectRelayDelay(s.ba, 500_000, 'VM B tx');
  });

  it('10% wire loss: ping and UDP lose what the relay dropped (ground truth), more only as the path\'s drop counters explain', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    await lab.setWireImpairment(0, { ab: { loss: 0.1 } });
    const pingDropsBefore = await readDropCounters(lab);
    const r = await ping(lab, a, b.ip, { count: 300, intervalMs: 5, waitS: 1 });
    const w = await lab.relayStats('wire0');
    const pingDrops = dropGrowth(pingDropsBefore, await readDropCounters(lab));
    const lost = r.transmitted - r.received;
    console.log(`[lab] loss 0.1: ping lost ${lost}/${r.transmitted}, relay dropped ${w.ab.dropped}/${w.ab.in}; other drops counted ${JSON.stringify(pingDrops.grown)}`);
    expect(w.ab.in).toBe(300);
    // exactly the relay's drops, but for what the path's drop counters explain (an overloaded machine)
    expect(lost).toBeGreaterThanOrEqual(w.ab.dropped);
    expect(lost - w.ab.dropped, JSON.stringify(pingDrops.grown)).toBeLessThanOrEqual(pingDrops.total);
    expect(lost).toBeGreaterThan(300 * 0.04);
    expect(lost).toBeLessThan(300 * 0.18);

    // UDP: every request the relay dropped is lost, and on a quiet machine nothing else is. An
    // overloaded one (a loaded CI run: 55 lost for 32 dropped) also drops in sockets and relay
    // queues: what the path's drop counters explain, and nothing more
    await lab.resetRelayStats('wire0');
    const us = await startUdpEchoServer(lab, b, 7002);
    const dropsBefore = await readDropCounters(lab);
    const u = await udpRequestResponse(lab, a, b.ip, 7002, { count: 400, ratePps: 1000, timeoutMs: 1000 });
    const srv = await us.stop();
    const w2 = await lab.relayStats('wire0');
    const drops = dropGrowth(dropsBefore, await readDropCounters(lab));
    await lab.setWireImpairment(0, { ab: { loss: 0 } });
    const counted = `relay dropped ${w2.ab.dropped}, other drops counted ${JSON.stringify(drops.grown)}`;
    expect(w2.ab.dropped).toBeGreaterThan(0);
    expect(u.lost, counted).toBeGreaterThanOrEqual(w2.ab.dropped);
    expect(u.lost - w2.ab.dropped, counted).toBeLessThanOrEqual(drops.total);
    expect(srv['received'], counted).toBeLessThanOrEqual(400 - w2.ab.dropped);
    expect(srv['received'], counted).toBeGreaterThanOrEqual(400 - w2.ab.dropped - drops.total);
  });

  it('jitter stays within bounds and the truth log records every frame', async () => {
    const a = lab.vm(0, 0);
    const b = lab.vm(1, 0);
    await lab.setRelayKnobs('wire0', { ab: { delayUs: 2000, jitterUs: 500 } }, { truthLog: true });
    const r = await ping(lab, a, b.ip, { count: 40, intervalMs: 10 });
    const s = await lab.relayStats('wire0');
    const rec = lab.relay('wire0');
    await lab.setRelayKnobs('wire0', { ab: { delayUs: 0, jitterUs: 0 } }, { truthLog: false });
    expect(r.received).toBe(40);
    expect(s.ab.residenceNs.min).toBeGreaterThanOrEqual(1_500_000); // never earlier than scheduled
    const log = readTruthLog(rec.truthFile ?? '');
    const ab = log.filter((x) => x.dir === 'ab');
    expect(ab.length).toBe(40);
    expect(ab.every((x) => x.fate === 'forwarded' && x.writeNs >= x.dueNs && x.dueNs > x.enqNs)).toBe(true);
    // every frame has its kernel transmit stamp, before the relay read it, on the same clock (a
    // stamp of another clock is off by far more than 5 s; a starved relay read one 50 ms late)
    const unstamped = ab.filter((x) => !(x.enqNs > 0n && x.enqNs <= x.readNs && x.readNs - x.enqNs < 5_000_000_000n));
    expect(unstamped.map((x) => `enq ${x.enqNs} read ${x.readNs}`)).toEqual([]);
    // the injected delay of every frame lies in delay ± jitter, and jitter really varies it
    const injected = ab.map((x) => Number(x.dueNs - x.enqNs));
    expect(Math.min(...injected)).toBeGreaterThanOrEqual(1_500_000);
    expect(Math.max(...injected)).toBeLessThanOrEqual(2_500_000);
    expect(Math.max(...injected) - Math.min(...injected)).toBeGreaterThan(300_000);
    // FIFO: write order follows read order
    for (let k = 1; k < ab.length; k++) expect((ab[k]?.writeNs ?? 0n) >= (ab[k - 1]?.writeNs ?? 0n)).toBe(true);
    // the frame is VXLAN (outer UDP dport 4789 at byte 14+20+2)
    expect(ab[0]?.head.readUInt16BE(36)).toBe(4789);
  });

  it('a second lab runs side by side without collisions', async () => {
    const other = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
    try {
      expect(other.id).not.toBe(lab.id);
      expect(other.slot).not.toBe(lab.slot);
      const p2 = await ping(other, other.vm(0, 0), other.vm(1, 0).ip, { count: 5, intervalMs: 20 });
      const p1 = await ping(lab, lab.vm(0, 0), lab.vm(1, 0).ip, { count: 5, intervalMs: 20 });
      expect(p2.received).toBe(5);
      expect(p1.received).toBe(5);
      // lab 2's VM cannot reach lab 1's VM
      const cross = await other.exec(other.vm(0, 0).ns, ['ping', '-n', '-c', '1', '-W', '1', lab.vm(1, 0).ip], { allowFail: true });
      expect(cross.code).not.toBe(0);
      expect(cross.stdout).not.toMatch(/bytes from/);
    } finally {
      await other.down();
    }
    expect(await leftovers(other.id)).toEqual([]);
    expect((await lab.status()).problems).toEqual([]);
  });

  it('an agent inside a host namespace reaches nats-server (root namespace) over the management link', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const nats = spawn('nats-server', ['-a', '0.0.0.0', '-p', String(port)], { stdio: 'ignore' });
    try {
      const url = lab.managementUrl(port, 1);
      const script =
        "import { connect } from 'nats'; const nc = await connect({ servers: process.argv[1], timeout: 3000 });" +
        "const sub = nc.subscribe('lab.t', { max: 1 }); nc.publish('lab.t', 'hi'); for await (const m of sub) console.log(m.string());" +
        'await nc.close();';
      let r = { code: -1 as number | null, stdout: '', stderr: '' };
      for (let k = 0; k < 20 && r.code !== 0; k++) {
        await sleep(100); // nats-server start-up
        r = await lab.exec(lab.hostSpec(1).ns, [process.execPath, '--input-type=module', '-e', script, url], {
          allowFail: true,
          cwd: process.cwd(),
          timeoutMs: 10_000,
        });
      }
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('hi');
    } finally {
      nats.kill('SIGTERM');
    }
  });

  it('down removes namespaces, links, relays and processes started in the lab', async () => {
    const sleeper = lab.spawnIn(lab.hostSpec(0).ns, ['sleep', '1000']);
    await sleep(100);
    expect(sleeper.exitCode).toBeNull();
    const exited = new Promise((r) => sleeper.on('exit', r));
    const before = await leftovers(lab.id);
    // the check sees a live lab: namespaces, management links, 4 relays (in /proc and by pgrep), state
    expect(before.filter((x) => x.startsWith('relay ')).length).toBe(4);
    expect(before.some((x) => x.startsWith('pgrep '))).toBe(true);
    expect(before.filter((x) => x.startsWith('netns ')).length).toBe(5);
    expect(before.filter((x) => x.startsWith('link ')).length).toBe(2);
    const rep = await lab.down();
    await exited;
    expect(rep.killedRelays).toBe(4);
    expect(rep.killedProcesses).toBeGreaterThanOrEqual(1);
    expect(await leftovers(lab.id)).toEqual([]);
    const all = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(all).not.toContain(`xl${lab.id}`);
    expect(await lab.down()).toMatchObject({ killedRelays: 0, namespaces: [] }); // idempotent
  });
});

suite('lab teardown after a partial up', () => {
  it('removes leftovers found by name even without a state file', async () => {
    const id = randomLabId();
    try {
      await run(['ip', 'netns', 'add', `xl${id}h0`]);
      await run(['ip', 'link', 'add', `xl${id}m0`, 'type', 'bridge']);
      expect(await Lab.listIds()).toContain(id);
      const rep = await Lab.teardown(id);
      expect(rep.namespaces).toEqual([`xl${id}h0`]);
      expect(rep.links).toEqual([`xl${id}m0`]);
      expect(await leftovers(id)).toEqual([]);
    } finally {
      await run(['ip', 'netns', 'del', `xl${id}h0`], { allowFail: true });
      await run(['ip', 'link', 'del', `xl${id}m0`], { allowFail: true });
    }
  });

  it('an up that fails midway leaves nothing behind', async () => {
    // 11 VMs per host exceeds the address plan: rejected before anything is created
    await expect(Lab.up({ hosts: 2, vmsPerHost: 11 })).rejects.toThrow(/vmsPerHost/);
    // a taken management link name makes the build fail after namespaces and links exist
    const id = randomLabId();
    try {
      await run(['ip', 'link', 'add', `xl${id}m1`, 'type', 'bridge']);
      await expect(Lab.up({ id, hosts: 2 })).rejects.toThrow(/xl[a-z0-9]{4}m1|exists/);
      expect(await leftovers(id)).toEqual([]);
    } finally {
      await Lab.teardown(id);
    }
  });
});
