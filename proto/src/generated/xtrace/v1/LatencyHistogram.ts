// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Latencies over fixed bounds: 1 us, 2 us, 4 us, ... 4194304 us (LATENCY_BUCKET_BOUNDS_US).
 */
export interface LatencyHistogram {
  /**
   * per bucket, not cumulative; the last: above 4.19 s
   */
  'counts'?: (number | string | Long)[];
  'sum_us'?: (number | string);
}

/**
 * Latencies over fixed bounds: 1 us, 2 us, 4 us, ... 4194304 us (LATENCY_BUCKET_BOUNDS_US).
 */
export interface LatencyHistogram__Output {
  /**
   * per bucket, not cumulative; the last: above 4.19 s
   */
  'counts': (number)[];
  'sum_us': (number);
}
