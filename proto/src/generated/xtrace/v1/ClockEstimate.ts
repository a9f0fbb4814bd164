// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface ClockEstimate {
  /**
   * [a, b]: offset = clock(b) - clock(a)
   */
  'hosts'?: (string)[];
  'offset_us'?: (number | string);
  'uncertainty_us'?: (number | string);
  'samples'?: (number | string | Long);
  'min_delay_us'?: (number | string);
  /**
   * pairs | hint
   */
  'source'?: (string);
  '_min_delay_us'?: "min_delay_us";
}

export interface ClockEstimate__Output {
  /**
   * [a, b]: offset = clock(b) - clock(a)
   */
  'hosts': (string)[];
  'offset_us': (number);
  'uncertainty_us': (number);
  'samples': (number);
  'min_delay_us'?: (number);
  /**
   * pairs | hint
   */
  'source': (string);
}
