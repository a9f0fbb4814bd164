// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HistoryRecord as _xtrace_v1_HistoryRecord, HistoryRecord__Output as _xtrace_v1_HistoryRecord__Output } from '../../xtrace/v1/HistoryRecord.js';
import type { HistoryRequest as _xtrace_v1_HistoryRequest, HistoryRequest__Output as _xtrace_v1_HistoryRequest__Output } from '../../xtrace/v1/HistoryRequest.js';
import type { InspectAgentsRequest as _xtrace_v1_InspectAgentsRequest, InspectAgentsRequest__Output as _xtrace_v1_InspectAgentsRequest__Output } from '../../xtrace/v1/InspectAgentsRequest.js';
import type { InspectAgentsResponse as _xtrace_v1_InspectAgentsResponse, InspectAgentsResponse__Output as _xtrace_v1_InspectAgentsResponse__Output } from '../../xtrace/v1/InspectAgentsResponse.js';
import type { ListAgentsRequest as _xtrace_v1_ListAgentsRequest, ListAgentsRequest__Output as _xtrace_v1_ListAgentsRequest__Output } from '../../xtrace/v1/ListAgentsRequest.js';
import type { ListAgentsResponse as _xtrace_v1_ListAgentsResponse, ListAgentsResponse__Output as _xtrace_v1_ListAgentsResponse__Output } from '../../xtrace/v1/ListAgentsResponse.js';
import type { ListProbesRequest as _xtrace_v1_ListProbesRequest, ListProbesRequest__Output as _xtrace_v1_ListProbesRequest__Output } from '../../xtrace/v1/ListProbesRequest.js';
import type { ListProbesResponse as _xtrace_v1_ListProbesResponse, ListProbesResponse__Output as _xtrace_v1_ListProbesResponse__Output } from '../../xtrace/v1/ListProbesResponse.js';
import type { PairProbeEvent as _xtrace_v1_PairProbeEvent, PairProbeEvent__Output as _xtrace_v1_PairProbeEvent__Output } from '../../xtrace/v1/PairProbeEvent.js';
import type { PairReport as _xtrace_v1_PairReport, PairReport__Output as _xtrace_v1_PairReport__Output } from '../../xtrace/v1/PairReport.js';
import type { ProbeInfo as _xtrace_v1_ProbeInfo, ProbeInfo__Output as _xtrace_v1_ProbeInfo__Output } from '../../xtrace/v1/ProbeInfo.js';
import type { StartPairProbeRequest as _xtrace_v1_StartPairProbeRequest, StartPairProbeRequest__Output as _xtrace_v1_StartPairProbeRequest__Output } from '../../xtrace/v1/StartPairProbeRequest.js';
import type { StopProbeRequest as _xtrace_v1_StopProbeRequest, StopProbeRequest__Output as _xtrace_v1_StopProbeRequest__Output } from '../../xtrace/v1/StopProbeRequest.js';
import type { WatchProbeRequest as _xtrace_v1_WatchProbeRequest, WatchProbeRequest__Output as _xtrace_v1_WatchProbeRequest__Output } from '../../xtrace/v1/WatchProbeRequest.js';

export interface XtraceClient extends grpc.Client {
  /**
   * What each agent has loaded, asked of the agent itself (its `inspect` command over NATS):
   * programs, links, maps and their fill, kernel counters, the stage plan (`xtrace inspect`).
   * host "": every agent that is up; an unknown host is NOT_FOUND.
   */
  InspectAgents(argument: _xtrace_v1_InspectAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  InspectAgents(argument: _xtrace_v1_InspectAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  InspectAgents(argument: _xtrace_v1_InspectAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  InspectAgents(argument: _xtrace_v1_InspectAgentsRequest, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What each agent has loaded, asked of the agent itself (its `inspect` command over NATS):
   * programs, links, maps and their fill, kernel counters, the stage plan (`xtrace inspect`).
   * host "": every agent that is up; an unknown host is NOT_FOUND.
   */
  inspectAgents(argument: _xtrace_v1_InspectAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  inspectAgents(argument: _xtrace_v1_InspectAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  inspectAgents(argument: _xtrace_v1_InspectAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  inspectAgents(argument: _xtrace_v1_InspectAgentsRequest, callback: grpc.requestCallback<_xtrace_v1_InspectAgentsResponse__Output>): grpc.ClientUnaryCall;
  
  ListAgents(argument: _xtrace_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _xtrace_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _xtrace_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _xtrace_v1_ListAgentsRequest, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _xtrace_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _xtrace_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _xtrace_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _xtrace_v1_ListAgentsRequest, callback: grpc.requestCallback<_xtrace_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stored reports of past and running probes (JetStream stream XTRACE_HISTORY), oldest
   * first; the stream ends after the last one stored. Streamed: a long history does not fit
   * in one message. Needs the fleet layer (UNAVAILABLE on a --no-fleet controller).
   */
  ListHistory(argument: _xtrace_v1_HistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  ListHistory(argument: _xtrace_v1_HistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  /**
   * Stored reports of past and running probes (JetStream stream XTRACE_HISTORY), oldest
   * first; the stream ends after the last one stored. Streamed: a long history does not fit
   * in one message. Needs the fleet layer (UNAVAILABLE on a --no-fleet controller).
   */
  listHistory(argument: _xtrace_v1_HistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  listHistory(argument: _xtrace_v1_HistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  
  ListProbes(argument: _xtrace_v1_ListProbesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  ListProbes(argument: _xtrace_v1_ListProbesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  ListProbes(argument: _xtrace_v1_ListProbesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  ListProbes(argument: _xtrace_v1_ListProbesRequest, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  listProbes(argument: _xtrace_v1_ListProbesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  listProbes(argument: _xtrace_v1_ListProbesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  listProbes(argument: _xtrace_v1_ListProbesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  listProbes(argument: _xtrace_v1_ListProbesRequest, callback: grpc.requestCallback<_xtrace_v1_ListProbesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * StartPairProbe and WatchProbe in one call: first an event of kind "started" (the
   * ProbeInfo), then one of kind "report" per interval and the final report; the stream ends.
   * The stream is the probe's watcher from the first moment, so a client that dies at any
   * point (even before it saw the probe's id) stops it, unless keep_on_disconnect. `xtrace
   * pair` runs its probes this way.
   */
  RunPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairProbeEvent__Output>;
  RunPairProbe(argument: _xtrace_v1_StartPairProbeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairProbeEvent__Output>;
  /**
   * StartPairProbe and WatchProbe in one call: first an event of kind "started" (the
   * ProbeInfo), then one of kind "report" per interval and the final report; the stream ends.
   * The stream is the probe's watcher from the first moment, so a client that dies at any
   * point (even before it saw the probe's id) stops it, unless keep_on_disconnect. `xtrace
   * pair` runs its probes this way.
   */
  runPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairProbeEvent__Output>;
  runPairProbe(argument: _xtrace_v1_StartPairProbeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairProbeEvent__Output>;
  
  /**
   * Resolves src/dst to agents, starts the probe on every agent of the path, returns at once.
   */
  StartPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  StartPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  StartPairProbe(argument: _xtrace_v1_StartPairProbeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  StartPairProbe(argument: _xtrace_v1_StartPairProbeRequest, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  /**
   * Resolves src/dst to agents, starts the probe on every agent of the path, returns at once.
   */
  startPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  startPairProbe(argument: _xtrace_v1_StartPairProbeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  startPairProbe(argument: _xtrace_v1_StartPairProbeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  startPairProbe(argument: _xtrace_v1_StartPairProbeRequest, callback: grpc.requestCallback<_xtrace_v1_ProbeInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stops the probe (idempotent) and returns its final summary.
   */
  StopProbe(argument: _xtrace_v1_StopProbeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  StopProbe(argument: _xtrace_v1_StopProbeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  StopProbe(argument: _xtrace_v1_StopProbeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  StopProbe(argument: _xtrace_v1_StopProbeRequest, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  /**
   * Stops the probe (idempotent) and returns its final summary.
   */
  stopProbe(argument: _xtrace_v1_StopProbeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  stopProbe(argument: _xtrace_v1_StopProbeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  stopProbe(argument: _xtrace_v1_StopProbeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  stopProbe(argument: _xtrace_v1_StopProbeRequest, callback: grpc.requestCallback<_xtrace_v1_PairReport__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stored reports from since_ms on, then each new one as it is stored, until cancelled.
   */
  WatchHistory(argument: _xtrace_v1_HistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  WatchHistory(argument: _xtrace_v1_HistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  /**
   * Stored reports from since_ms on, then each new one as it is stored, until cancelled.
   */
  watchHistory(argument: _xtrace_v1_HistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  watchHistory(argument: _xtrace_v1_HistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_HistoryRecord__Output>;
  
  /**
   * Interval reports while the probe runs, then one report with final = true; the stream ends.
   * Cancelling the last watcher of a probe started with keep_on_disconnect = false stops it.
   */
  WatchProbe(argument: _xtrace_v1_WatchProbeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairReport__Output>;
  WatchProbe(argument: _xtrace_v1_WatchProbeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairReport__Output>;
  /**
   * Interval reports while the probe runs, then one report with final = true; the stream ends.
   * Cancelling the last watcher of a probe started with keep_on_disconnect = false stops it.
   */
  watchProbe(argument: _xtrace_v1_WatchProbeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairReport__Output>;
  watchProbe(argument: _xtrace_v1_WatchProbeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_xtrace_v1_PairReport__Output>;
  
}

export interface XtraceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * What each agent has loaded, asked of the agent itself (its `inspect` command over NATS):
   * programs, links, maps and their fill, kernel counters, the stage plan (`xtrace inspect`).
   * host "": every agent that is up; an unknown host is NOT_FOUND.
   */
  InspectAgents: grpc.handleUnaryCall<_xtrace_v1_InspectAgentsRequest__Output, _xtrace_v1_InspectAgentsResponse>;
  
  ListAgents: grpc.handleUnaryCall<_xtrace_v1_ListAgentsRequest__Output, _xtrace_v1_ListAgentsResponse>;
  
  /**
   * Stored reports of past and running probes (JetStream stream XTRACE_HISTORY), oldest
   * first; the stream ends after the last one stored. Streamed: a long history does not fit
   * in one message. Needs the fleet layer (UNAVAILABLE on a --no-fleet controller).
   */
  ListHistory: grpc.handleServerStreamingCall<_xtrace_v1_HistoryRequest__Output, _xtrace_v1_HistoryRecord>;
  
  ListProbes: grpc.handleUnaryCall<_xtrace_v1_ListProbesRequest__Output, _xtrace_v1_ListProbesResponse>;
  
  /**
   * StartPairProbe and WatchProbe in one call: first an event of kind "started" (the
   * ProbeInfo), then one of kind "report" per interval and the final report; the stream ends.
   * The stream is the probe's watcher from the first moment, so a client that dies at any
   * point (even before it saw the probe's id) stops it, unless keep_on_disconnect. `xtrace
   * pair` runs its probes this way.
   */
  RunPairProbe: grpc.handleServerStreamingCall<_xtrace_v1_StartPairProbeRequest__Output, _xtrace_v1_PairProbeEvent>;
  
  /**
   * Resolves src/dst to agents, starts the probe on every agent of the path, returns at once.
   */
  StartPairProbe: grpc.handleUnaryCall<_xtrace_v1_StartPairProbeRequest__Output, _xtrace_v1_ProbeInfo>;
  
  /**
   * Stops the probe (idempotent) and returns its final summary.
   */
  StopProbe: grpc.handleUnaryCall<_xtrace_v1_StopProbeRequest__Output, _xtrace_v1_PairReport>;
  
  /**
   * Stored reports from since_ms on, then each new one as it is stored, until cancelled.
   */
  WatchHistory: grpc.handleServerStreamingCall<_xtrace_v1_HistoryRequest__Output, _xtrace_v1_HistoryRecord>;
  
  /**
   * Interval reports while the probe runs, then one report with final = true; the stream ends.
   * Cancelling the last watcher of a probe started with keep_on_disconnect = false stops it.
   */
  WatchProbe: grpc.handleServerStreamingCall<_xtrace_v1_WatchProbeRequest__Output, _xtrace_v1_PairReport>;
  
}

export interface XtraceDefinition extends grpc.ServiceDefinition {
  InspectAgents: MethodDefinition<_xtrace_v1_InspectAgentsRequest, _xtrace_v1_InspectAgentsResponse, _xtrace_v1_InspectAgentsRequest__Output, _xtrace_v1_InspectAgentsResponse__Output>
  ListAgents: MethodDefinition<_xtrace_v1_ListAgentsRequest, _xtrace_v1_ListAgentsResponse, _xtrace_v1_ListAgentsRequest__Output, _xtrace_v1_ListAgentsResponse__Output>
  ListHistory: MethodDefinition<_xtrace_v1_HistoryRequest, _xtrace_v1_HistoryRecord, _xtrace_v1_HistoryRequest__Output, _xtrace_v1_HistoryRecord__Output>
  ListProbes: MethodDefinition<_xtrace_v1_ListProbesRequest, _xtrace_v1_ListProbesResponse, _xtrace_v1_ListProbesRequest__Output, _xtrace_v1_ListProbesResponse__Output>
  RunPairProbe: MethodDefinition<_xtrace_v1_StartPairProbeRequest, _xtrace_v1_PairProbeEvent, _xtrace_v1_StartPairProbeRequest__Output, _xtrace_v1_PairProbeEvent__Output>
  StartPairProbe: MethodDefinition<_xtrace_v1_StartPairProbeRequest, _xtrace_v1_ProbeInfo, _xtrace_v1_StartPairProbeRequest__Output, _xtrace_v1_ProbeInfo__Output>
  StopProbe: MethodDefinition<_xtrace_v1_StopProbeRequest, _xtrace_v1_PairReport, _xtrace_v1_StopProbeRequest__Output, _xtrace_v1_PairReport__Output>
  WatchHistory: MethodDefinition<_xtrace_v1_HistoryRequest, _xtrace_v1_HistoryRecord, _xtrace_v1_HistoryRequest__Output, _xtrace_v1_HistoryRecord__Output>
  WatchProbe: MethodDefinition<_xtrace_v1_WatchProbeRequest, _xtrace_v1_PairReport, _xtrace_v1_WatchProbeRequest__Output, _xtrace_v1_PairReport__Output>
}
