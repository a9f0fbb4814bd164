/**
 * `xtrace pair --pcap FILE` in the namespace lab (issue 19, multi-host pcapng): real agents (real
 * BPF) on two hypervisors, hypervisor 1's agent with its clock 20 ms behind (XTRACE_CLOCK_SKEW_NS),
 * ping between their VMs while the probe runs, then tshark (Debian's) reads the file:
 * - one interface per host and stage, named "host.stage", on both hosts;
 * - the same echo request (ICMP seq) at hypervisor 0's first stage (tap_rx) and hypervisor 1's
 *   (nic_rx), and the reply at 1's tap_rx and 0's nic_rx;
 * - a packet's timestamps in path order once the estimated offset is taken out: the later
 *   host's first stage no earlier than the earlier host's first stage, beyond the reported
 *   uncertainty, and no later than that echo's round trip as ping measured it. Uncorrected,
 *   hypervisor 1's stages would be 20 ms early;
 * - the interface comments of hypervisor 1's interfaces name the offset the report estimated.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairReport } from '@xtrace/proto';
import { Lab, ping, waitProbeRunning, XtraceStack, type VmInfo } from '@xtrace/lab';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';

const skip = bpfUnavailableReason();
const SKEW_NS = -20_000_000;

interface Frame {
  iface: string;
  tNs: bigint;
  type: number;
  seq: number;
}

function readPcap(file: string): Frame[] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.time_epoch', '-e', 'icmp.type', '-e', 'icmp.seq', 'icmp'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [iface = '', t = '', type = '', seq = ''] = l.split('|');
      const [s = '0', frac = '0'] = t.split('.');
      return { iface, tNs: BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)), type: Number(type), seq: Number(seq) };
    });
}

describe.skipIf(skip !== undefined)(`xtrace pair --pcap across two hypervisors${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let stack: XtraceStack;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let file: string;
  let report: PairReport;
  let frames: Frame[];
  let rttNsBySeq: Map<number, number>;

  beforeAll(async () => {
    lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' }, hostOverrides: { 1: { clockSkewNs: SKEW_NS } } });
    vmA = lab.vm(0, 0);
    vmB = lab.vm(1, 0);
    await ping(lab, vmA, vmB.ip, { count: 2, intervalMs: 50 });
    stack = await XtraceStack.start(lab);
    file = join(lab.dir, 'probe.pcapng');
    const pair = stack.pair(vmA.ip, vmB.ip, ['--duration', '10s', '--proto', 'icmp', '--pcap', file]);
    // traffic only once the probe runs (starting the CLI and the probe takes seconds on a busy machine)
    await waitProbeRunning(stack, vmA.ip, 90_000);
    const sent = await ping(lab, vmA, vmB.ip, { count: 40, intervalMs: 50 });
    rttNsBySeq = new Map(sent.seqs.map((s, i) => [s, Math.round((sent.rttsMs[i] ?? 0) * 1e6)]));
    const run = await pair;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/wrote \d+ packets to /);
    report = run.report!;
    frames = readPcap(file);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await lab?.down();
  }, 60_000);

  const h0 = (): string => stack.hostId(0);
  const h1 = (): string => stack.hostId(1);

  it('has one interface per host and stage, on both hosts, named host.stage', () => {
    const info = execFileSync('capinfos', ['-I', file], { encoding: 'utf8' });
    const names = [...info.matchAll(/^\s*Name = (.+)$/gm)].map((m) => m[1]!.trim());
    expect(new Set(names).size).toBe(names.length); // each (host, stage) once
    for (const n of names) expect(n).toMatch(new RegExp(`^(${h0()}|${h1()})\\.[a-z_]+$`));
    expect(names).toEqual(expect.arrayContaining([`${h0()}.tap_rx`, `${h0()}.nic_rx`, `${h1()}.nic_rx`, `${h1()}.tap_rx`]));
    expect(new Set(frames.map((f) => f.iface))).toEqual(new Set(names));
  });

  /** request (type 8) or reply (type 0) seq -> interface -> time */
  const bySeq = (type: number): Map<number, Map<string, bigint>> => {
    const out = new Map<number, Map<string, bigint>>();
    for (const f of frames.filter((x) => x.type === type)) {
      const m = out.get(f.seq) ?? new Map<string, bigint>();
      m.set(f.iface, f.tNs);
      out.set(f.seq, m);
    }
    return out;
  };

  it('shows the same echo at each host\'s first stage, in path order once the clock offset is taken out', () => {
    const clock = report.clock.find((c) => c.hosts.includes(h0()) && c.hosts.includes(h1()));
    expect(clock, JSON.stringify(report.clock)).toBeDefined();
    const uncNs = BigInt(Math.ceil(clock!.uncertainty_us * 1000));
    for (const [type, first, second] of [
      [8, `${h0()}.tap_rx`, `${h1()}.nic_rx`],
      [0, `${h1()}.tap_rx`, `${h0()}.nic_rx`],
    ] as const) {
      const seen = [...bySeq(type)].filter(([, at]) => at.has(first) && at.has(second));
      expect(seen.length, `${type === 8 ? 'requests' : 'replies'} at ${first} and ${second}`).toBeGreaterThanOrEqual(20);
      for (const [seq, at] of seen) {
        const oneWay = at.get(second)! - at.get(first)!;
        const what = `seq ${seq} ${first} -> ${second}: ${oneWay} ns (± ${uncNs})`;
        expect(oneWay, what).toBeGreaterThanOrEqual(-uncNs);
        const rtt = rttNsBySeq.get(seq);
        if (rtt !== undefined) expect(oneWay, `${what}, round trip ${rtt} ns`).toBeLessThanOrEqual(BigInt(rtt) + uncNs);
      }
    }
  });

  it("names the estimated offset in the other host's interface comments", () => {
    const clock = report.clock.find((c) => c.hosts.includes(h0()) && c.hosts.includes(h1()))!;
    // the offset of hypervisor 1 from the source host: the injected skew, as estimated
    const offsetNs = Math.round((clock.hosts[0] === h0() ? clock.offset_us : -clock.offset_us) * 1000);
    expect(Math.abs(offsetNs - SKEW_NS), `estimated ${offsetNs} ns, injected ${SKEW_NS} ns`).toBeLessThan(500_000);
    const info = execFileSync('capinfos', ['-I', file], { encoding: 'utf8' });
    expect(info).toContain(`offset_ns=${offsetNs} uncertainty_ns=${Math.round(clock.uncertainty_us * 1000)}`);
    expect(info).toContain('the source host: its own clock, offset 0');
  });
});
