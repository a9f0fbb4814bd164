// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Schedule as _xtrace_v1_Schedule, Schedule__Output as _xtrace_v1_Schedule__Output } from '../../xtrace/v1/Schedule.js';
import type { ScheduleRun as _xtrace_v1_ScheduleRun, ScheduleRun__Output as _xtrace_v1_ScheduleRun__Output } from '../../xtrace/v1/ScheduleRun.js';

export interface GetScheduleResponse {
  'schedule'?: (_xtrace_v1_Schedule | null);
  /**
   * newest first
   */
  'runs'?: (_xtrace_v1_ScheduleRun)[];
}

export interface GetScheduleResponse__Output {
  'schedule': (_xtrace_v1_Schedule__Output | null);
  /**
   * newest first
   */
  'runs': (_xtrace_v1_ScheduleRun__Output)[];
}
