// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { PairSelector as _xtrace_v1_PairSelector, PairSelector__Output as _xtrace_v1_PairSelector__Output } from '../../xtrace/v1/PairSelector.js';

export interface Schedule {
  'name'?: (string);
  /**
   * period between runs, as typed (5m)
   */
  'every'?: (string);
  /**
   * how long each probe runs (10s)
   */
  'duration'?: (string);
  'pairs'?: (_xtrace_v1_PairSelector | null);
  'paused'?: (boolean);
  /**
   * "": any; icmp | tcp | udp | any
   */
  'proto'?: (string);
  /**
   * epoch ms; slots are anchored here
   */
  'createdAt'?: (number | string);
}

export interface Schedule__Output {
  'name': (string);
  /**
   * period between runs, as typed (5m)
   */
  'every': (string);
  /**
   * how long each probe runs (10s)
   */
  'duration': (string);
  'pairs': (_xtrace_v1_PairSelector__Output | null);
  'paused': (boolean);
  /**
   * "": any; icmp | tcp | udp | any
   */
  'proto': (string);
  /**
   * epoch ms; slots are anchored here
   */
  'createdAt': (number);
}
