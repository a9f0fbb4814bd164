// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface InspectRing {
  'size_bytes'?: (number | string | Long);
  /**
   * handed to the agent since start
   */
  'records'?: (number | string | Long);
  'batches'?: (number | string | Long);
  'backpressure_pauses'?: (number | string | Long);
  /**
   * records staged per CPU in BPF (xt_batch) before the ring
   */
  'record_batching'?: (boolean);
}

export interface InspectRing__Output {
  'size_bytes': (number);
  /**
   * handed to the agent since start
   */
  'records': (number);
  'batches': (number);
  'backpressure_pauses': (number);
  /**
   * records staged per CPU in BPF (xt_batch) before the ring
   */
  'record_batching': (boolean);
}
