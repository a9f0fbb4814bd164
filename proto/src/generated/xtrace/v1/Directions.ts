// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Direction as _xtrace_v1_Direction, Direction__Output as _xtrace_v1_Direction__Output } from '../../xtrace/v1/Direction.js';

export interface Directions {
  /**
   * src -> dst
   */
  'forward'?: (_xtrace_v1_Direction | null);
  /**
   * dst -> src (replies)
   */
  'reverse'?: (_xtrace_v1_Direction | null);
}

export interface Directions__Output {
  /**
   * src -> dst
   */
  'forward': (_xtrace_v1_Direction__Output | null);
  /**
   * dst -> src (replies)
   */
  'reverse': (_xtrace_v1_Direction__Output | null);
}
