// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { AgentInspection as _xtrace_v1_AgentInspection, AgentInspection__Output as _xtrace_v1_AgentInspection__Output } from '../../xtrace/v1/AgentInspection.js';

export interface InspectAgentsResponse {
  'agents'?: (_xtrace_v1_AgentInspection)[];
}

export interface InspectAgentsResponse__Output {
  'agents': (_xtrace_v1_AgentInspection__Output)[];
}
