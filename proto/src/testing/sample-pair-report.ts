/**
 * A synthetic final PairReport for tests of what lies downstream of the matcher (gRPC round
 * trip, renderers, fleet adapter): two hosts, every field of every section set, vhost stages on
 * both hosts, so the report carries a VM breakdown of the destination VM (hv-b) and of the
 * source VM (hv-a). Numbers are made up but consistent: each breakdown's parts add up to its
 * total (means and shares), and the destination's guest part is the vhost-style turnaround.
 * Not exported by the package index: `@xtrace/proto/testing`.
 */
import { LATENCY_BUCKET_BOUNDS_US, PAIR_REPORT_SCHEMA, type AnalysisCounters, type AnalysisReport, type PairReport, type SegmentKind, type SegmentReport, type VmBreakdownReport, type VmPartName, type VmPartReport } from '../report.js';

/** a histogram with every sample in the bucket holding `us` */
function histogramAt(us: number, count: number): NonNullable<SegmentReport['histogram']> {
  const counts = new Array<number>(LATENCY_BUCKET_BOUNDS_US.length + 1).fill(0);
  const i = LATENCY_BUCKET_BOUNDS_US.findIndex((b) => us <= b);
  counts[i === -1 ? LATENCY_BUCKET_BOUNDS_US.length : i] = count;
  return { counts, sum_us: us * count };
}

/** a segment whose every sample took `us` (null: none timed) */
function sampleSegment(host: string, from: string, to: string, kind: SegmentKind, count: number, us: number | null, share: number, toHost = host): SegmentReport {
  return {
    from, to, from_host: host, to_host: toHost, kind, count,
    p50_us: us, p90_us: us, p95_us: us, p99_us: us, max_us: us, min_us: us, mean_us: us,
    lost: 0, drop_reasons: {}, share,
    ...(kind === 'wire' ? { uncertainty_us: 4, unresolved: 0 } : {}),
    histogram: us === null ? null : histogramAt(us, count),
  };
}

function part(name: VmPartName, host: string, from: string, to: string, kind: SegmentKind, count: number, us: number, totalUs: number): VmPartReport {
  return { ...sampleSegment(host, from, to, kind, count, us, us / totalUs), part: name };
}

/** the destination VM on hv-b: 40 exchanges, 5041 µs from the request's tap_tx to the reply's tap_rx */
export function sampleDestinationBreakdown(): VmBreakdownReport {
  const n = 40;
  const total = 12 + 3 + 5000 + 20 + 6;
  return {
    host: 'hv-b',
    vm: 'vm-b',
    role: 'destination',
    count: n,
    total: sampleSegment('hv-b', 'tap_tx', 'tap_rx', 'vm', n, total, 1),
    parts: [
      part('rx_worker_wait', 'hv-b', 'tap_tx', 'vhost_rx', 'host', n, 12, total),
      part('rx_copy_signal', 'hv-b', 'vhost_rx', 'kvm_irq', 'host', n, 3, total),
      part('guest', 'hv-b', 'kvm_irq', 'guest_kick', 'vm', n, 5000, total),
      part('tx_worker_wait', 'hv-b', 'guest_kick', 'vhost_tx', 'host', n, 20, total),
      part('tx_build', 'hv-b', 'vhost_tx', 'tap_rx', 'host', n, 6, total),
    ],
    incomplete: { no_interrupt: 7, no_vhost: 2 },
  };
}

/** the source VM on hv-a: 35 requests from the guest's kick to the tap */
export function sampleSourceBreakdown(): VmBreakdownReport {
  const n = 35;
  const total = 30 + 8;
  return {
    host: 'hv-a',
    vm: 'vm-a',
    role: 'source',
    count: n,
    total: sampleSegment('hv-a', 'guest_kick', 'tap_rx', 'host', n, total, 1),
    parts: [part('tx_worker_wait', 'hv-a', 'guest_kick', 'vhost_tx', 'host', n, 30, total), part('tx_build', 'hv-a', 'vhost_tx', 'tap_rx', 'host', n, 8, total)],
    incomplete: { no_vhost: 15 },
  };
}

const SAMPLE_COUNTERS: AnalysisCounters = {
  batches: 30, lost_batches: 0, records_in: 1160, records_other_probe: 0, records_unknown_host: 0, records_bad_stage: 0, duplicates: 0, late_records: 0,
  drop_records: 1, packets: 99, matched: 98, expired_incomplete: 1, evicted: 0, partial: 0, negative_latency: 0, drops_after_delivery: 0, drops_before_path: 0,
  pairs: 49, pairs_settled_early: 0, host_reboots: 0, stall_events_dropped: 0, unfinished: 0, pending: 0,
};

/** the matcher's part of samplePairReport(): a 5 s ICMP probe 10.0.0.1 (hv-a) -> 10.0.0.2 (hv-b) with both VM breakdowns */
export function sampleAnalysisReport(): AnalysisReport {
  const n = 50;
  const seg = sampleSegment;
  return {
    interval: { start: 1_763_900_000_000, end: 1_763_900_005_000 },
    directions: {
      forward: {
        hosts: ['hv-a', 'hv-b'],
        packets: n,
        lost: 1,
        segments: [
          seg('hv-a', 'guest_kick', 'vhost_tx', 'host', 35, 30, 0.1),
          seg('hv-a', 'vhost_tx', 'tap_rx', 'host', n, 8, 0.03),
          seg('hv-a', 'tap_rx', 'nic_tx', 'host', n, 20, 0.07),
          { ...seg('hv-a', 'nic_tx', 'nic_rx', 'wire', n - 1, 150, 0.6, 'hv-b'), lost: 1, drop_reasons: { QDISC_DROP: 1 } },
          seg('hv-b', 'nic_rx', 'tap_tx', 'host', n - 1, 25, 0.1),
          seg('hv-b', 'tap_tx', 'vhost_rx', 'host', n - 1, 12, 0.05),
          seg('hv-b', 'vhost_rx', 'kvm_irq', 'host', 42, 3, 0.05),
        ],
        total: {
          from: 'guest_kick', to: 'kvm_irq', from_host: 'hv-a', to_host: 'hv-b', count: 42,
          p50_us: 248, p90_us: 250, p95_us: 251, p99_us: 260, max_us: 270, min_us: 240, mean_us: 248, uncertainty_us: 4,
        },
      },
      reverse: {
        hosts: ['hv-b', 'hv-a'],
        packets: n - 1,
        lost: 0,
        segments: [
          seg('hv-b', 'guest_kick', 'vhost_tx', 'host', 46, 20, 0.1),
          seg('hv-b', 'vhost_tx', 'tap_rx', 'host', n - 1, 6, 0.03),
          seg('hv-b', 'tap_rx', 'nic_tx', 'host', n - 1, 20, 0.1),
          seg('hv-b', 'nic_tx', 'nic_rx', 'wire', n - 1, 150, 0.67, 'hv-a'),
          seg('hv-a', 'nic_rx', 'tap_tx', 'host', n - 1, 25, 0.1),
          // no packet reached the interrupt yet in this direction: latencies unknown
          seg('hv-a', 'tap_tx', 'vhost_rx', 'host', 0, null, 0),
        ],
        total: null,
      },
    },
    vm_turnaround: [seg('hv-b', 'kvm_irq', 'guest_kick', 'vm', 40, 5000, 1)],
    vm_breakdown: [sampleDestinationBreakdown(), sampleSourceBreakdown()],
    round_trip: [seg('hv-a', 'guest_kick', 'kvm_irq', 'host', 40, 5600, 1)],
    clock: [{ hosts: ['hv-a', 'hv-b'], offset_us: 5000, uncertainty_us: 4, samples: 40, min_delay_us: 300, source: 'pairs' }],
    stalls: [{ direction: 'forward', host: 'hv-a', stage: 'tap_rx', flow_hash: 1234, gap_ms: 250, typical_gap_ms: 10, ts_ns: '123456789', detected_at_ms: 1_763_900_001_000 }],
    drop_sites: [{ direction: 'forward', host: 'hv-a', location: '0xffffffff81234567', reason: 'QDISC_DROP', from: 'nic_tx', to: 'nic_rx', count: 1 }],
    counters: { ...SAMPLE_COUNTERS },
  };
}

/** a final report of that probe, as the probe manager builds it */
export function samplePairReport(): PairReport {
  return {
    schema: PAIR_REPORT_SCHEMA,
    probe_id: 'p-sample',
    src: '10.0.0.1',
    dst: '10.0.0.2',
    src_vm: 'vm-a',
    dst_vm: 'vm-b',
    proto: 'icmp',
    seq: 6,
    final: true,
    state: 'done',
    started_at_ms: 1_763_900_000_000,
    elapsed_ms: 5000,
    no_traffic: false,
    message: 'duration reached',
    table: '',
    ...sampleAnalysisReport(),
    hosts: [
      { host: 'hv-a', boot_id: 'boot-a', batches: 15, records: 580, lost_batches: 0, lost_records: 0, duplicate_batches: 0, malformed_batches: 0, kernel_counters: { ringbuf_full: 0, irq_suppressed: 0 } },
      { host: 'hv-b', boot_id: 'boot-b', batches: 15, records: 580, lost_batches: 0, lost_records: 0, duplicate_batches: 0, malformed_batches: 0, kernel_counters: { ringbuf_full: 0, irq_suppressed: 7 } },
    ],
  };
}
