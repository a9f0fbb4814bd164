// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { HistoryPair as _xtrace_v1_HistoryPair, HistoryPair__Output as _xtrace_v1_HistoryPair__Output } from '../../xtrace/v1/HistoryPair.js';

/**
 * Which VM pairs a schedule or rule covers (controller/src/fleet/pair-selector.ts). In requests
 * only `text` is read; responses fill every field.
 */
export interface PairSelector {
  /**
   * all-cross-host | sample:K | labels:k=v[,k=v] | SRC,DST[;SRC,DST]
   */
  'text'?: (string);
  /**
   * pairs | all-cross-host | sample | labels
   */
  'kind'?: (string);
  /**
   * kind pairs
   */
  'pairs'?: (_xtrace_v1_HistoryPair)[];
  /**
   * kind sample: K pairs per run
   */
  'sample'?: (number);
  /**
   * kind labels
   */
  'labels'?: ({[key: string]: string});
}

/**
 * Which VM pairs a schedule or rule covers (controller/src/fleet/pair-selector.ts). In requests
 * only `text` is read; responses fill every field.
 */
export interface PairSelector__Output {
  /**
   * all-cross-host | sample:K | labels:k=v[,k=v] | SRC,DST[;SRC,DST]
   */
  'text': (string);
  /**
   * pairs | all-cross-host | sample | labels
   */
  'kind': (string);
  /**
   * kind pairs
   */
  'pairs': (_xtrace_v1_HistoryPair__Output)[];
  /**
   * kind sample: K pairs per run
   */
  'sample': (number);
  /**
   * kind labels
   */
  'labels': ({[key: string]: string});
}
