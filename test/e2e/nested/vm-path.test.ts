/**
 * The virtualization layer, proven on a distro kernel (issue 15): two nested hypervisors (Debian
 * kernels under QEMU TCG, test/lab/README.md "Nested hypervisors"), each with Open vSwitch, a
 * VXLAN port and a KVM guest on a vhost-net tap, an agent in each; `xtrace pair` between the two
 * VMs, with UDP request/reply from xtrace-guest (the VM's own measured truth). Checked:
 *  - the tap stages record on taps that are OVS ports (they did not: one stage per device and
 *    direction), and every stage (guest kick, vhost, tap, OVS, tunnel, NIC, interrupt) attaches;
 *  - every packet has every stage in path order on both hosts (raw records, as agents publish
 *    them), and the VM breakdown's parts add up to the turnaround they split;
 *  - a hold in the guest lands on the guest segment, and nowhere else;
 *  - a CPU hog above the destination's vhost worker (and below its guest's vCPU) raises the
 *    "waiting for the worker" parts by what the worker measurably waited, and not the guest's:
 *    at least what its two wake-ups per exchange waited more (the scheduler's tracepoints, in
 *    bpftrace beside xtrace), at most all the worker waited more per exchange (its schedstat);
 *  - a flow-cache miss shows as an upcall, on the host whose cache was flushed, once per flow
 *    direction and flush; with flows installed, none.
 * Kernel: XTRACE_NESTED_KERNEL (debian-6.12 by default). Skipped without root or QEMU (failed
 * instead under CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection, type Subscription } from 'nats';
import {
  decodeEnvelope,
  decodeRecords,
  OPTIONAL_STAGES,
  RECEIVER_STAGES,
  RecordFlag,
  SENDER_STAGES,
  stageName,
  type PairReport,
  type SegmentReport,
  type VmBreakdownReport,
} from '@xtrace/proto';
import { ControllerStack, NestedLab, waitProbeRunning, nestedLabUnavailableReason, type GuestClientResult, type NestedVm } from '@xtrace/lab';

const skip = nestedLabUnavailableReason();
const KERNEL = process.env['XTRACE_NESTED_KERNEL'] ?? 'debian-6.12';
const PORT = 7000;

/** the guest's hold, and how far the guest segment's rise may be from it (both hypervisors are TCG-emulated: µs become 100s of µs) */
const HOLD_US = 20_000;
const HOLD_TOLERANCE_US = 2_000;
/** how much a segment the hold does not cross may move between two runs of the same traffic */
const OTHER_PART_TOLERANCE_US = 2_000;

interface StageReport {
  stage: string;
  attached: boolean;
  hook?: string;
}

/** bpftrace's count of the destination worker's wake-ups and their mean wait for a CPU */
interface WakeupWaits {
  wakeups: number;
  meanWakeupWaitUs: number;
}

interface Phase {
  report: PairReport;
  client: GuestClientResult;
  /**
   * the destination's vhost worker during the phase: its wake-ups and their mean wait for a CPU
   * (sched_wakeup -> sched_switch), and all its time runnable but not running, per exchange
   * (schedstat's run_delay: wake-ups and preemptions, on the packets' path or not)
   */
  worker: { waitPerExchangeUs: number; wakeupWaits?: WakeupWaits };
  /** raw records by host, as the agents published them */
  records: Map<string, ReturnType<typeof decodeRecords>>;
}

const p50 = (s: { p50_us: number | null } | undefined): number => s?.p50_us ?? NaN;
const mean = (s: { mean_us: number | null } | undefined): number => s?.mean_us ?? NaN;
const segName = (s: SegmentReport): string => `${s.from_host}.${s.from}->${s.to_host}.${s.to}`;

function part(b: VmBreakdownReport | undefined, name: string): VmBreakdownReport['parts'][number] {
  const p = b?.parts.find((x) => x.part === name);
  if (!p) throw new Error(`no part ${name} in ${JSON.stringify(b)}`);
  return p;
}

describe.skipIf(skip !== undefined)(`VM path on two nested hypervisors (${KERNEL})${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: NestedLab;
  let stack: ControllerStack;
  let nc: NatsConnection;
  let vmA: NestedVm;
  let vmB: NestedVm;
  let hvA = '';
  let hvB = '';
  const stages = new Map<string, StageReport[]>();
  let baseline: Phase;
  /** in hypervisor 1: the destination VM's QEMU, its vCPU thread and its vhost worker */
  const dest = { qemu: 0, vcpu: 0, worker: 0 };

  /** A thread of hypervisor 1 by its name (`vhost-<qemu pid>`: a thread of QEMU since 6.4, a kernel thread before). */
  async function threadOf(name: string, pid?: number): Promise<number> {
    const r = await lab.exec(1, `ps -${pid ? `L -p ${pid}` : 'eL'} -o tid=,comm= | awk '{ t = $1; $1 = ""; sub(/^ /, "") } $0 == "${name}" { print t }'`);
    const tid = Number(r.stdout.trim().split('\n')[0]);
    if (!tid) throw new Error(`hypervisor 1: no thread ${name}: ${r.stdout} ${r.stderr}`);
    return tid;
  }

  /** The destination worker's time runnable but not running so far (schedstat's run_delay), ns. */
  async function workerRunDelayNs(): Promise<number> {
    const r = await lab.exec(1, `cat /proc/${dest.worker}/schedstat`);
    return Number(r.stdout.trim().split(/\s+/)[1]);
  }

  /**
   * bpftrace in hypervisor 1 timing every wake-up of the destination's vhost worker to its being
   * switched in (the scheduler's tracepoints, not xtrace's hooks): started before a phase, read after.
   */
  async function traceWorkerWakeups(): Promise<() => Promise<WakeupWaits>> {
    const out = '/tmp/xtrace-test-wakeups.json';
    const prog = `BEGIN { printf("ready\\n"); }
      tracepoint:sched:sched_wakeup /args->pid == ${dest.worker}/ { @woke = nsecs; }
      tracepoint:sched:sched_switch /args->next_pid == ${dest.worker} && @woke/ { @wait = stats((nsecs - @woke) / 1000); @woke = 0; }`;
    const r = await lab.exec(1, `rm -f ${out}; setsid bpftrace -f json -e '${prog}' > ${out} 2>&1 < /dev/null & echo $!`);
    const pid = Number(r.stdout.trim());
    const deadline = Date.now() + 60_000;
    for (;;) {
      if ((await lab.exec(1, `grep -q ready ${out}`)).code === 0) break;
      if (Date.now() > deadline) throw new Error(`bpftrace did not start: ${(await lab.exec(1, `cat ${out}`)).stdout}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    return async () => {
      // bpftrace prints its maps on exit, after detaching: in a TCG hypervisor on a busy machine that
      // took over 10 s, and once (a loaded run) over 110 s
      const done = await lab.exec(1, `kill -INT ${pid}; for i in $(seq 1800); do kill -0 ${pid} 2> /dev/null || break; sleep 0.1; done; kill -0 ${pid} 2> /dev/null && echo still-running; cat ${out}`, { timeoutMs: 240_000 });
      if (done.stdout.startsWith('still-running')) throw new Error(`bpftrace did not exit within 180 s of SIGINT: ${done.stdout.slice(-1000)}`);
      const stats = done.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, { count: number; average: number }> })
        .find((j) => j.type === 'stats')?.data['@wait'];
      if (!stats) throw new Error(`bpftrace printed no wake-up statistics: ${done.stdout.slice(-1000)}`);
      return { wakeups: stats.count, meanWakeupWaitUs: stats.average };
    };
  }

  /** One probe over one run of request/reply traffic from VM A to VM B, with `during` beside it. */
  async function phase(name: string, o: { holdUs: number; count?: number; rate?: number; traceWakeups?: boolean; during?: (trafficOver: () => boolean) => Promise<void> }): Promise<Phase> {
    const count = o.count ?? 150;
    const rate = o.rate ?? 20;
    const records = new Map<string, ReturnType<typeof decodeRecords>>();
    const sub: Subscription = nc.subscribe('xtrace.ev.>', {
      callback: (_err, msg) => {
        const env = decodeEnvelope(msg.data);
        records.set(env.host, [...(records.get(env.host) ?? []), ...decodeRecords(env.records)]);
      },
    });
    const seconds = Math.ceil(count / rate + (count * o.holdUs) / 1e6) + 8;
    const t0 = Date.now();
    // bpftrace only where a test compares the wake-ups: its exit in a TCG hypervisor can take minutes
    const workerWakeups = o.traceWakeups ? await traceWorkerWakeups() : undefined;
    const delay0 = await workerRunDelayNs();
    const run = stack.pair(vmA.ip, vmB.ip, ['--proto', 'udp', '--port', String(PORT), '--duration', `${seconds}s`], (seconds + 90) * 1000);
    await waitProbeRunning(stack, vmA.ip, 30_000);
    let over = false;
    const traffic = lab.guestClient(0, 0, { dst: vmB.ip, count, rate, holdUs: o.holdUs, timeoutMs: 3000 }).finally(() => (over = true));
    const [client] = await Promise.all([traffic, o.during?.(() => over)]);
    const worker: Phase['worker'] = { waitPerExchangeUs: ((await workerRunDelayNs()) - delay0) / 1000 / client.sent };
    if (workerWakeups) worker.wakeupWaits = await workerWakeups();
    const r = await run;
    sub.unsubscribe();
    if (!r.report) throw new Error(`${name}: xtrace pair printed no report (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const dest = r.report.vm_breakdown.find((b) => b.role === 'destination');
    console.log(
      `${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s; client sent ${client.sent} lost ${client.lost} rtt p50 ${client.rtt_us.p50} µs, ` +
        `destination worker: ${worker.wakeupWaits ? `${worker.wakeupWaits.wakeups} wake-ups waited ${worker.wakeupWaits.meanWakeupWaitUs} µs for a CPU on average, ` : ''}${worker.waitPerExchangeUs.toFixed(0)} µs runnable per exchange, ` +
        `service p50 ${client.service_us.p50} µs; destination VM (n=${dest?.count}): ` +
        (dest ? dest.parts.map((p) => `${p.part} p50 ${p.p50_us} mean ${p.mean_us}`).join(', ') + `; total mean ${dest.total.mean_us} µs` : '-'),
    );
    return { report: r.report, client, records, worker };
  }

  beforeAll(async () => {
    await NestedLab.teardownAll();
    const started = Date.now();
    stack = await ControllerStack.start({ instance: 'nested-vm-path', logDir: '/tmp' });
    lab = await NestedLab.up({ kernel: KERNEL, hosts: 2, natsPort: stack.nats.port, agent: { start: true }, timeoutMs: 300_000 });
    vmA = lab.vm(0, 0);
    vmB = lab.vm(1, 0);
    dest.qemu = await lab.vmQemuPid(1, 0);
    dest.vcpu = await threadOf('CPU 0/KVM', dest.qemu);
    dest.worker = await threadOf(`vhost-${dest.qemu}`);
    hvA = lab.hostId(0);
    hvB = lab.hostId(1);
    nc = await connect({ servers: stack.nats.url });
    nc.subscribe('xtrace.agent.*.hb', {
      callback: (_err, msg) => {
        const hb = JSON.parse(new TextDecoder().decode(msg.data)) as { host: string; inventory?: { stages?: StageReport[] } };
        if (hb.inventory?.stages) stages.set(hb.host, hb.inventory.stages);
      },
    });
    // datapath flows stay until a test purges them (default: 10 s idle)
    for (const i of [0, 1]) await lab.exec(i, 'ovs-vsctl set Open_vSwitch . other_config:max-idle=3600000');
    // agents learn the VMs' addresses from their traffic
    const nudge = () => lab.vmExec(0, 0, `ping -c 2 -i 0.2 -W 2 ${vmB.ip} > /dev/null; echo done`, { timeoutMs: 20_000 });
    await stack.waitAgents({ hosts: [hvA, hvB], vmAddresses: [vmA.ip, vmB.ip] }, 180_000, nudge);
    console.log(`nested lab ${lab.id} on ${lab.kernelVersion}: stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 480_000);

  afterAll(async () => {
    await nc?.close();
    await lab?.down();
    await stack?.stop();
  }, 120_000);

  it('attaches the tap, OVS, vhost and interrupt stages on both hypervisors (taps that are OVS ports included)', async () => {
    const deadline = Date.now() + 30_000;
    while ((!stages.has(hvA) || !stages.has(hvB)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    for (const host of [hvA, hvB]) {
      const got = Object.fromEntries((stages.get(host) ?? []).map((s) => [s.stage, s]));
      for (const stage of ['tap_rx', 'tap_tx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'vhost_tx', 'guest_kick', 'vhost_rx', 'kvm_irq', 'tunnel_tx', 'tunnel_rx', 'nic_tx', 'nic_rx']) {
        expect(got[stage]?.attached, `${host} ${stage}: ${JSON.stringify(got[stage])}`).toBe(true);
      }
      console.log(`${host}: ${Object.values(got).map((s) => `${s.stage}=${s.hook ?? '-'}`).join(', ')}`);
    }
  }, 60_000);

  it('times every stage of both directions, every packet at every stage in path order, the VM parts adding up', async () => {
    baseline = await phase('baseline', { holdUs: 0, traceWakeups: true });
    const r = baseline.report;
    expect(baseline.client.lost).toBe(0);
    // the agents name the guests after their QEMU's -name (test/lab/nested/hypervisor-vm.sh: <hypervisor>-vm<j>)
    expect([r.src_vm, r.dst_vm, r.vm_breakdown.find((b) => b.role === 'destination')?.vm]).toEqual([`${hvA}-vm0`, `${hvB}-vm0`, `${hvB}-vm0`]);
    const want = (a: string, b: string) => [
      `${a}.guest_kick->${a}.vhost_tx`,
      `${a}.vhost_tx->${a}.tap_rx`,
      `${a}.tap_rx->${a}.ovs_in`,
      `${a}.ovs_in->${a}.ovs_out`,
      `${a}.ovs_out->${a}.tunnel_tx`,
      `${a}.tunnel_tx->${a}.nic_tx`,
      `${a}.nic_tx->${b}.nic_rx`,
      `${b}.nic_rx->${b}.tunnel_rx`,
      `${b}.tunnel_rx->${b}.ovs_in`,
      `${b}.ovs_in->${b}.ovs_out`,
      `${b}.ovs_out->${b}.tap_tx`,
      `${b}.tap_tx->${b}.vhost_rx`,
      `${b}.vhost_rx->${b}.kvm_irq`,
    ];
    expect(r.directions.forward?.segments.map(segName)).toEqual(want(hvA, hvB));
    expect(r.directions.reverse?.segments.map(segName)).toEqual(want(hvB, hvA));
    for (const dir of ['forward', 'reverse'] as const) {
      expect(r.directions[dir]?.lost, dir).toBe(0);
      expect(r.directions[dir]?.packets, dir).toBe(baseline.client.sent);
    }
    expect(r.counters.partial).toBe(0);
    // (negative_latency is no order check: a wire sample corrected by the estimated clock offset may fall below 0 within its uncertainty)

    // raw records: every packet has every stage of its host's role, in path order on that host's clock
    const problems: string[] = [];
    let packets = 0;
    for (const [host, recs] of baseline.records) {
      const byPacket = new Map<bigint, typeof recs>();
      for (const rec of recs) byPacket.set(rec.pktId, [...(byPacket.get(rec.pktId) ?? []), rec]);
      for (const [id, list] of byPacket) {
        packets++;
        const reverse = (list[0]!.flags & RecordFlag.reverse) !== 0;
        const sends = (host === hvA) !== reverse;
        const order = sends ? SENDER_STAGES : RECEIVER_STAGES;
        const seen = [...list].sort((x, y) => (x.tsNs < y.tsNs ? -1 : x.tsNs > y.tsNs ? 1 : 0)).map((x) => stageName(x.stage));
        const missing = order.filter((s) => !OPTIONAL_STAGES.has(s) && !seen.includes(s));
        const idx = seen.map((s) => order.indexOf(s as (typeof order)[number]));
        if (missing.length > 0 || idx.some((v, i) => v < 0 || (i > 0 && v < idx[i - 1]!))) problems.push(`${host} ${id.toString(16)}: ${seen.join(' ')} (missing ${missing.join(' ')})`);
      }
    }
    expect(packets).toBe(4 * baseline.client.sent); // each request and reply on both hosts
    expect(problems.slice(0, 10), `${problems.length} packets off their path`).toEqual([]);

    // the destination VM's parts add up to its turnaround (one clock), and its guest part contains the service's own time
    const dest = r.vm_breakdown.find((b) => b.role === 'destination' && b.host === hvB);
    expect(dest?.count).toBeGreaterThanOrEqual(baseline.client.sent - 2);
    const sum = dest!.parts.reduce((a, p) => a + (p.mean_us ?? 0), 0);
    expect(Math.abs(sum - mean(dest!.total))).toBeLessThan(0.01 * dest!.parts.length);
    expect(p50(part(dest, 'guest'))).toBeGreaterThanOrEqual(baseline.client.service_us.p50 ?? Infinity);
    const src = r.vm_breakdown.find((b) => b.role === 'source' && b.host === hvA);
    expect(src?.count).toBeGreaterThanOrEqual(baseline.client.sent - 2);
    // with the flows installed, no packet went up to ovs-vswitchd
    expect([...r.directions.forward!.segments, ...r.directions.reverse!.segments].filter((s) => s.to === 'ovs_upcall')).toEqual([]);
  }, 360_000);

  it(`lands a ${HOLD_US / 1000} ms hold in the guest on the guest segment, and nowhere else`, async () => {
    const held = await phase('hold', { holdUs: HOLD_US, count: 100 });
    const before = baseline.report.vm_breakdown.find((b) => b.role === 'destination');
    const after = held.report.vm_breakdown.find((b) => b.role === 'destination');
    const rise = p50(part(after, 'guest')) - p50(part(before, 'guest'));
    const truth = (held.client.service_us.p50 ?? NaN) - (baseline.client.service_us.p50 ?? NaN);
    const heldService = held.client.service_us.p50 ?? NaN;
    console.log(`guest part p50 rose ${rise} µs (to ${p50(part(after, 'guest'))}); the guest's own service time p50 rose ${truth} µs (to ${heldService})`);
    // The hold is inside the guest part: it holds the guest's whole service time (>= the hold).
    // No more than the hold landed there: the rise stays below the guest's own extra time + tolerance. Quiet, the rise
    // is the hold within 0.6 ms; with the host machine busy (stress-ng on one of its 2 cores)
    // the baseline's guest p50 came out 6.7 ms instead of 2.2-2.8, so a two-sided rise check
    // measured the machine. Nothing else rose by more than the tolerance either.
    expect(heldService).toBeGreaterThanOrEqual(HOLD_US);
    expect(p50(part(after, 'guest'))).toBeGreaterThanOrEqual(heldService);
    // Bounded by what the client saw: the guest part cannot rise more than the round trip did
    // (xtrace would have invented time), nor, quiet, more than the guest's own extra time. An
    // overloaded host machine slows the guest kernel around the hold too (a 31.2 ms rise against
    // 24.4 ms of the guest's own), and the round trip shows that.
    const rttRise = (held.client.rtt_us.p50 ?? NaN) - (baseline.client.rtt_us.p50 ?? NaN);
    console.log(`client round trip p50 rose ${rttRise} µs`);
    expect(rise).toBeLessThanOrEqual(Math.max(HOLD_US, truth, rttRise) + HOLD_TOLERANCE_US);
    for (const name of ['rx_worker_wait', 'rx_copy_signal', 'tx_worker_wait', 'tx_build']) {
      expect(p50(part(after, name)) - p50(part(before, name)), name).toBeLessThanOrEqual(OTHER_PART_TOLERANCE_US);
    }
    for (const dir of ['forward', 'reverse'] as const) {
      for (const s of held.report.directions[dir]!.segments.filter((x) => x.kind === 'host')) {
        const b = baseline.report.directions[dir]!.segments.find((x) => segName(x) === segName(s));
        expect(p50(s) - p50(b), `${dir} ${segName(s)}`).toBeLessThanOrEqual(OTHER_PART_TOLERANCE_US);
      }
    }
  }, 240_000);

  it('raises the waiting-for-the-vhost-worker parts under a CPU hog by what the worker\'s scheduler shows, not the guest part', async () => {
    // one CPU: the guest's vCPU thread above a SCHED_FIFO hog (5 ms busy, 5 ms asleep), the hog above the vhost worker
    const seconds = 19;
    const hog = `import sys, time
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    busy = time.monotonic() + 0.005
    while time.monotonic() < busy: pass
    time.sleep(0.005)`;
    const up = await lab.exec(1, `chrt -f -p 50 ${dest.vcpu}`);
    expect(up.code, up.stderr).toBe(0);
    let hogged: Phase;
    try {
      hogged = await phase('worker contention', {
        holdUs: 0,
        traceWakeups: true,
        count: 150,
        rate: 10,
        during: async () => void (await lab.exec(1, `chrt -f 40 python3 -c '${hog}' ${seconds}`, { timeoutMs: (seconds + 30) * 1000 })),
      });
    } finally {
      await lab.exec(1, `chrt -o -p 0 ${dest.vcpu}`);
    }
    const before = baseline.report.vm_breakdown.find((b) => b.role === 'destination')!;
    const after = hogged.report.vm_breakdown.find((b) => b.role === 'destination')!;
    const waits = (b: VmBreakdownReport) => mean(part(b, 'rx_worker_wait')) + mean(part(b, 'tx_worker_wait'));
    const rise = waits(after) - waits(before);
    // Each of the two parts holds a wake-up of the worker (the request's, the reply kick's). They
    // rise at least by most of what the hog added to the worker's summed wake-up waits per exchange
    // (wake-ups off the path, such as the guest refilling its receive ring, are summed in, and the
    // hog merges wake-ups: 258-275 of them quiet, 143-150 hogged), and at most by all the worker
    // waited more per exchange (preempted mid-work or woken again while queued included). Twice the
    // mean per wake-up was the bound before: under stress-ng it exceeded the rise (7936 > 6172 µs).
    const wakeupWaitPerExchange = (p: Phase) => {
      const w = p.worker.wakeupWaits;
      if (!w) throw new Error('a phase without traceWakeups has no wake-up waits');
      return (w.wakeups * w.meanWakeupWaitUs) / p.client.sent;
    };
    const atLeast = wakeupWaitPerExchange(hogged) - wakeupWaitPerExchange(baseline);
    const atMost = hogged.worker.waitPerExchangeUs - baseline.worker.waitPerExchangeUs;
    console.log(
      `worker waits rose ${rise.toFixed(0)} µs per exchange; the worker's wake-ups waited ${atLeast.toFixed(0)} µs more per exchange, ` +
        `all its waiting rose ${atMost.toFixed(0)} µs per exchange; guest p50 ${p50(part(before, 'guest'))} -> ${p50(part(after, 'guest'))} µs`,
    );
    expect(atLeast).toBeGreaterThan(500);
    expect(rise).toBeGreaterThanOrEqual(0.8 * atLeast);
    expect(rise).toBeLessThanOrEqual(1.2 * atMost);
    // The hog's time must not land on the guest: the guest part may not rise. One-sided, since a
    // busy host machine (stress-ng on one of 2 cores) once made the baseline's guest p50 5.1 ms
    // against 2.2-2.8 ms quiet, and it then "fell" 2.4 ms under the hog.
    const guestRise = p50(part(after, 'guest')) - p50(part(before, 'guest'));
    expect(guestRise, `guest part p50 ${p50(part(before, 'guest'))} -> ${p50(part(after, 'guest'))} µs`).toBeLessThanOrEqual(OTHER_PART_TOLERANCE_US);
  }, 420_000);

  it('shows a flow-cache miss as an upcall on the flushed host, once per flush and direction', async () => {
    const flushes = 6;
    const count = 400;
    const rate = 20;
    /** a purge counts as inside the traffic when this much traffic (20 exchanges) still followed its return */
    const FOLLOWED_MS = 1000;
    /** the guest client returns after its last reply and the console's answer: at most this much later */
    const CLIENT_RETURN_MS = 3000;
    const purgedAt: number[] = [];
    let trafficEndedAt = 0;
    // purge by purge, while the traffic lasts: on a busy host machine one ovs-appctl in the TCG
    // hypervisor took seconds, and 6 purges outlasted 20 s of traffic (3 upcalls for 6 purges)
    const purge = async (trafficOver: () => boolean): Promise<void> => {
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < flushes && !trafficOver(); i++) {
        const r = await lab.exec(0, 'ovs-appctl revalidator/purge', { timeoutMs: 30_000 });
        expect(r.code, r.stderr).toBe(0);
        purgedAt.push(performance.now());
        await new Promise((res) => setTimeout(res, 1000));
      }
      while (!trafficOver()) await new Promise((res) => setTimeout(res, 50));
      trafficEndedAt = performance.now();
    };
    const missed = await phase('flow-cache misses', { holdUs: 0, count, rate, during: purge });
    // the purges that surely had traffic after them: each must show as one upcall per direction
    const inside = purgedAt.filter((t) => t + FOLLOWED_MS + CLIENT_RETURN_MS <= trafficEndedAt).length;
    const purgeSeconds = purgedAt.map((t, i) => ((t - (purgedAt[i - 1] ?? t)) / 1000).toFixed(1)).slice(1);
    console.log(`purges: ${purgedAt.length} (${inside} with traffic after them); seconds between them ${purgeSeconds.join(', ')}`);
    expect(inside, `purges with traffic after them: the machine is too slow for this test (seconds between purges above)`).toBeGreaterThanOrEqual(3);
    const upcalls = (dir: 'forward' | 'reverse', host: string) =>
      missed.report.directions[dir]!.segments.filter((s) => s.to === 'ovs_upcall' && s.to_host === host).reduce((a, s) => a + s.count, 0);
    console.log(`upcalls: forward ${hvA} ${upcalls('forward', hvA)} ${hvB} ${upcalls('forward', hvB)}, reverse ${hvA} ${upcalls('reverse', hvA)} ${hvB} ${upcalls('reverse', hvB)}`);
    for (const dir of ['forward', 'reverse'] as const) {
      expect(upcalls(dir, hvA), `${dir} upcalls on the flushed host (${inside} of ${purgedAt.length} purges inside the traffic)`).toBeGreaterThanOrEqual(inside - 1);
      expect(upcalls(dir, hvA), `${dir} upcalls on the flushed host (${purgedAt.length} purges)`).toBeLessThanOrEqual(purgedAt.length + 1);
      expect(upcalls(dir, hvB), `${dir} upcalls on the other host`).toBe(0);
    }
    // the upcall is a segment of its own: ovs-vswitchd's handling and the re-injection
    const viaUpcall = missed.report.directions.forward!.segments.find((s) => s.from === 'ovs_upcall' && s.from_host === hvA);
    const cached = missed.report.directions.forward!.segments.find((s) => s.from === 'ovs_in' && s.to === 'ovs_out' && s.from_host === hvA);
    expect(p50(viaUpcall)).toBeGreaterThan(p50(cached));
    expect(missed.report.directions.forward!.lost).toBe(0);
  }, 240_000);
});
