// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentInfo as _xtrace_v1_AgentInfo, AgentInfo__Output as _xtrace_v1_AgentInfo__Output } from './xtrace/v1/AgentInfo.js';
import type { AgentVm as _xtrace_v1_AgentVm, AgentVm__Output as _xtrace_v1_AgentVm__Output } from './xtrace/v1/AgentVm.js';
import type { ClockEstimate as _xtrace_v1_ClockEstimate, ClockEstimate__Output as _xtrace_v1_ClockEstimate__Output } from './xtrace/v1/ClockEstimate.js';
import type { Direction as _xtrace_v1_Direction, Direction__Output as _xtrace_v1_Direction__Output } from './xtrace/v1/Direction.js';
import type { Directions as _xtrace_v1_Directions, Directions__Output as _xtrace_v1_Directions__Output } from './xtrace/v1/Directions.js';
import type { DropSite as _xtrace_v1_DropSite, DropSite__Output as _xtrace_v1_DropSite__Output } from './xtrace/v1/DropSite.js';
import type { HistoryPair as _xtrace_v1_HistoryPair, HistoryPair__Output as _xtrace_v1_HistoryPair__Output } from './xtrace/v1/HistoryPair.js';
import type { HistoryRecord as _xtrace_v1_HistoryRecord, HistoryRecord__Output as _xtrace_v1_HistoryRecord__Output } from './xtrace/v1/HistoryRecord.js';
import type { HistoryReport as _xtrace_v1_HistoryReport, HistoryReport__Output as _xtrace_v1_HistoryReport__Output } from './xtrace/v1/HistoryReport.js';
import type { HistoryRequest as _xtrace_v1_HistoryRequest, HistoryRequest__Output as _xtrace_v1_HistoryRequest__Output } from './xtrace/v1/HistoryRequest.js';
import type { HistorySegment as _xtrace_v1_HistorySegment, HistorySegment__Output as _xtrace_v1_HistorySegment__Output } from './xtrace/v1/HistorySegment.js';
import type { HistoryVmPart as _xtrace_v1_HistoryVmPart, HistoryVmPart__Output as _xtrace_v1_HistoryVmPart__Output } from './xtrace/v1/HistoryVmPart.js';
import type { HostAccounting as _xtrace_v1_HostAccounting, HostAccounting__Output as _xtrace_v1_HostAccounting__Output } from './xtrace/v1/HostAccounting.js';
import type { Interval as _xtrace_v1_Interval, Interval__Output as _xtrace_v1_Interval__Output } from './xtrace/v1/Interval.js';
import type { LatencyHistogram as _xtrace_v1_LatencyHistogram, LatencyHistogram__Output as _xtrace_v1_LatencyHistogram__Output } from './xtrace/v1/LatencyHistogram.js';
import type { ListAgentsRequest as _xtrace_v1_ListAgentsRequest, ListAgentsRequest__Output as _xtrace_v1_ListAgentsRequest__Output } from './xtrace/v1/ListAgentsRequest.js';
import type { ListAgentsResponse as _xtrace_v1_ListAgentsResponse, ListAgentsResponse__Output as _xtrace_v1_ListAgentsResponse__Output } from './xtrace/v1/ListAgentsResponse.js';
import type { ListProbesRequest as _xtrace_v1_ListProbesRequest, ListProbesRequest__Output as _xtrace_v1_ListProbesRequest__Output } from './xtrace/v1/ListProbesRequest.js';
import type { ListProbesResponse as _xtrace_v1_ListProbesResponse, ListProbesResponse__Output as _xtrace_v1_ListProbesResponse__Output } from './xtrace/v1/ListProbesResponse.js';
import type { PairProbeEvent as _xtrace_v1_PairProbeEvent, PairProbeEvent__Output as _xtrace_v1_PairProbeEvent__Output } from './xtrace/v1/PairProbeEvent.js';
import type { PairReport as _xtrace_v1_PairReport, PairReport__Output as _xtrace_v1_PairReport__Output } from './xtrace/v1/PairReport.js';
import type { ProbeInfo as _xtrace_v1_ProbeInfo, ProbeInfo__Output as _xtrace_v1_ProbeInfo__Output } from './xtrace/v1/ProbeInfo.js';
import type { Segment as _xtrace_v1_Segment, Segment__Output as _xtrace_v1_Segment__Output } from './xtrace/v1/Segment.js';
import type { Stall as _xtrace_v1_Stall, Stall__Output as _xtrace_v1_Stall__Output } from './xtrace/v1/Stall.js';
import type { StartPairProbeRequest as _xtrace_v1_StartPairProbeRequest, StartPairProbeRequest__Output as _xtrace_v1_StartPairProbeRequest__Output } from './xtrace/v1/StartPairProbeRequest.js';
import type { StopProbeRequest as _xtrace_v1_StopProbeRequest, StopProbeRequest__Output as _xtrace_v1_StopProbeRequest__Output } from './xtrace/v1/StopProbeRequest.js';
import type { Total as _xtrace_v1_Total, Total__Output as _xtrace_v1_Total__Output } from './xtrace/v1/Total.js';
import type { VmBreakdown as _xtrace_v1_VmBreakdown, VmBreakdown__Output as _xtrace_v1_VmBreakdown__Output } from './xtrace/v1/VmBreakdown.js';
import type { VmPart as _xtrace_v1_VmPart, VmPart__Output as _xtrace_v1_VmPart__Output } from './xtrace/v1/VmPart.js';
import type { WatchProbeRequest as _xtrace_v1_WatchProbeRequest, WatchProbeRequest__Output as _xtrace_v1_WatchProbeRequest__Output } from './xtrace/v1/WatchProbeRequest.js';
import type { XtraceClient as _xtrace_v1_XtraceClient, XtraceDefinition as _xtrace_v1_XtraceDefinition } from './xtrace/v1/Xtrace.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  xtrace: {
    v1: {
      AgentInfo: MessageTypeDefinition<_xtrace_v1_AgentInfo, _xtrace_v1_AgentInfo__Output>
      AgentVm: MessageTypeDefinition<_xtrace_v1_AgentVm, _xtrace_v1_AgentVm__Output>
      ClockEstimate: MessageTypeDefinition<_xtrace_v1_ClockEstimate, _xtrace_v1_ClockEstimate__Output>
      Direction: MessageTypeDefinition<_xtrace_v1_Direction, _xtrace_v1_Direction__Output>
      Directions: MessageTypeDefinition<_xtrace_v1_Directions, _xtrace_v1_Directions__Output>
      DropSite: MessageTypeDefinition<_xtrace_v1_DropSite, _xtrace_v1_DropSite__Output>
      HistoryPair: MessageTypeDefinition<_xtrace_v1_HistoryPair, _xtrace_v1_HistoryPair__Output>
      HistoryRecord: MessageTypeDefinition<_xtrace_v1_HistoryRecord, _xtrace_v1_HistoryRecord__Output>
      HistoryReport: MessageTypeDefinition<_xtrace_v1_HistoryReport, _xtrace_v1_HistoryReport__Output>
      HistoryRequest: MessageTypeDefinition<_xtrace_v1_HistoryRequest, _xtrace_v1_HistoryRequest__Output>
      HistorySegment: MessageTypeDefinition<_xtrace_v1_HistorySegment, _xtrace_v1_HistorySegment__Output>
      HistoryVmPart: MessageTypeDefinition<_xtrace_v1_HistoryVmPart, _xtrace_v1_HistoryVmPart__Output>
      HostAccounting: MessageTypeDefinition<_xtrace_v1_HostAccounting, _xtrace_v1_HostAccounting__Output>
      Interval: MessageTypeDefinition<_xtrace_v1_Interval, _xtrace_v1_Interval__Output>
      LatencyHistogram: MessageTypeDefinition<_xtrace_v1_LatencyHistogram, _xtrace_v1_LatencyHistogram__Output>
      ListAgentsRequest: MessageTypeDefinition<_xtrace_v1_ListAgentsRequest, _xtrace_v1_ListAgentsRequest__Output>
      ListAgentsResponse: MessageTypeDefinition<_xtrace_v1_ListAgentsResponse, _xtrace_v1_ListAgentsResponse__Output>
      ListProbesRequest: MessageTypeDefinition<_xtrace_v1_ListProbesRequest, _xtrace_v1_ListProbesRequest__Output>
      ListProbesResponse: MessageTypeDefinition<_xtrace_v1_ListProbesResponse, _xtrace_v1_ListProbesResponse__Output>
      PairProbeEvent: MessageTypeDefinition<_xtrace_v1_PairProbeEvent, _xtrace_v1_PairProbeEvent__Output>
      PairReport: MessageTypeDefinition<_xtrace_v1_PairReport, _xtrace_v1_PairReport__Output>
      ProbeInfo: MessageTypeDefinition<_xtrace_v1_ProbeInfo, _xtrace_v1_ProbeInfo__Output>
      Segment: MessageTypeDefinition<_xtrace_v1_Segment, _xtrace_v1_Segment__Output>
      Stall: MessageTypeDefinition<_xtrace_v1_Stall, _xtrace_v1_Stall__Output>
      StartPairProbeRequest: MessageTypeDefinition<_xtrace_v1_StartPairProbeRequest, _xtrace_v1_StartPairProbeRequest__Output>
      StopProbeRequest: MessageTypeDefinition<_xtrace_v1_StopProbeRequest, _xtrace_v1_StopProbeRequest__Output>
      Total: MessageTypeDefinition<_xtrace_v1_Total, _xtrace_v1_Total__Output>
      VmBreakdown: MessageTypeDefinition<_xtrace_v1_VmBreakdown, _xtrace_v1_VmBreakdown__Output>
      VmPart: MessageTypeDefinition<_xtrace_v1_VmPart, _xtrace_v1_VmPart__Output>
      WatchProbeRequest: MessageTypeDefinition<_xtrace_v1_WatchProbeRequest, _xtrace_v1_WatchProbeRequest__Output>
      Xtrace: SubtypeConstructor<typeof grpc.Client, _xtrace_v1_XtraceClient> & { service: _xtrace_v1_XtraceDefinition }
    }
  }
}

