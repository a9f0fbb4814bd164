import { describe, expect, it } from 'vitest';
import { PathMatcher } from './path-matcher.js';
import { formatDuration, renderReport } from '@xtrace/proto/render';
import { TrafficBuilder, hops } from '../../../test/support/matcher-traffic.js';

const US = 1000;

describe('renderReport', () => {
  it('formats durations', () => {
    expect(formatDuration(0.25)).toBe('250ns');
    expect(formatDuration(5)).toBe('5.00µs');
    expect(formatDuration(50)).toBe('50.0µs');
    expect(formatDuration(1250)).toBe('1.25ms');
    expect(formatDuration(2_100_000)).toBe('2.10s');
    expect(formatDuration(null)).toBe('-');
  });

  it('renders segments with wire uncertainty, loss with reason, turnaround and clock', () => {
    const tb = new TrafficBuilder({ A: 1_000_000_000_000n, B: 1_000_020_000_000n });
    for (let i = 0; i < 20; i++) {
      const f = hops([['A', 'tap_rx', 0], ['A', 'ovs_in', 10 * US], ['A', 'nic_tx', 5 * US], ['B', 'nic_rx', 50 * US], ['B', 'tap_tx', 5 * US]], i * 1e7);
      const r = hops([['B', 'tap_rx', 200 * US], ['B', 'ovs_in', 10 * US], ['B', 'nic_tx', 5 * US], ['A', 'nic_rx', 50 * US], ['A', 'tap_tx', 5 * US]], f.end);
      const lostHere = i === 3;
      tb.add({
        id: BigInt(2 * i + 10),
        proto: 1,
        sport: 1,
        dport: 8 << 8,
        seq: i,
        hops: lostHere ? f.hops.slice(0, 3) : f.hops,
        ...(lostHere ? { drop: { host: 'A', t: f.end, reason: 64 } } : {}),
      });
      if (!lostHere) tb.add({ id: BigInt(2 * i + 11), proto: 1, sport: 1, dport: 0, seq: i, reverse: true, hops: r.hops });
    }
    const m = new PathMatcher({ hosts: ['A', 'B'] });
    for (const b of tb.batches()) m.ingest(b, 0);
    const text = renderReport(m.takeIntervalReport(3000));
    const lines = text.split('\n');
    expect(lines[0]).toBe('interval 3.0s');
    expect(lines[1]).toBe('forward  A -> B   packets 20  lost 1');
    expect(lines.find((l) => l.includes('A.nic_tx -> B.nic_rx') && l.includes('wire'))).toMatch(
      /^ {2}A\.nic_tx -> B\.nic_rx\s+wire\s+19\s+50\.0µs±50\.0µs\s+50\.0µs±50\.0µs\s+50\.0µs±50\.0µs\s+50\.0µs±50\.0µs\s+70\.6%\s+1\s+QDISC_DROP:1$/,
    );
    expect(text).toContain('  loss at: A.nic_tx -> B.nic_rx 1 (QDISC_DROP:1)\n');
    expect(text).toContain('  top contributors: A.nic_tx -> B.nic_rx 70.6%, A.tap_rx -> A.ovs_in 14.9%, A.ovs_in -> A.nic_tx 7.4%\n');
    expect(text).toContain('vm turnaround B.tap_tx -> B.tap_rx: n=19 p50 200.0µs p95 200.0µs p99 200.0µs max 200.0µs\n');
    expect(text).toContain('clock B - A: 20.000ms ± 50.0µs (pairs, 19 samples)\n');
    expect(text).toContain('drop forward A QDISC_DROP at 0xffffffff81234567 (nic_tx -> nic_rx): 1\n');
  });
});
