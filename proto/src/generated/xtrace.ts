// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddAlertRuleRequest as _xtrace_v1_AddAlertRuleRequest, AddAlertRuleRequest__Output as _xtrace_v1_AddAlertRuleRequest__Output } from './xtrace/v1/AddAlertRuleRequest.js';
import type { AddScheduleRequest as _xtrace_v1_AddScheduleRequest, AddScheduleRequest__Output as _xtrace_v1_AddScheduleRequest__Output } from './xtrace/v1/AddScheduleRequest.js';
import type { AgentInfo as _xtrace_v1_AgentInfo, AgentInfo__Output as _xtrace_v1_AgentInfo__Output } from './xtrace/v1/AgentInfo.js';
import type { AgentInspection as _xtrace_v1_AgentInspection, AgentInspection__Output as _xtrace_v1_AgentInspection__Output } from './xtrace/v1/AgentInspection.js';
import type { AgentVm as _xtrace_v1_AgentVm, AgentVm__Output as _xtrace_v1_AgentVm__Output } from './xtrace/v1/AgentVm.js';
import type { AlertDelivery as _xtrace_v1_AlertDelivery, AlertDelivery__Output as _xtrace_v1_AlertDelivery__Output } from './xtrace/v1/AlertDelivery.js';
import type { AlertEvent as _xtrace_v1_AlertEvent, AlertEvent__Output as _xtrace_v1_AlertEvent__Output } from './xtrace/v1/AlertEvent.js';
import type { AlertEventSegment as _xtrace_v1_AlertEventSegment, AlertEventSegment__Output as _xtrace_v1_AlertEventSegment__Output } from './xtrace/v1/AlertEventSegment.js';
import type { AlertRule as _xtrace_v1_AlertRule, AlertRule__Output as _xtrace_v1_AlertRule__Output } from './xtrace/v1/AlertRule.js';
import type { AlertRulesClient as _xtrace_v1_AlertRulesClient, AlertRulesDefinition as _xtrace_v1_AlertRulesDefinition } from './xtrace/v1/AlertRules.js';
import type { AlertSink as _xtrace_v1_AlertSink, AlertSink__Output as _xtrace_v1_AlertSink__Output } from './xtrace/v1/AlertSink.js';
import type { ClockEstimate as _xtrace_v1_ClockEstimate, ClockEstimate__Output as _xtrace_v1_ClockEstimate__Output } from './xtrace/v1/ClockEstimate.js';
import type { Direction as _xtrace_v1_Direction, Direction__Output as _xtrace_v1_Direction__Output } from './xtrace/v1/Direction.js';
import type { Directions as _xtrace_v1_Directions, Directions__Output as _xtrace_v1_Directions__Output } from './xtrace/v1/Directions.js';
import type { DropSite as _xtrace_v1_DropSite, DropSite__Output as _xtrace_v1_DropSite__Output } from './xtrace/v1/DropSite.js';
import type { GetAlertRuleRequest as _xtrace_v1_GetAlertRuleRequest, GetAlertRuleRequest__Output as _xtrace_v1_GetAlertRuleRequest__Output } from './xtrace/v1/GetAlertRuleRequest.js';
import type { GetScheduleRequest as _xtrace_v1_GetScheduleRequest, GetScheduleRequest__Output as _xtrace_v1_GetScheduleRequest__Output } from './xtrace/v1/GetScheduleRequest.js';
import type { GetScheduleResponse as _xtrace_v1_GetScheduleResponse, GetScheduleResponse__Output as _xtrace_v1_GetScheduleResponse__Output } from './xtrace/v1/GetScheduleResponse.js';
import type { HistoryPair as _xtrace_v1_HistoryPair, HistoryPair__Output as _xtrace_v1_HistoryPair__Output } from './xtrace/v1/HistoryPair.js';
import type { HistoryRecord as _xtrace_v1_HistoryRecord, HistoryRecord__Output as _xtrace_v1_HistoryRecord__Output } from './xtrace/v1/HistoryRecord.js';
import type { HistoryReport as _xtrace_v1_HistoryReport, HistoryReport__Output as _xtrace_v1_HistoryReport__Output } from './xtrace/v1/HistoryReport.js';
import type { HistoryRequest as _xtrace_v1_HistoryRequest, HistoryRequest__Output as _xtrace_v1_HistoryRequest__Output } from './xtrace/v1/HistoryRequest.js';
import type { HistorySegment as _xtrace_v1_HistorySegment, HistorySegment__Output as _xtrace_v1_HistorySegment__Output } from './xtrace/v1/HistorySegment.js';
import type { HistoryVmPart as _xtrace_v1_HistoryVmPart, HistoryVmPart__Output as _xtrace_v1_HistoryVmPart__Output } from './xtrace/v1/HistoryVmPart.js';
import type { HostAccounting as _xtrace_v1_HostAccounting, HostAccounting__Output as _xtrace_v1_HostAccounting__Output } from './xtrace/v1/HostAccounting.js';
import type { InspectAgentsRequest as _xtrace_v1_InspectAgentsRequest, InspectAgentsRequest__Output as _xtrace_v1_InspectAgentsRequest__Output } from './xtrace/v1/InspectAgentsRequest.js';
import type { InspectAgentsResponse as _xtrace_v1_InspectAgentsResponse, InspectAgentsResponse__Output as _xtrace_v1_InspectAgentsResponse__Output } from './xtrace/v1/InspectAgentsResponse.js';
import type { InspectFallback as _xtrace_v1_InspectFallback, InspectFallback__Output as _xtrace_v1_InspectFallback__Output } from './xtrace/v1/InspectFallback.js';
import type { InspectLink as _xtrace_v1_InspectLink, InspectLink__Output as _xtrace_v1_InspectLink__Output } from './xtrace/v1/InspectLink.js';
import type { InspectMap as _xtrace_v1_InspectMap, InspectMap__Output as _xtrace_v1_InspectMap__Output } from './xtrace/v1/InspectMap.js';
import type { InspectProgram as _xtrace_v1_InspectProgram, InspectProgram__Output as _xtrace_v1_InspectProgram__Output } from './xtrace/v1/InspectProgram.js';
import type { InspectRing as _xtrace_v1_InspectRing, InspectRing__Output as _xtrace_v1_InspectRing__Output } from './xtrace/v1/InspectRing.js';
import type { InspectStage as _xtrace_v1_InspectStage, InspectStage__Output as _xtrace_v1_InspectStage__Output } from './xtrace/v1/InspectStage.js';
import type { Interval as _xtrace_v1_Interval, Interval__Output as _xtrace_v1_Interval__Output } from './xtrace/v1/Interval.js';
import type { LatencyHistogram as _xtrace_v1_LatencyHistogram, LatencyHistogram__Output as _xtrace_v1_LatencyHistogram__Output } from './xtrace/v1/LatencyHistogram.js';
import type { ListAgentsRequest as _xtrace_v1_ListAgentsRequest, ListAgentsRequest__Output as _xtrace_v1_ListAgentsRequest__Output } from './xtrace/v1/ListAgentsRequest.js';
import type { ListAgentsResponse as _xtrace_v1_ListAgentsResponse, ListAgentsResponse__Output as _xtrace_v1_ListAgentsResponse__Output } from './xtrace/v1/ListAgentsResponse.js';
import type { ListAlertRulesRequest as _xtrace_v1_ListAlertRulesRequest, ListAlertRulesRequest__Output as _xtrace_v1_ListAlertRulesRequest__Output } from './xtrace/v1/ListAlertRulesRequest.js';
import type { ListAlertRulesResponse as _xtrace_v1_ListAlertRulesResponse, ListAlertRulesResponse__Output as _xtrace_v1_ListAlertRulesResponse__Output } from './xtrace/v1/ListAlertRulesResponse.js';
import type { ListProbesRequest as _xtrace_v1_ListProbesRequest, ListProbesRequest__Output as _xtrace_v1_ListProbesRequest__Output } from './xtrace/v1/ListProbesRequest.js';
import type { ListProbesResponse as _xtrace_v1_ListProbesResponse, ListProbesResponse__Output as _xtrace_v1_ListProbesResponse__Output } from './xtrace/v1/ListProbesResponse.js';
import type { ListSchedulesRequest as _xtrace_v1_ListSchedulesRequest, ListSchedulesRequest__Output as _xtrace_v1_ListSchedulesRequest__Output } from './xtrace/v1/ListSchedulesRequest.js';
import type { ListSchedulesResponse as _xtrace_v1_ListSchedulesResponse, ListSchedulesResponse__Output as _xtrace_v1_ListSchedulesResponse__Output } from './xtrace/v1/ListSchedulesResponse.js';
import type { PairProbeEvent as _xtrace_v1_PairProbeEvent, PairProbeEvent__Output as _xtrace_v1_PairProbeEvent__Output } from './xtrace/v1/PairProbeEvent.js';
import type { PairReport as _xtrace_v1_PairReport, PairReport__Output as _xtrace_v1_PairReport__Output } from './xtrace/v1/PairReport.js';
import type { PairSelector as _xtrace_v1_PairSelector, PairSelector__Output as _xtrace_v1_PairSelector__Output } from './xtrace/v1/PairSelector.js';
import type { PcapFile as _xtrace_v1_PcapFile, PcapFile__Output as _xtrace_v1_PcapFile__Output } from './xtrace/v1/PcapFile.js';
import type { ProbeInfo as _xtrace_v1_ProbeInfo, ProbeInfo__Output as _xtrace_v1_ProbeInfo__Output } from './xtrace/v1/ProbeInfo.js';
import type { RemoveAlertRuleRequest as _xtrace_v1_RemoveAlertRuleRequest, RemoveAlertRuleRequest__Output as _xtrace_v1_RemoveAlertRuleRequest__Output } from './xtrace/v1/RemoveAlertRuleRequest.js';
import type { RemoveAlertRuleResponse as _xtrace_v1_RemoveAlertRuleResponse, RemoveAlertRuleResponse__Output as _xtrace_v1_RemoveAlertRuleResponse__Output } from './xtrace/v1/RemoveAlertRuleResponse.js';
import type { RemoveScheduleRequest as _xtrace_v1_RemoveScheduleRequest, RemoveScheduleRequest__Output as _xtrace_v1_RemoveScheduleRequest__Output } from './xtrace/v1/RemoveScheduleRequest.js';
import type { RemoveScheduleResponse as _xtrace_v1_RemoveScheduleResponse, RemoveScheduleResponse__Output as _xtrace_v1_RemoveScheduleResponse__Output } from './xtrace/v1/RemoveScheduleResponse.js';
import type { RunPair as _xtrace_v1_RunPair, RunPair__Output as _xtrace_v1_RunPair__Output } from './xtrace/v1/RunPair.js';
import type { Schedule as _xtrace_v1_Schedule, Schedule__Output as _xtrace_v1_Schedule__Output } from './xtrace/v1/Schedule.js';
import type { ScheduleRun as _xtrace_v1_ScheduleRun, ScheduleRun__Output as _xtrace_v1_ScheduleRun__Output } from './xtrace/v1/ScheduleRun.js';
import type { SchedulesClient as _xtrace_v1_SchedulesClient, SchedulesDefinition as _xtrace_v1_SchedulesDefinition } from './xtrace/v1/Schedules.js';
import type { Segment as _xtrace_v1_Segment, Segment__Output as _xtrace_v1_Segment__Output } from './xtrace/v1/Segment.js';
import type { SetSchedulePausedRequest as _xtrace_v1_SetSchedulePausedRequest, SetSchedulePausedRequest__Output as _xtrace_v1_SetSchedulePausedRequest__Output } from './xtrace/v1/SetSchedulePausedRequest.js';
import type { Stall as _xtrace_v1_Stall, Stall__Output as _xtrace_v1_Stall__Output } from './xtrace/v1/Stall.js';
import type { StartPairProbeRequest as _xtrace_v1_StartPairProbeRequest, StartPairProbeRequest__Output as _xtrace_v1_StartPairProbeRequest__Output } from './xtrace/v1/StartPairProbeRequest.js';
import type { StopProbeRequest as _xtrace_v1_StopProbeRequest, StopProbeRequest__Output as _xtrace_v1_StopProbeRequest__Output } from './xtrace/v1/StopProbeRequest.js';
import type { TestAlertRuleRequest as _xtrace_v1_TestAlertRuleRequest, TestAlertRuleRequest__Output as _xtrace_v1_TestAlertRuleRequest__Output } from './xtrace/v1/TestAlertRuleRequest.js';
import type { TestAlertRuleResponse as _xtrace_v1_TestAlertRuleResponse, TestAlertRuleResponse__Output as _xtrace_v1_TestAlertRuleResponse__Output } from './xtrace/v1/TestAlertRuleResponse.js';
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
      AddAlertRuleRequest: MessageTypeDefinition<_xtrace_v1_AddAlertRuleRequest, _xtrace_v1_AddAlertRuleRequest__Output>
      AddScheduleRequest: MessageTypeDefinition<_xtrace_v1_AddScheduleRequest, _xtrace_v1_AddScheduleRequest__Output>
      AgentInfo: MessageTypeDefinition<_xtrace_v1_AgentInfo, _xtrace_v1_AgentInfo__Output>
      AgentInspection: MessageTypeDefinition<_xtrace_v1_AgentInspection, _xtrace_v1_AgentInspection__Output>
      AgentVm: MessageTypeDefinition<_xtrace_v1_AgentVm, _xtrace_v1_AgentVm__Output>
      AlertDelivery: MessageTypeDefinition<_xtrace_v1_AlertDelivery, _xtrace_v1_AlertDelivery__Output>
      AlertEvent: MessageTypeDefinition<_xtrace_v1_AlertEvent, _xtrace_v1_AlertEvent__Output>
      AlertEventSegment: MessageTypeDefinition<_xtrace_v1_AlertEventSegment, _xtrace_v1_AlertEventSegment__Output>
      AlertRule: MessageTypeDefinition<_xtrace_v1_AlertRule, _xtrace_v1_AlertRule__Output>
      AlertRules: SubtypeConstructor<typeof grpc.Client, _xtrace_v1_AlertRulesClient> & { service: _xtrace_v1_AlertRulesDefinition }
      AlertSink: MessageTypeDefinition<_xtrace_v1_AlertSink, _xtrace_v1_AlertSink__Output>
      ClockEstimate: MessageTypeDefinition<_xtrace_v1_ClockEstimate, _xtrace_v1_ClockEstimate__Output>
      Direction: MessageTypeDefinition<_xtrace_v1_Direction, _xtrace_v1_Direction__Output>
      Directions: MessageTypeDefinition<_xtrace_v1_Directions, _xtrace_v1_Directions__Output>
      DropSite: MessageTypeDefinition<_xtrace_v1_DropSite, _xtrace_v1_DropSite__Output>
      GetAlertRuleRequest: MessageTypeDefinition<_xtrace_v1_GetAlertRuleRequest, _xtrace_v1_GetAlertRuleRequest__Output>
      GetScheduleRequest: MessageTypeDefinition<_xtrace_v1_GetScheduleRequest, _xtrace_v1_GetScheduleRequest__Output>
      GetScheduleResponse: MessageTypeDefinition<_xtrace_v1_GetScheduleResponse, _xtrace_v1_GetScheduleResponse__Output>
      HistoryPair: MessageTypeDefinition<_xtrace_v1_HistoryPair, _xtrace_v1_HistoryPair__Output>
      HistoryRecord: MessageTypeDefinition<_xtrace_v1_HistoryRecord, _xtrace_v1_HistoryRecord__Output>
      HistoryReport: MessageTypeDefinition<_xtrace_v1_HistoryReport, _xtrace_v1_HistoryReport__Output>
      HistoryRequest: MessageTypeDefinition<_xtrace_v1_HistoryRequest, _xtrace_v1_HistoryRequest__Output>
      HistorySegment: MessageTypeDefinition<_xtrace_v1_HistorySegment, _xtrace_v1_HistorySegment__Output>
      HistoryVmPart: MessageTypeDefinition<_xtrace_v1_HistoryVmPart, _xtrace_v1_HistoryVmPart__Output>
      HostAccounting: MessageTypeDefinition<_xtrace_v1_HostAccounting, _xtrace_v1_HostAccounting__Output>
      InspectAgentsRequest: MessageTypeDefinition<_xtrace_v1_InspectAgentsRequest, _xtrace_v1_InspectAgentsRequest__Output>
      InspectAgentsResponse: MessageTypeDefinition<_xtrace_v1_InspectAgentsResponse, _xtrace_v1_InspectAgentsResponse__Output>
      InspectFallback: MessageTypeDefinition<_xtrace_v1_InspectFallback, _xtrace_v1_InspectFallback__Output>
      InspectLink: MessageTypeDefinition<_xtrace_v1_InspectLink, _xtrace_v1_InspectLink__Output>
      InspectMap: MessageTypeDefinition<_xtrace_v1_InspectMap, _xtrace_v1_InspectMap__Output>
      InspectProgram: MessageTypeDefinition<_xtrace_v1_InspectProgram, _xtrace_v1_InspectProgram__Output>
      InspectRing: MessageTypeDefinition<_xtrace_v1_InspectRing, _xtrace_v1_InspectRing__Output>
      InspectStage: MessageTypeDefinition<_xtrace_v1_InspectStage, _xtrace_v1_InspectStage__Output>
      Interval: MessageTypeDefinition<_xtrace_v1_Interval, _xtrace_v1_Interval__Output>
      LatencyHistogram: MessageTypeDefinition<_xtrace_v1_LatencyHistogram, _xtrace_v1_LatencyHistogram__Output>
      ListAgentsRequest: MessageTypeDefinition<_xtrace_v1_ListAgentsRequest, _xtrace_v1_ListAgentsRequest__Output>
      ListAgentsResponse: MessageTypeDefinition<_xtrace_v1_ListAgentsResponse, _xtrace_v1_ListAgentsResponse__Output>
      ListAlertRulesRequest: MessageTypeDefinition<_xtrace_v1_ListAlertRulesRequest, _xtrace_v1_ListAlertRulesRequest__Output>
      ListAlertRulesResponse: MessageTypeDefinition<_xtrace_v1_ListAlertRulesResponse, _xtrace_v1_ListAlertRulesResponse__Output>
      ListProbesRequest: MessageTypeDefinition<_xtrace_v1_ListProbesRequest, _xtrace_v1_ListProbesRequest__Output>
      ListProbesResponse: MessageTypeDefinition<_xtrace_v1_ListProbesResponse, _xtrace_v1_ListProbesResponse__Output>
      ListSchedulesRequest: MessageTypeDefinition<_xtrace_v1_ListSchedulesRequest, _xtrace_v1_ListSchedulesRequest__Output>
      ListSchedulesResponse: MessageTypeDefinition<_xtrace_v1_ListSchedulesResponse, _xtrace_v1_ListSchedulesResponse__Output>
      PairProbeEvent: MessageTypeDefinition<_xtrace_v1_PairProbeEvent, _xtrace_v1_PairProbeEvent__Output>
      PairReport: MessageTypeDefinition<_xtrace_v1_PairReport, _xtrace_v1_PairReport__Output>
      PairSelector: MessageTypeDefinition<_xtrace_v1_PairSelector, _xtrace_v1_PairSelector__Output>
      PcapFile: MessageTypeDefinition<_xtrace_v1_PcapFile, _xtrace_v1_PcapFile__Output>
      ProbeInfo: MessageTypeDefinition<_xtrace_v1_ProbeInfo, _xtrace_v1_ProbeInfo__Output>
      RemoveAlertRuleRequest: MessageTypeDefinition<_xtrace_v1_RemoveAlertRuleRequest, _xtrace_v1_RemoveAlertRuleRequest__Output>
      RemoveAlertRuleResponse: MessageTypeDefinition<_xtrace_v1_RemoveAlertRuleResponse, _xtrace_v1_RemoveAlertRuleResponse__Output>
      RemoveScheduleRequest: MessageTypeDefinition<_xtrace_v1_RemoveScheduleRequest, _xtrace_v1_RemoveScheduleRequest__Output>
      RemoveScheduleResponse: MessageTypeDefinition<_xtrace_v1_RemoveScheduleResponse, _xtrace_v1_RemoveScheduleResponse__Output>
      RunPair: MessageTypeDefinition<_xtrace_v1_RunPair, _xtrace_v1_RunPair__Output>
      Schedule: MessageTypeDefinition<_xtrace_v1_Schedule, _xtrace_v1_Schedule__Output>
      ScheduleRun: MessageTypeDefinition<_xtrace_v1_ScheduleRun, _xtrace_v1_ScheduleRun__Output>
      Schedules: SubtypeConstructor<typeof grpc.Client, _xtrace_v1_SchedulesClient> & { service: _xtrace_v1_SchedulesDefinition }
      Segment: MessageTypeDefinition<_xtrace_v1_Segment, _xtrace_v1_Segment__Output>
      SetSchedulePausedRequest: MessageTypeDefinition<_xtrace_v1_SetSchedulePausedRequest, _xtrace_v1_SetSchedulePausedRequest__Output>
      Stall: MessageTypeDefinition<_xtrace_v1_Stall, _xtrace_v1_Stall__Output>
      StartPairProbeRequest: MessageTypeDefinition<_xtrace_v1_StartPairProbeRequest, _xtrace_v1_StartPairProbeRequest__Output>
      StopProbeRequest: MessageTypeDefinition<_xtrace_v1_StopProbeRequest, _xtrace_v1_StopProbeRequest__Output>
      TestAlertRuleRequest: MessageTypeDefinition<_xtrace_v1_TestAlertRuleRequest, _xtrace_v1_TestAlertRuleRequest__Output>
      TestAlertRuleResponse: MessageTypeDefinition<_xtrace_v1_TestAlertRuleResponse, _xtrace_v1_TestAlertRuleResponse__Output>
      Total: MessageTypeDefinition<_xtrace_v1_Total, _xtrace_v1_Total__Output>
      VmBreakdown: MessageTypeDefinition<_xtrace_v1_VmBreakdown, _xtrace_v1_VmBreakdown__Output>
      VmPart: MessageTypeDefinition<_xtrace_v1_VmPart, _xtrace_v1_VmPart__Output>
      WatchProbeRequest: MessageTypeDefinition<_xtrace_v1_WatchProbeRequest, _xtrace_v1_WatchProbeRequest__Output>
      Xtrace: SubtypeConstructor<typeof grpc.Client, _xtrace_v1_XtraceClient> & { service: _xtrace_v1_XtraceDefinition }
    }
  }
}

