/** The matcher's run-wide counters (proto AnalysisCounters, documented there), all zero. */
import type { AnalysisCounters } from '@xtrace/proto';

export function emptyAnalysisCounters(): AnalysisCounters {
  return {
    batches: 0,
    lost_batches: 0,
    records_in: 0,
    records_other_probe: 0,
    records_unknown_host: 0,
    records_bad_stage: 0,
    duplicates: 0,
    late_records: 0,
    drop_records: 0,
    packets: 0,
    matched: 0,
    expired_incomplete: 0,
    evicted: 0,
    partial: 0,
    negative_latency: 0,
    drops_after_delivery: 0,
    drops_before_path: 0,
    pairs: 0,
    pairs_settled_early: 0,
    host_reboots: 0,
    stall_events_dropped: 0,
    unfinished: 0,
    pending: 0,
  };
}
