// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { HistoryReport as _xtrace_v1_HistoryReport, HistoryReport__Output as _xtrace_v1_HistoryReport__Output } from '../../xtrace/v1/HistoryReport.js';
import type { Long } from '@grpc/proto-loader';

export interface HistoryRecord {
  /**
   * stream sequence
   */
  'seq'?: (number | string | Long);
  /**
   * xtrace.history.<pair>.<probe>
   */
  'subject'?: (string);
  /**
   * epoch ms
   */
  'storedAt'?: (number | string);
  'report'?: (_xtrace_v1_HistoryReport | null);
}

export interface HistoryRecord__Output {
  /**
   * stream sequence
   */
  'seq': (number);
  /**
   * xtrace.history.<pair>.<probe>
   */
  'subject': (string);
  /**
   * epoch ms
   */
  'storedAt': (number);
  'report': (_xtrace_v1_HistoryReport__Output | null);
}
