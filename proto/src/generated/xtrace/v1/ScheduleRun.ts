// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { RunPair as _xtrace_v1_RunPair, RunPair__Output as _xtrace_v1_RunPair__Output } from '../../xtrace/v1/RunPair.js';

/**
 * One scheduled run's claim (run-claim.ts RunClaim).
 */
export interface ScheduleRun {
  'schedule'?: (string);
  /**
   * epoch ms the run's slot starts
   */
  'slot'?: (number | string);
  'durationMs'?: (number | string);
  'proto'?: (string);
  /**
   * controller id
   */
  'owner'?: (string);
  'leaseMs'?: (number | string);
  'heartbeatAt'?: (number | string);
  /**
   * running | done | released
   */
  'state'?: (string);
  'startedAt'?: (number | string);
  'finishedAt'?: (number | string);
  'takeovers'?: (number);
  /**
   * false: the owner has not resolved the selector yet (no pairs)
   */
  'resolved'?: (boolean);
  'pairs'?: (_xtrace_v1_RunPair)[];
  'error'?: (string);
  '_proto'?: "proto";
  '_finishedAt'?: "finishedAt";
  '_error'?: "error";
}

/**
 * One scheduled run's claim (run-claim.ts RunClaim).
 */
export interface ScheduleRun__Output {
  'schedule': (string);
  /**
   * epoch ms the run's slot starts
   */
  'slot': (number);
  'durationMs': (number);
  'proto'?: (string);
  /**
   * controller id
   */
  'owner': (string);
  'leaseMs': (number);
  'heartbeatAt': (number);
  /**
   * running | done | released
   */
  'state': (string);
  'startedAt': (number);
  'finishedAt'?: (number);
  'takeovers': (number);
  /**
   * false: the owner has not resolved the selector yet (no pairs)
   */
  'resolved': (boolean);
  'pairs': (_xtrace_v1_RunPair__Output)[];
  'error'?: (string);
}
