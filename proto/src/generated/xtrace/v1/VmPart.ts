// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { LatencyHistogram as _xtrace_v1_LatencyHistogram, LatencyHistogram__Output as _xtrace_v1_LatencyHistogram__Output } from '../../xtrace/v1/LatencyHistogram.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One part of a VM breakdown (report.ts VmPartReport: a SegmentReport plus its name). proto
 * has no inheritance, so Segment's fields are repeated here under the same numbers.
 */
export interface VmPart {
  'from'?: (string);
  'to'?: (string);
  'from_host'?: (string);
  'to_host'?: (string);
  /**
   * host (the vhost worker's parts) | vm (the guest)
   */
  'kind'?: (string);
  'count'?: (number | string | Long);
  'p50_us'?: (number | string);
  'p90_us'?: (number | string);
  'p95_us'?: (number | string);
  'p99_us'?: (number | string);
  'max_us'?: (number | string);
  'min_us'?: (number | string);
  'mean_us'?: (number | string);
  'lost'?: (number | string | Long);
  'drop_reasons'?: ({[key: string]: number | string | Long});
  /**
   * part of the breakdown's total (0..1)
   */
  'share'?: (number | string);
  /**
   * never set: a part is on one host's clock
   */
  'uncertainty_us'?: (number | string);
  /**
   * never set
   */
  'unresolved'?: (number | string | Long);
  'histogram'?: (_xtrace_v1_LatencyHistogram | null);
  /**
   * rx_worker_wait | rx_copy_signal | guest | tx_worker_wait | tx_build
   */
  'part'?: (string);
  '_p50_us'?: "p50_us";
  '_p90_us'?: "p90_us";
  '_p95_us'?: "p95_us";
  '_p99_us'?: "p99_us";
  '_max_us'?: "max_us";
  '_min_us'?: "min_us";
  '_mean_us'?: "mean_us";
  '_uncertainty_us'?: "uncertainty_us";
  '_unresolved'?: "unresolved";
}

/**
 * One part of a VM breakdown (report.ts VmPartReport: a SegmentReport plus its name). proto
 * has no inheritance, so Segment's fields are repeated here under the same numbers.
 */
export interface VmPart__Output {
  'from': (string);
  'to': (string);
  'from_host': (string);
  'to_host': (string);
  /**
   * host (the vhost worker's parts) | vm (the guest)
   */
  'kind': (string);
  'count': (number);
  'p50_us'?: (number);
  'p90_us'?: (number);
  'p95_us'?: (number);
  'p99_us'?: (number);
  'max_us'?: (number);
  'min_us'?: (number);
  'mean_us'?: (number);
  'lost': (number);
  'drop_reasons': ({[key: string]: number});
  /**
   * part of the breakdown's total (0..1)
   */
  'share': (number);
  /**
   * never set: a part is on one host's clock
   */
  'uncertainty_us'?: (number);
  /**
   * never set
   */
  'unresolved'?: (number);
  'histogram': (_xtrace_v1_LatencyHistogram__Output | null);
  /**
   * rx_worker_wait | rx_copy_signal | guest | tx_worker_wait | tx_build
   */
  'part': (string);
}
