// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { AlertRule as _xtrace_v1_AlertRule, AlertRule__Output as _xtrace_v1_AlertRule__Output } from '../../xtrace/v1/AlertRule.js';

export interface ListAlertRulesResponse {
  'rules'?: (_xtrace_v1_AlertRule)[];
}

export interface ListAlertRulesResponse__Output {
  'rules': (_xtrace_v1_AlertRule__Output)[];
}
