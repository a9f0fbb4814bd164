// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { HistoryVmPart as _xtrace_v1_HistoryVmPart, HistoryVmPart__Output as _xtrace_v1_HistoryVmPart__Output } from '../../xtrace/v1/HistoryVmPart.js';

/**
 * An alert event as the sinks receive it (alert-evaluator.ts AlertEvent).
 */
export interface AlertEventSegment {
  'from'?: (string);
  'to'?: (string);
  /**
   * host | wire | vm
   */
  'kind'?: (string);
  /**
   * set on a VM breakdown part only
   */
  'vm_breakdown'?: (_xtrace_v1_HistoryVmPart | null);
}

/**
 * An alert event as the sinks receive it (alert-evaluator.ts AlertEvent).
 */
export interface AlertEventSegment__Output {
  'from': (string);
  'to': (string);
  /**
   * host | wire | vm
   */
  'kind': (string);
  /**
   * set on a VM breakdown part only
   */
  'vm_breakdown': (_xtrace_v1_HistoryVmPart__Output | null);
}
