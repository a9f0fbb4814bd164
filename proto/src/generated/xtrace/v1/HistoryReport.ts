// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { HistoryPair as _xtrace_v1_HistoryPair, HistoryPair__Output as _xtrace_v1_HistoryPair__Output } from '../../xtrace/v1/HistoryPair.js';
import type { HistorySegment as _xtrace_v1_HistorySegment, HistorySegment__Output as _xtrace_v1_HistorySegment__Output } from '../../xtrace/v1/HistorySegment.js';
import type { PairReport as _xtrace_v1_PairReport, PairReport__Output as _xtrace_v1_PairReport__Output } from '../../xtrace/v1/PairReport.js';

export interface HistoryReport {
  'probeId'?: (string);
  'pair'?: (_xtrace_v1_HistoryPair | null);
  /**
   * interval | summary
   */
  'kind'?: (string);
  /**
   * end of the covered interval, epoch ms
   */
  'at'?: (number | string);
  /**
   * its start
   */
  'from'?: (number | string);
  'segments'?: (_xtrace_v1_HistorySegment)[];
  /**
   * the full report as the controller produced it (absent: none stored)
   */
  'pairReport'?: (_xtrace_v1_PairReport | null);
  '_from'?: "from";
}

export interface HistoryReport__Output {
  'probeId': (string);
  'pair': (_xtrace_v1_HistoryPair__Output | null);
  /**
   * interval | summary
   */
  'kind': (string);
  /**
   * end of the covered interval, epoch ms
   */
  'at': (number);
  /**
   * its start
   */
  'from'?: (number);
  'segments': (_xtrace_v1_HistorySegment__Output)[];
  /**
   * the full report as the controller produced it (absent: none stored)
   */
  'pairReport': (_xtrace_v1_PairReport__Output | null);
}
