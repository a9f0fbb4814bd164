// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { HistoryPair as _xtrace_v1_HistoryPair, HistoryPair__Output as _xtrace_v1_HistoryPair__Output } from '../../xtrace/v1/HistoryPair.js';
import type { AlertEventSegment as _xtrace_v1_AlertEventSegment, AlertEventSegment__Output as _xtrace_v1_AlertEventSegment__Output } from '../../xtrace/v1/AlertEventSegment.js';

export interface AlertEvent {
  /**
   * firing | resolved
   */
  'state'?: (string);
  'rule'?: (string);
  'pair'?: (_xtrace_v1_HistoryPair | null);
  'segment'?: (_xtrace_v1_AlertEventSegment | null);
  'metric'?: (string);
  'value'?: (number | string);
  'threshold'?: (number | string);
  /**
   * epoch ms
   */
  'since'?: (number | string);
  'at'?: (number | string);
  'probeId'?: (string);
  /**
   * a synthetic event (TestAlertRule)
   */
  'test'?: (boolean);
  '_probeId'?: "probeId";
}

export interface AlertEvent__Output {
  /**
   * firing | resolved
   */
  'state': (string);
  'rule': (string);
  'pair': (_xtrace_v1_HistoryPair__Output | null);
  'segment': (_xtrace_v1_AlertEventSegment__Output | null);
  'metric': (string);
  'value': (number);
  'threshold': (number);
  /**
   * epoch ms
   */
  'since': (number);
  'at': (number);
  'probeId'?: (string);
  /**
   * a synthetic event (TestAlertRule)
   */
  'test': (boolean);
}
