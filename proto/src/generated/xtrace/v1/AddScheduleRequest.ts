// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { PairSelector as _xtrace_v1_PairSelector, PairSelector__Output as _xtrace_v1_PairSelector__Output } from '../../xtrace/v1/PairSelector.js';

export interface AddScheduleRequest {
  /**
   * 1-64 of A-Z a-z 0-9 _ -
   */
  'name'?: (string);
  /**
   * 1s .. 24h
   */
  'every'?: (string);
  /**
   * > 0, at most `every`
   */
  'duration'?: (string);
  /**
   * its `text`
   */
  'pairs'?: (_xtrace_v1_PairSelector | null);
  /**
   * "": any
   */
  'proto'?: (string);
  /**
   * create it paused
   */
  'paused'?: (boolean);
}

export interface AddScheduleRequest__Output {
  /**
   * 1-64 of A-Z a-z 0-9 _ -
   */
  'name': (string);
  /**
   * 1s .. 24h
   */
  'every': (string);
  /**
   * > 0, at most `every`
   */
  'duration': (string);
  /**
   * its `text`
   */
  'pairs': (_xtrace_v1_PairSelector__Output | null);
  /**
   * "": any
   */
  'proto': (string);
  /**
   * create it paused
   */
  'paused': (boolean);
}
