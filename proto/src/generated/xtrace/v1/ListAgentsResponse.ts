// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { AgentInfo as _xtrace_v1_AgentInfo, AgentInfo__Output as _xtrace_v1_AgentInfo__Output } from '../../xtrace/v1/AgentInfo.js';

export interface ListAgentsResponse {
  'agents'?: (_xtrace_v1_AgentInfo)[];
}

export interface ListAgentsResponse__Output {
  'agents': (_xtrace_v1_AgentInfo__Output)[];
}
