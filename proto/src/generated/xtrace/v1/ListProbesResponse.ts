// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { ProbeInfo as _xtrace_v1_ProbeInfo, ProbeInfo__Output as _xtrace_v1_ProbeInfo__Output } from '../../xtrace/v1/ProbeInfo.js';

export interface ListProbesResponse {
  'probes'?: (_xtrace_v1_ProbeInfo)[];
}

export interface ListProbesResponse__Output {
  'probes': (_xtrace_v1_ProbeInfo__Output)[];
}
