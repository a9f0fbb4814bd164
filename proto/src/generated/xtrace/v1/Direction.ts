// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Segment as _xtrace_v1_Segment, Segment__Output as _xtrace_v1_Segment__Output } from '../../xtrace/v1/Segment.js';
import type { Total as _xtrace_v1_Total, Total__Output as _xtrace_v1_Total__Output } from '../../xtrace/v1/Total.js';
import type { Long } from '@grpc/proto-loader';

export interface Direction {
  /**
   * crossing order
   */
  'hosts'?: (string)[];
  'packets'?: (number | string | Long);
  'lost'?: (number | string | Long);
  'segments'?: (_xtrace_v1_Segment)[];
  'total'?: (_xtrace_v1_Total | null);
  '_total'?: "total";
}

export interface Direction__Output {
  /**
   * crossing order
   */
  'hosts': (string)[];
  'packets': (number);
  'lost': (number);
  'segments': (_xtrace_v1_Segment__Output)[];
  'total'?: (_xtrace_v1_Total__Output | null);
}
