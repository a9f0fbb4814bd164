// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Segment as _xtrace_v1_Segment, Segment__Output as _xtrace_v1_Segment__Output } from '../../xtrace/v1/Segment.js';
import type { VmPart as _xtrace_v1_VmPart, VmPart__Output as _xtrace_v1_VmPart__Output } from '../../xtrace/v1/VmPart.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Where one VM's time goes, on its hypervisor's clock (report.ts VmBreakdownReport).
 */
export interface VmBreakdown {
  /**
   * the VM's hypervisor
   */
  'host'?: (string);
  /**
   * destination (answers the requests) | source (sends them)
   */
  'role'?: (string);
  /**
   * exchanges (destination) or request packets (source) broken down
   */
  'count'?: (number | string | Long);
  /**
   * what the parts add up to
   */
  'total'?: (_xtrace_v1_Segment | null);
  /**
   * path order
   */
  'parts'?: (_xtrace_v1_VmPart)[];
  /**
   * not broken down, by reason: no_interrupt | no_vhost | out_of_order
   */
  'incomplete'?: ({[key: string]: number | string | Long});
  /**
   * the VM's name ("" when unknown)
   */
  'vm'?: (string);
}

/**
 * Where one VM's time goes, on its hypervisor's clock (report.ts VmBreakdownReport).
 */
export interface VmBreakdown__Output {
  /**
   * the VM's hypervisor
   */
  'host': (string);
  /**
   * destination (answers the requests) | source (sends them)
   */
  'role': (string);
  /**
   * exchanges (destination) or request packets (source) broken down
   */
  'count': (number);
  /**
   * what the parts add up to
   */
  'total': (_xtrace_v1_Segment__Output | null);
  /**
   * path order
   */
  'parts': (_xtrace_v1_VmPart__Output)[];
  /**
   * not broken down, by reason: no_interrupt | no_vhost | out_of_order
   */
  'incomplete': ({[key: string]: number});
  /**
   * the VM's name ("" when unknown)
   */
  'vm': (string);
}
