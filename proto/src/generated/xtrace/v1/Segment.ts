// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { LatencyHistogram as _xtrace_v1_LatencyHistogram, LatencyHistogram__Output as _xtrace_v1_LatencyHistogram__Output } from '../../xtrace/v1/LatencyHistogram.js';
import type { Long } from '@grpc/proto-loader';

export interface Segment {
  /**
   * stage name, e.g. "tap_rx"
   */
  'from'?: (string);
  'to'?: (string);
  'from_host'?: (string);
  'to_host'?: (string);
  /**
   * host | wire | vm
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
  /**
   * seen at `from`, never at `to` within the timeout
   */
  'lost'?: (number | string | Long);
  'drop_reasons'?: ({[key: string]: number | string | Long});
  /**
   * part of the direction's summed latency (0..1)
   */
  'share'?: (number | string);
  /**
   * wire only: +- from the clock offset estimate
   */
  'uncertainty_us'?: (number | string);
  /**
   * wire only: crossings without a clock estimate yet
   */
  'unresolved'?: (number | string | Long);
  /**
   * the latencies behind the quantiles (null: none)
   */
  'histogram'?: (_xtrace_v1_LatencyHistogram | null);
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

export interface Segment__Output {
  /**
   * stage name, e.g. "tap_rx"
   */
  'from': (string);
  'to': (string);
  'from_host': (string);
  'to_host': (string);
  /**
   * host | wire | vm
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
  /**
   * seen at `from`, never at `to` within the timeout
   */
  'lost': (number);
  'drop_reasons': ({[key: string]: number});
  /**
   * part of the direction's summed latency (0..1)
   */
  'share': (number);
  /**
   * wire only: +- from the clock offset estimate
   */
  'uncertainty_us'?: (number);
  /**
   * wire only: crossings without a clock estimate yet
   */
  'unresolved'?: (number);
  /**
   * the latencies behind the quantiles (null: none)
   */
  'histogram': (_xtrace_v1_LatencyHistogram__Output | null);
}
