// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { PairSelector as _xtrace_v1_PairSelector, PairSelector__Output as _xtrace_v1_PairSelector__Output } from '../../xtrace/v1/PairSelector.js';
import type { AlertSink as _xtrace_v1_AlertSink, AlertSink__Output as _xtrace_v1_AlertSink__Output } from '../../xtrace/v1/AlertSink.js';

export interface AddAlertRuleRequest {
  'name'?: (string);
  /**
   * its `text`; "": all-cross-host
   */
  'selector'?: (_xtrace_v1_PairSelector | null);
  /**
   * "": any
   */
  'segmentKind'?: (string);
  /**
   * only with segmentKind any
   */
  'vmPart'?: (string);
  'metric'?: (string);
  'threshold'?: (number | string);
  /**
   * "": 0s
   */
  'for'?: (string);
  /**
   * "": 0s
   */
  'cooldown'?: (string);
  /**
   * at least one
   */
  'sinks'?: (_xtrace_v1_AlertSink)[];
  '_vmPart'?: "vmPart";
}

export interface AddAlertRuleRequest__Output {
  'name': (string);
  /**
   * its `text`; "": all-cross-host
   */
  'selector': (_xtrace_v1_PairSelector__Output | null);
  /**
   * "": any
   */
  'segmentKind': (string);
  /**
   * only with segmentKind any
   */
  'vmPart'?: (string);
  'metric': (string);
  'threshold': (number);
  /**
   * "": 0s
   */
  'for': (string);
  /**
   * "": 0s
   */
  'cooldown': (string);
  /**
   * at least one
   */
  'sinks': (_xtrace_v1_AlertSink__Output)[];
}
