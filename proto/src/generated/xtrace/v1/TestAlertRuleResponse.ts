// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { AlertEvent as _xtrace_v1_AlertEvent, AlertEvent__Output as _xtrace_v1_AlertEvent__Output } from '../../xtrace/v1/AlertEvent.js';
import type { AlertDelivery as _xtrace_v1_AlertDelivery, AlertDelivery__Output as _xtrace_v1_AlertDelivery__Output } from '../../xtrace/v1/AlertDelivery.js';

export interface TestAlertRuleResponse {
  'event'?: (_xtrace_v1_AlertEvent | null);
  'results'?: (_xtrace_v1_AlertDelivery)[];
}

export interface TestAlertRuleResponse__Output {
  'event': (_xtrace_v1_AlertEvent__Output | null);
  'results': (_xtrace_v1_AlertDelivery__Output)[];
}
