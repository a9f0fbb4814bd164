import { describe, expect, it } from 'vitest';
import { samplePairReport } from '@xtrace/proto/testing';
import { AlertEvaluator, type AlertEvent } from './alert-evaluator.js';
import { validateAlertRule } from './alert-rule.js';
import { probeReportFromPairReport } from './pair-report-adapter.js';
import type { ProbeReport, SegmentStats } from './probe-report.js';

const pair = { src: '10.0.0.1', dst: '10.0.1.1' };
function seg(kind: SegmentStats['kind'], p99: number, lost = 0): SegmentStats {
  return { from: kind === 'wire' ? 'nic_tx' : 'tap_rx', to: kind === 'wire' ? 'nic_rx' : 'nic_tx', kind, count: 100, p50_us: 10, p90_us: 20, p99_us: p99, max_us: p99 * 2, lost };
}
function report(at: number, segs: SegmentStats[], p = pair, kind: ProbeReport['kind'] = 'interval', probeId = 'p'): ProbeReport {
  return { probeId, pair: p, kind, at, segments: segs };
}
const S = 1000;

describe('AlertEvaluator', () => {
  const rule = validateAlertRule({
    name: 'wire-p99',
    selector: 'all-cross-host',
    segmentKind: 'wire',
    metric: 'p99',
    threshold: 500,
    for: '30s',
    cooldown: '5m',
    sinks: [{ type: 'nats', subject: 'x' }],
  });

  it('fires once after the condition held for `for`, resolves when it clears, honours the cooldown', () => {
    const seen: AlertEvent[] = [];
    const ev = new AlertEvaluator({ onEvent: (e) => seen.push(e) });
    ev.setRules([rule]);
    const step = (t: number, p99: number) => ev.observe(report(t * S, [seg('host', 9999), seg('wire', p99)]));
    expect(step(0, 600)).toEqual([]);
    expect(step(10, 700)).toEqual([]);
    expect(step(29, 700)).toEqual([]);
    const f = step(30, 650);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ state: 'firing', rule: 'wire-p99', value: 650, threshold: 500, since: 0, at: 30 * S, segment: { kind: 'wire' } });
    expect(step(40, 800)).toEqual([]); // one firing per episode
    expect(step(50, 100)).toMatchObject([{ state: 'resolved', since: 0, at: 50 * S, value: 100 }]);
    expect(step(60, 100)).toEqual([]);
    // condition comes back during the cooldown: holds > for, but must wait until 50s+5m
    for (let t = 70; t < 350; t += 20) expect(step(t, 900)).toEqual([]);
    expect(step(350, 900)).toMatchObject([{ state: 'firing', since: 70 * S }]);
    expect(seen.map((e) => e.state)).toEqual(['firing', 'resolved', 'firing']);
  });

  it('a blip shorter than `for` does not fire', () => {
    const ev = new AlertEvaluator();
    ev.setRules([rule]);
    expect(ev.observe(report(0, [seg('wire', 900)]))).toEqual([]);
    expect(ev.observe(report(20 * S, [seg('wire', 100)]))).toEqual([]);
    expect(ev.observe(report(40 * S, [seg('wire', 900)]))).toEqual([]);
    expect(ev.observe(report(60 * S, [seg('wire', 900)]))).toEqual([]);
    expect(ev.observe(report(70 * S, [seg('wire', 900)]))).toHaveLength(1);
  });

  it('keeps episodes per pair and segment, matches explicit pairs in either direction, and loss counts', () => {
    const loss = validateAlertRule({
      name: 'loss',
      selector: { pairs: [{ src: '10.0.1.1', dst: '10.0.0.1' }] },
      segmentKind: 'any',
      metric: 'loss',
      threshold: 0,
      for: '0s',
      sinks: [{ type: 'nats', subject: 'x' }],
    });
    const ev = new AlertEvaluator();
    ev.setRules([loss]);
    const out = ev.observe(report(0, [seg('host', 1, 3), seg('wire', 1, 0)]));
    expect(out).toMatchObject([{ state: 'firing', value: 3, segment: { kind: 'host' } }]);
    expect(ev.observe(report(0, [seg('host', 1, 3)], { src: '10.9.9.9', dst: '10.0.0.1' }))).toEqual([]);
    // removing the rule forgets its episodes
    ev.setRules([]);
    expect(ev.firing()).toEqual([]);
  });

  it('a probe with only a summary (shorter than the settle time) fires and resolves on its summaries', () => {
    const now = validateAlertRule({ name: 'now', selector: 'all-cross-host', segmentKind: 'wire', metric: 'p99', threshold: 500, for: '0s', cooldown: '0s', sinks: [{ type: 'nats', subject: 'x' }] });
    const seen: AlertEvent[] = [];
    const ev = new AlertEvaluator({ onEvent: (e) => seen.push(e) });
    ev.setRules([now]);
    // each scheduled run is its own 1 s probe: an empty interval (nothing settled yet), then its summary
    const run = (k: number, p99: number) => {
      const id = `sched-x-${k}`;
      expect(ev.observe(report(k * 60 * S, [{ ...seg('wire', 1), count: 0, p99_us: Number.NaN }], pair, 'interval', id))).toEqual([]);
      return ev.observe(report(k * 60 * S + 1500, [seg('wire', p99)], pair, 'summary', id));
    };
    expect(run(0, 900)).toMatchObject([{ state: 'firing', value: 900, probeId: 'sched-x-0', at: 1500 }]);
    expect(run(1, 950)).toEqual([]); // still firing: one event per episode
    expect(run(2, 100)).toMatchObject([{ state: 'resolved', value: 100, probeId: 'sched-x-2' }]);
    expect(seen.map((e) => e.state)).toEqual(['firing', 'resolved']);
  });

  it('a summary does not re-evaluate segments its intervals already showed (only the others)', () => {
    const any = validateAlertRule({ name: 'any', selector: 'all-cross-host', segmentKind: 'any', metric: 'p99', threshold: 500, for: '0s', cooldown: '0s', sinks: [{ type: 'nats', subject: 'x' }] });
    const ev = new AlertEvaluator();
    ev.setRules([any]);
    expect(ev.observe(report(0, [seg('wire', 900)], pair, 'interval', 'p1'))).toMatchObject([{ state: 'firing' }]);
    expect(ev.observe(report(S, [seg('wire', 100)], pair, 'interval', 'p1'))).toMatchObject([{ state: 'resolved' }]);
    // the whole-run summary still has the early spike in its p99: no new episode from it,
    // but the host segment, finalized only at the end, is evaluated
    expect(ev.observe(report(2 * S, [seg('wire', 900), seg('host', 800)], pair, 'summary', 'p1'))).toMatchObject([
      { state: 'firing', segment: { kind: 'host' }, value: 800 },
    ]);
    // the probe is forgotten after its summary: the next probe's summary counts in full
    expect(ev.observe(report(3 * S, [seg('wire', 900)], pair, 'summary', 'p2'))).toMatchObject([{ state: 'firing', segment: { kind: 'wire' } }]);
  });

  describe('VM turnaround and breakdown parts (a report with vhost stages)', () => {
    const rule = (r: Record<string, unknown>) => validateAlertRule({ name: 'vm', metric: 'p99', for: '0s', cooldown: '0s', sinks: [{ type: 'nats', subject: 'x' }], ...r });
    const fire = (r: Record<string, unknown>) => {
      const ev = new AlertEvaluator();
      ev.setRules([rule(r)]);
      return ev.observe(probeReportFromPairReport(samplePairReport())).map((e) => ({ from: e.segment.from, to: e.segment.to, kind: e.segment.kind, part: e.segment.vm_breakdown, value: e.value }));
    };

    it("'the destination guest's p99 > 5 ms' as a part rule: one event naming the VM and part", () => {
      expect(fire({ vmPart: 'guest', threshold: 4000 })).toEqual([
        { from: 'hv-b.kvm_irq', to: 'hv-b.guest_kick', kind: 'vm', part: { host: 'hv-b', role: 'destination', part: 'guest' }, value: 5000 },
      ]);
    });

    it('an event carries the VMs\' names of its report; a rule on explicit pairs matches them by name too', () => {
      const ev = new AlertEvaluator();
      ev.setRules([rule({ selector: { pairs: [{ src: 'vm-b', dst: 'vm-a' }] }, vmPart: 'guest', threshold: 4000 })]);
      const events = ev.observe(probeReportFromPairReport(samplePairReport()));
      expect(events.map((e) => e.pair)).toEqual([{ src: '10.0.0.1', dst: '10.0.0.2', srcVm: 'vm-a', dstVm: 'vm-b' }]);
      const other = new AlertEvaluator();
      other.setRules([rule({ selector: { pairs: [{ src: 'vm-a', dst: 'vm-c' }] }, vmPart: 'guest', threshold: 4000 })]);
      expect(other.observe(probeReportFromPairReport(samplePairReport()))).toEqual([]);
    });

    it('a vm segment rule sees the turnaround once, not the guest part again', () => {
      expect(fire({ segmentKind: 'vm', threshold: 4000 })).toEqual([{ from: 'hv-b.kvm_irq', to: 'hv-b.guest_kick', kind: 'vm', part: undefined, value: 5000 }]);
    });

    it("'waiting for the vhost worker (kick)' fires for each VM that waits; host rules stay on the path segments", () => {
      expect(fire({ vmPart: 'tx_worker_wait', threshold: 15 }).map((e) => e.part)).toEqual([
        { host: 'hv-b', role: 'destination', part: 'tx_worker_wait' },
        { host: 'hv-a', role: 'source', part: 'tx_worker_wait' },
      ]);
      const host = fire({ segmentKind: 'host', threshold: 15 });
      expect(host.every((e) => e.part === undefined)).toBe(true);
      expect(host.map((e) => `${e.from}>${e.to}`)).toEqual([
        'hv-a.guest_kick>hv-a.vhost_tx', 'hv-a.tap_rx>hv-a.nic_tx', 'hv-b.nic_rx>hv-b.tap_tx', 'hv-b.guest_kick>hv-b.vhost_tx', 'hv-b.tap_rx>hv-b.nic_tx', 'hv-a.nic_rx>hv-a.tap_tx',
      ]);
    });
  });
});
