/**
 * Every number checked against the lab's measured truth (issue 4): real agents with real BPF
 * in two hypervisor namespaces, a real controller and NATS, `xtrace pair --json`, and relays
 * that timestamp every frame they delay or drop (CLOCK_MONOTONIC, the clock BPF uses).
 *
 * The wire is `direct`: one relay joins host 0's NIC tap to host 1's, so a crossing passes
 * exactly one user-space hop. The relay's residence runs from the kernel's transmit of the
 * frame on its input tap (the stamp of the kernel's copy to a packet socket there) to its
 * write into the output tap (whose receive path, and the next host's NIC hook, runs inside
 * that write): the relay's wake-up is part of it, as a wire's or a virtual NIC's would be.
 * So the truth is measured, end to end, not assumed.
 *
 * Tolerances (from the issue), per direction: wire p50 in [truth, truth + 50 µs]; VM
 * turnaround p50 in [truth, truth + 100 µs]; clock offset within 50 µs of the injected skew.
 * The turnaround's truth is per exchange, from the VM relay's truth log: the request's kernel
 * transmit on the host tap to the relay's write of the reply into it (the relay both ways, the
 * guest's stack and, for UDP, the echo service), and its p50 is taken over those sums. The sum
 * of the parts' p50s is not the p50 of the sum: under load the parts have long right tails, and
 * that bound fell 20-110 µs short of what every exchange really took. Every excess is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairReport, SegmentReport } from '@xtrace/proto';
import { echoTurnaroundsNs, overlappedExchanges, Lab, ping, startUdpEchoServer, summarize, udpRequestResponse, waitProbeRunning, XtraceStack, type UdpEchoStats, type VmInfo } from '@xtrace/lab';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';

const skip = bpfUnavailableReason();
const us = (ns: number): number => ns / 1000;
const WIRE_TOLERANCE_US = 50;
const VM_TOLERANCE_US = 100;
/** how long after the traffic the probe is stopped: its last records reach the agent (measure()) */
const TAIL_SETTLE_MS = 2000;
/** the pace of each measure's requests: ping's interval, the UDP client's rate */
const REQUEST_INTERVAL_MS = { icmp: 20, udp: 10 } as const;
/**
 * The slowest turnaround xtrace reports may exceed the slowest true exchange by less than half a
 * request interval: a reply paired with the request before its own reads a whole interval too
 * long. Less is not the pairing's: what the host does after the relay's write (a deferred
 * softirq under load) is inside xtrace's turnaround and outside the truth, and 2 ms was once
 * exceeded that way (3,941 µs against a slowest true 1,224 µs, every exchange paired).
 */
const pairingMaxToleranceUs = (proto: 'icmp' | 'udp'): number => (REQUEST_INTERVAL_MS[proto] * 1000) / 2;

function segments(report: PairReport, dir: 'forward' | 'reverse', kind: SegmentReport['kind']): SegmentReport[] {
  return report.directions[dir]!.segments.filter((x) => x.kind === kind);
}

function only<T>(list: T[], what: string): T {
  if (list.length !== 1) throw new Error(`expected one ${what}, got ${JSON.stringify(list)}`);
  return list[0]!;
}

describe.skipIf(skip !== undefined)(`xtrace against the lab's truth${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let stack: XtraceStack;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let wireRelay: string;

  beforeAll(async () => {
    lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'direct' }, truthLog: true });
    vmA = lab.vm(0, 0);
    vmB = lab.vm(1, 0);
    wireRelay = lab.hostSpec(0).wireRelay!;
    stack = await XtraceStack.start(lab);
    await lab.setWireImpairment(0, { ab: { delayUs: 1000 }, ba: { delayUs: 1000 } });
    await lab.setVmImpairment(1, 0, { ab: { delayUs: 200 }, ba: { delayUs: 200 } });
    await ping(lab, vmA, vmB.ip, { count: 2, intervalMs: 50 });
  }, 240_000);

  const icmpTraffic = () => ping(lab, vmA, vmB.ip, { count: 150, intervalMs: REQUEST_INTERVAL_MS.icmp });

  afterAll(async () => {
    await stack?.stop();
    await lab?.down();
  });

  /** Where VM B's relay's truth log stood when the last measure() started its traffic. */
  let vmTruthSince = 0;

  /**
   * Runs pair while traffic flows; relay stats are reset first so both see the same packets. The
   * probe starts before the traffic and is stopped (^C) once the traffic is over: a fixed 6 s
   * probe cut an overloaded machine's UDP run short (491 of 600 packets seen, 242 of 300 paired).
   */
  async function measure(traffic: () => Promise<unknown>, args: string[]): Promise<PairReport> {
    for (const name of lab.relayNames()) await lab.resetRelayStats(name);
    vmTruthSince = await lab.relayTruthMark(vmB.relay);
    let trafficDone!: () => void;
    const over = new Promise<void>((resolve) => (trafficDone = resolve));
    const pair = stack.pair(vmA.ip, vmB.ip, ['--duration', '60s', ...args], over);
    try {
      // traffic once the probe runs: a guessed 1.5 s missed the first packets on an overloaded machine (148 of 150)
      await waitProbeRunning(stack, vmA.ip, 60_000);
      await traffic();
      // The last records are still on their way when the traffic returns (the kernel's per-CPU
      // batch waits up to 2 flush intervals, then the ring, the agent's batch, NATS), and a stop
      // drops what has not reached the agent: stopped at once, 2-9 of 150 ICMP exchanges were
      // cut short on a loaded machine. Stopped 2 s later, as a 6 s probe after 3 s of traffic was.
      await new Promise((r) => setTimeout(r, TAIL_SETTLE_MS));
    } finally {
      trafficDone();
    }
    const run = await pair;
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.no_traffic).toBe(false);
    return run.report!;
  }

  /**
   * `clockErrorUs`: how far the report's clock offset is from the injected skew. The wire
   * segments cross hosts, so each is shifted by that error (forward by +e, reverse by -e):
   * a forward p50 1,060.9 µs against a relay truth of 1,063.4 µs with a 19.9 µs offset error.
   */
  async function expectWireAndVmMatchTruth(report: PairReport, proto: 'icmp' | 'udp', service?: UdpEchoStats, clockErrorUs = 0): Promise<void> {
    const wire = await lab.relayStats(wireRelay);
    const vm = await lab.relayStats(vmB.relay);
    for (const d of [wire.ab, wire.ba, vm.ab, vm.ba]) expect(d.enqueueClock, d.stampError).toBe('kernel');
    const excesses: Record<string, number> = {};
    for (const [dir, truthNs] of [['forward', wire.ab.residenceNs.p50], ['reverse', wire.ba.residenceNs.p50]] as const) {
      const seg = only(segments(report, dir, 'wire'), `${dir} wire segment`);
      const truth = us(truthNs);
      excesses[`${dir} wire`] = seg.p50_us! - truth;
      // never printed as exact, and the truth lies within what xtrace claims
      expect(seg.uncertainty_us).toBeGreaterThan(0);
      expect(Math.abs(seg.p50_us! - truth), `${dir} wire p50 ${seg.p50_us} vs ${truth} ± ${seg.uncertainty_us}`).toBeLessThanOrEqual(seg.uncertainty_us!);
      const skewed = Math.abs(clockErrorUs);
      const bound = `${dir} wire p50 vs relay residence ${truth} µs (clock offset error ${clockErrorUs.toFixed(1)} µs)`;
      expect(seg.p50_us, bound).toBeGreaterThanOrEqual(truth - skewed);
      expect(seg.p50_us, bound).toBeLessThanOrEqual(truth + WIRE_TOLERANCE_US + skewed);
    }
    // destination VM turnaround: host tap -> VM relay -> guest (and service) -> VM relay -> host tap, per exchange
    const truthLog = await lab.relayTruth(vmB.relay, vmTruthSince);
    const exchanges = summarize(echoTurnaroundsNs(truthLog, 'ab'));
    const vmTruth = us(exchanges.p50);
    const turnaround = only(report.vm_turnaround, 'vm turnaround');
    expect(exchanges.count, 'exchanges in the VM relay truth log').toBeGreaterThanOrEqual(turnaround.count);
    excesses['vm turnaround'] = turnaround.p50_us! - vmTruth;
    // what the old bound (the parts' p50s added up) would have said, for comparison
    const serviceUs = service ? us(service.service_ns.p50) : 0;
    excesses['vm turnaround over the parts p50s summed'] = turnaround.p50_us! - us(vm.ab.residenceNs.p50 + vm.ba.residenceNs.p50) - serviceUs;
    console.log(`${proto}: excess over the truth p50 (µs)`, excesses);
    // a frame the VM relay read without its kernel stamp starts its residence late (the read time stands in)
    console.log(`${proto}: VM relay frames kernel-stamped / not: ab ${vm.ab.stamped}/${vm.ab.unstamped}, ba ${vm.ba.stamped}/${vm.ba.unstamped}`);
    // on a failure, the whole distributions: did every sample move, or only some?
    const dist = (d: { p50: number; p90: number; p99: number }): string => `p50/p90/p99 ${us(d.p50)}/${us(d.p90)}/${us(d.p99)}`;
    const detail =
      `turnaround ${turnaround.count} samples p50/p99/max ${turnaround.p50_us}/${turnaround.p99_us}/${turnaround.max_us}; ` +
      `truth ${exchanges.count} exchanges ${dist(exchanges)}; ` +
      `VM relay ab ${dist(vm.ab.residenceNs)}, ba ${dist(vm.ba.residenceNs)}${service ? `; echo service ${dist(service.service_ns)}` : ''} (µs)`;
    expect(turnaround.p50_us, `turnaround p50 vs the exchanges' ${vmTruth} µs (${detail})`).toBeGreaterThanOrEqual(vmTruth);
    expect(turnaround.p50_us, `turnaround p50 vs the exchanges' ${vmTruth} µs (${detail})`).toBeLessThanOrEqual(vmTruth + VM_TOLERANCE_US);
    // every exchange paired with its own request: a reply paired with an earlier request would
    // read a request interval (REQUEST_INTERVAL_MS) too long
    console.log(`${proto}: exchanges paired ${turnaround.count} of ${exchanges.count}; max ${turnaround.max_us} µs vs the slowest true ${us(exchanges.max)} µs`);
    const pairing = `${detail}; matcher counters ${JSON.stringify(report.counters)}`;
    expect(turnaround.max_us, `turnaround max vs the slowest exchange's ${us(exchanges.max)} µs (${pairing})`).toBeLessThanOrEqual(us(exchanges.max) + pairingMaxToleranceUs(proto));
    // all paired (two spared for an exchange cut by the start or end of the capture). UDP pairs
    // by the server host's packet order: an exchange overlapped by the next request may stay
    // unpaired. An overloaded machine makes them: the client's late timer sends two at once
    // (8-18 of 300 in loaded runs), or the server falls behind the 10 ms pace.
    const overlapped = proto === 'udp' ? overlappedExchanges(truthLog, 'ab') : 0;
    console.log(`${proto}: exchanges overlapped by the next request: ${overlapped}`);
    expect(turnaround.count, `exchanges paired, ${overlapped} overlapped (${pairing})`).toBeGreaterThanOrEqual(exchanges.count - 2 - overlapped);
    for (const dir of ['forward', 'reverse'] as const) expect(report.directions[dir]!.lost).toBe(0);
  }

  /** UDP request/response at 100/s to the echo service in VM B while `pair` runs. */
  async function measureUdp(port: number): Promise<void> {
    const server = await startUdpEchoServer(lab, vmB, port, { durationMs: 30_000 });
    let report: PairReport;
    try {
      report = await measure(() => udpRequestResponse(lab, vmA, vmB.ip, port, { count: 300, ratePps: 1000 / REQUEST_INTERVAL_MS.udp }), ['--proto', 'udp', '--port', String(port)]);
    } catch (e: unknown) {
      await server.stop().catch(() => undefined);
      throw e;
    }
    await expectWireAndVmMatchTruth(report, 'udp', await server.stop());
  }

  it('ICMP, 1 ms wire: wire and VM turnaround p50 match the relays', async () => {
    const report = await measure(icmpTraffic, ['--proto', 'icmp']);
    await expectWireAndVmMatchTruth(report, 'icmp');
    expect(report.directions.forward!.packets).toBeGreaterThanOrEqual(150);
  }, 120_000);

  it('UDP request/response, 1 ms wire: wire and VM turnaround p50 match the relays', async () => {
    await measureUdp(7100);
  }, 120_000);

  it('ICMP and UDP, 100 µs wire: the same tolerances hold', async () => {
    await lab.setWireImpairment(0, { ab: { delayUs: 100 }, ba: { delayUs: 100 } });
    await ping(lab, vmA, vmB.ip, { count: 2, intervalMs: 50 });
    try {
      const icmp = await measure(icmpTraffic, ['--proto', 'icmp']);
      await expectWireAndVmMatchTruth(icmp, 'icmp');
      await measureUdp(7101);
    } finally {
      await lab.setWireImpairment(0, { ab: { delayUs: 1000 }, ba: { delayUs: 1000 } });
    }
  }, 180_000);

  for (const skewMs of [20, -20]) {
    it(`clock skew ${skewMs} ms on host B: offset within 50 µs of the truth, wire still within tolerance`, async () => {
      await stack.restartAgent(1, skewMs * 1_000_000);
      try {
        const report = await measure(icmpTraffic, ['--proto', 'icmp']);
        const clock = only(report.clock, 'clock estimate');
        // offset = clock(hosts[1]) - clock(hosts[0])
        const truthUs = (clock.hosts[1] === stack.hostId(1) ? 1 : -1) * skewMs * 1000;
        console.log(`skew ${skewMs} ms: offset ${clock.offset_us} µs ± ${clock.uncertainty_us}, error ${(clock.offset_us - truthUs).toFixed(1)} µs`);
        expect(Math.abs(clock.offset_us - truthUs), `offset ${clock.offset_us} µs vs ${truthUs} µs`).toBeLessThanOrEqual(50);
        expect(clock.source).toBe('pairs');
        await expectWireAndVmMatchTruth(report, 'icmp', undefined, clock.offset_us - truthUs);
      } finally {
        await stack.restartAgent(1, 0);
      }
    }, 180_000);
  }

  it('1 % wire loss: the wire segment loses exactly what the relay dropped, nothing elsewhere', async () => {
    await lab.setWireImpairment(0, { ab: { delayUs: 1000, loss: 0.01 }, ba: { delayUs: 1000, loss: 0.01 } });
    try {
      await ping(lab, vmA, vmB.ip, { count: 2, intervalMs: 50 });
      const report = await measure(() => ping(lab, vmA, vmB.ip, { count: 400, intervalMs: 10, waitS: 1 }), ['--proto', 'icmp']);
      const relay = await lab.relayStats(wireRelay);
      expect(relay.ab.dropped + relay.ba.dropped).toBeGreaterThan(0);
      for (const [dir, r] of [['forward', relay.ab], ['reverse', relay.ba]] as const) {
        // what the relay did not forward: injected loss, plus queue overflow or write errors
        const notForwarded = r.in - r.out - r.queued;
        const wire = only(segments(report, dir, 'wire'), `${dir} wire`);
        expect(wire.lost, `${dir}: relay dropped ${r.dropped}, overflow ${r.overflow}, write errors ${r.writeErr}, in ${r.in} out ${r.out}`).toBe(notForwarded);
        for (const s of report.directions[dir]!.segments.filter((x) => x.kind !== 'wire')) expect(s.lost, `${dir} ${s.from}->${s.to}`).toBe(0);
      }
    } finally {
      await lab.setWireImpairment(0, { ab: { delayUs: 1000 }, ba: { delayUs: 1000 } });
    }
  }, 120_000);

  it("an nftables drop inside the destination host is reported on that host's segment with the drop reason", async () => {
    const rule = await lab.addDropRule(1, { family: 'netdev', device: 'vxlan0', match: 'ip protocol icmp' });
    let dropped = 0;
    let report: PairReport;
    try {
      report = await measure(() => ping(lab, vmA, vmB.ip, { count: 20, intervalMs: 20, waitS: 1 }), ['--proto', 'icmp']);
      dropped = await lab.dropRuleCount(rule);
    } finally {
      await lab.removeDropRule(rule);
    }
    expect(dropped).toBe(20);
    const lossy = report.directions.forward!.segments.filter((s) => s.lost > 0);
    const seg = only(lossy, 'segment with loss');
    expect(seg.kind).toBe('host');
    expect(seg.from_host).toBe(stack.hostId(1));
    expect(seg.to_host).toBe(stack.hostId(1));
    expect(seg.lost).toBe(20);
    expect(seg.drop_reasons).toEqual({ NETFILTER_DROP: 20 });
  }, 120_000);
});
