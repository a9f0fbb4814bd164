// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Schedule as _xtrace_v1_Schedule, Schedule__Output as _xtrace_v1_Schedule__Output } from '../../xtrace/v1/Schedule.js';

export interface ListSchedulesResponse {
  'schedules'?: (_xtrace_v1_Schedule)[];
}

export interface ListSchedulesResponse__Output {
  'schedules': (_xtrace_v1_Schedule__Output)[];
}
