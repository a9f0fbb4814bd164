// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { InspectFallback as _xtrace_v1_InspectFallback, InspectFallback__Output as _xtrace_v1_InspectFallback__Output } from '../../xtrace/v1/InspectFallback.js';

export interface InspectStage {
  'stage'?: (string);
  /**
   * device | function | drop | unobservable
   */
  'kind'?: (string);
  'devices'?: (string)[];
  /**
   * the hooks it may take, best first
   */
  'candidates'?: (string)[];
  'attached'?: (boolean);
  /**
   * the hook it got ("" when none)
   */
  'hook'?: (string);
  'fallbacks'?: (_xtrace_v1_InspectFallback)[];
}

export interface InspectStage__Output {
  'stage': (string);
  /**
   * device | function | drop | unobservable
   */
  'kind': (string);
  'devices': (string)[];
  /**
   * the hooks it may take, best first
   */
  'candidates': (string)[];
  'attached': (boolean);
  /**
   * the hook it got ("" when none)
   */
  'hook': (string);
  'fallbacks': (_xtrace_v1_InspectFallback__Output)[];
}
