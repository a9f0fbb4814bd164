// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { LatencyHistogram as _xtrace_v1_LatencyHistogram, LatencyHistogram__Output as _xtrace_v1_LatencyHistogram__Output } from '../../xtrace/v1/LatencyHistogram.js';
import type { HistoryVmPart as _xtrace_v1_HistoryVmPart, HistoryVmPart__Output as _xtrace_v1_HistoryVmPart__Output } from '../../xtrace/v1/HistoryVmPart.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A segment as the fleet layer sees it: stage names host-qualified ("hv-a.nic_tx"). A report's
 * segments are both directions' path segments, the destination VM's turnaround and the parts of
 * the VMs' breakdowns.
 */
export interface HistorySegment {
  'from'?: (string);
  'to'?: (string);
  /**
   * host | wire | vm
   */
  'kind'?: (string);
  'count'?: (number | string | Long);
  /**
   * absent (JSON null) when unknown
   */
  'p50_us'?: (number | string);
  'p90_us'?: (number | string);
  'p99_us'?: (number | string);
  'max_us'?: (number | string);
  'lost'?: (number | string | Long);
  'drop_reasons'?: ({[key: string]: number | string | Long});
  'share'?: (number | string);
  /**
   * forward | reverse; absent on a VM's turnaround and breakdown parts
   */
  'direction'?: (string);
  'histogram'?: (_xtrace_v1_LatencyHistogram | null);
  /**
   * set on a VM breakdown part only (absent: a path segment or turnaround)
   */
  'vm_breakdown'?: (_xtrace_v1_HistoryVmPart | null);
  '_p50_us'?: "p50_us";
  '_p90_us'?: "p90_us";
  '_p99_us'?: "p99_us";
  '_max_us'?: "max_us";
  '_direction'?: "direction";
}

/**
 * A segment as the fleet layer sees it: stage names host-qualified ("hv-a.nic_tx"). A report's
 * segments are both directions' path segments, the destination VM's turnaround and the parts of
 * the VMs' breakdowns.
 */
export interface HistorySegment__Output {
  'from': (string);
  'to': (string);
  /**
   * host | wire | vm
   */
  'kind': (string);
  'count': (number);
  /**
   * absent (JSON null) when unknown
   */
  'p50_us'?: (number);
  'p90_us'?: (number);
  'p99_us'?: (number);
  'max_us'?: (number);
  'lost': (number);
  'drop_reasons': ({[key: string]: number});
  'share': (number);
  /**
   * forward | reverse; absent on a VM's turnaround and breakdown parts
   */
  'direction'?: (string);
  'histogram': (_xtrace_v1_LatencyHistogram__Output | null);
  /**
   * set on a VM breakdown part only (absent: a path segment or turnaround)
   */
  'vm_breakdown': (_xtrace_v1_HistoryVmPart__Output | null);
}
