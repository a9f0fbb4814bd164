// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Interval as _xtrace_v1_Interval, Interval__Output as _xtrace_v1_Interval__Output } from '../../xtrace/v1/Interval.js';
import type { Directions as _xtrace_v1_Directions, Directions__Output as _xtrace_v1_Directions__Output } from '../../xtrace/v1/Directions.js';
import type { Segment as _xtrace_v1_Segment, Segment__Output as _xtrace_v1_Segment__Output } from '../../xtrace/v1/Segment.js';
import type { ClockEstimate as _xtrace_v1_ClockEstimate, ClockEstimate__Output as _xtrace_v1_ClockEstimate__Output } from '../../xtrace/v1/ClockEstimate.js';
import type { Stall as _xtrace_v1_Stall, Stall__Output as _xtrace_v1_Stall__Output } from '../../xtrace/v1/Stall.js';
import type { DropSite as _xtrace_v1_DropSite, DropSite__Output as _xtrace_v1_DropSite__Output } from '../../xtrace/v1/DropSite.js';
import type { HostAccounting as _xtrace_v1_HostAccounting, HostAccounting__Output as _xtrace_v1_HostAccounting__Output } from '../../xtrace/v1/HostAccounting.js';
import type { VmBreakdown as _xtrace_v1_VmBreakdown, VmBreakdown__Output as _xtrace_v1_VmBreakdown__Output } from '../../xtrace/v1/VmBreakdown.js';
import type { Long } from '@grpc/proto-loader';

export interface PairReport {
  /**
   * "xtrace.pair/v2"
   */
  'schema'?: (string);
  'probe_id'?: (string);
  'src'?: (string);
  'dst'?: (string);
  'proto'?: (string);
  /**
   * report number, from 1
   */
  'seq'?: (number);
  /**
   * the summary over the whole probe
   */
  'final'?: (boolean);
  'state'?: (string);
  'started_at_ms'?: (number | string | Long);
  'elapsed_ms'?: (number | string | Long);
  /**
   * no matching packet (so far)
   */
  'no_traffic'?: (boolean);
  /**
   * why it ended, warnings
   */
  'message'?: (string);
  /**
   * human rendering of this report
   */
  'table'?: (string);
  'interval'?: (_xtrace_v1_Interval | null);
  'directions'?: (_xtrace_v1_Directions | null);
  'vm_turnaround'?: (_xtrace_v1_Segment)[];
  'round_trip'?: (_xtrace_v1_Segment)[];
  'clock'?: (_xtrace_v1_ClockEstimate)[];
  'stalls'?: (_xtrace_v1_Stall)[];
  'drop_sites'?: (_xtrace_v1_DropSite)[];
  /**
   * the matcher's AnalysisCounters
   */
  'counters'?: ({[key: string]: number | string});
  'hosts'?: (_xtrace_v1_HostAccounting)[];
  /**
   * the VMs' parts (vhost worker, interrupt, guest); empty without vhost stages
   */
  'vm_breakdown'?: (_xtrace_v1_VmBreakdown)[];
  /**
   * the VMs' names ("" when no agent knows one)
   */
  'src_vm'?: (string);
  'dst_vm'?: (string);
}

export interface PairReport__Output {
  /**
   * "xtrace.pair/v2"
   */
  'schema': (string);
  'probe_id': (string);
  'src': (string);
  'dst': (string);
  'proto': (string);
  /**
   * report number, from 1
   */
  'seq': (number);
  /**
   * the summary over the whole probe
   */
  'final': (boolean);
  'state': (string);
  'started_at_ms': (number);
  'elapsed_ms': (number);
  /**
   * no matching packet (so far)
   */
  'no_traffic': (boolean);
  /**
   * why it ended, warnings
   */
  'message': (string);
  /**
   * human rendering of this report
   */
  'table': (string);
  'interval': (_xtrace_v1_Interval__Output | null);
  'directions': (_xtrace_v1_Directions__Output | null);
  'vm_turnaround': (_xtrace_v1_Segment__Output)[];
  'round_trip': (_xtrace_v1_Segment__Output)[];
  'clock': (_xtrace_v1_ClockEstimate__Output)[];
  'stalls': (_xtrace_v1_Stall__Output)[];
  'drop_sites': (_xtrace_v1_DropSite__Output)[];
  /**
   * the matcher's AnalysisCounters
   */
  'counters': ({[key: string]: number});
  'hosts': (_xtrace_v1_HostAccounting__Output)[];
  /**
   * the VMs' parts (vhost worker, interrupt, guest); empty without vhost stages
   */
  'vm_breakdown': (_xtrace_v1_VmBreakdown__Output)[];
  /**
   * the VMs' names ("" when no agent knows one)
   */
  'src_vm': (string);
  'dst_vm': (string);
}
