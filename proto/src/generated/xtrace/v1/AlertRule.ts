// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { PairSelector as _xtrace_v1_PairSelector, PairSelector__Output as _xtrace_v1_PairSelector__Output } from '../../xtrace/v1/PairSelector.js';
import type { AlertSink as _xtrace_v1_AlertSink, AlertSink__Output as _xtrace_v1_AlertSink__Output } from '../../xtrace/v1/AlertSink.js';

export interface AlertRule {
  'name'?: (string);
  'selector'?: (_xtrace_v1_PairSelector | null);
  /**
   * host | wire | vm | any
   */
  'segmentKind'?: (string);
  /**
   * set: a part of the VMs' breakdowns (or any) instead of segments
   */
  'vmPart'?: (string);
  /**
   * p50 | p99 | max | loss
   */
  'metric'?: (string);
  /**
   * ">"
   */
  'op'?: (string);
  /**
   * µs for latency metrics, packets for loss
   */
  'threshold'?: (number | string);
  /**
   * how long the condition must hold, as typed (30s)
   */
  'for'?: (string);
  /**
   * quiet time after a resolve (5m)
   */
  'cooldown'?: (string);
  'sinks'?: (_xtrace_v1_AlertSink)[];
  /**
   * epoch ms
   */
  'createdAt'?: (number | string);
  '_vmPart'?: "vmPart";
}

export interface AlertRule__Output {
  'name': (string);
  'selector': (_xtrace_v1_PairSelector__Output | null);
  /**
   * host | wire | vm | any
   */
  'segmentKind': (string);
  /**
   * set: a part of the VMs' breakdowns (or any) instead of segments
   */
  'vmPart'?: (string);
  /**
   * p50 | p99 | max | loss
   */
  'metric': (string);
  /**
   * ">"
   */
  'op': (string);
  /**
   * µs for latency metrics, packets for loss
   */
  'threshold': (number);
  /**
   * how long the condition must hold, as typed (30s)
   */
  'for': (string);
  /**
   * quiet time after a resolve (5m)
   */
  'cooldown': (string);
  'sinks': (_xtrace_v1_AlertSink__Output)[];
  /**
   * epoch ms
   */
  'createdAt': (number);
}
