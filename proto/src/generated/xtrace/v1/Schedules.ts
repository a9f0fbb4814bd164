// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddScheduleRequest as _xtrace_v1_AddScheduleRequest, AddScheduleRequest__Output as _xtrace_v1_AddScheduleRequest__Output } from '../../xtrace/v1/AddScheduleRequest.js';
import type { GetScheduleRequest as _xtrace_v1_GetScheduleRequest, GetScheduleRequest__Output as _xtrace_v1_GetScheduleRequest__Output } from '../../xtrace/v1/GetScheduleRequest.js';
import type { GetScheduleResponse as _xtrace_v1_GetScheduleResponse, GetScheduleResponse__Output as _xtrace_v1_GetScheduleResponse__Output } from '../../xtrace/v1/GetScheduleResponse.js';
import type { ListSchedulesRequest as _xtrace_v1_ListSchedulesRequest, ListSchedulesRequest__Output as _xtrace_v1_ListSchedulesRequest__Output } from '../../xtrace/v1/ListSchedulesRequest.js';
import type { ListSchedulesResponse as _xtrace_v1_ListSchedulesResponse, ListSchedulesResponse__Output as _xtrace_v1_ListSchedulesResponse__Output } from '../../xtrace/v1/ListSchedulesResponse.js';
import type { RemoveScheduleRequest as _xtrace_v1_RemoveScheduleRequest, RemoveScheduleRequest__Output as _xtrace_v1_RemoveScheduleRequest__Output } from '../../xtrace/v1/RemoveScheduleRequest.js';
import type { RemoveScheduleResponse as _xtrace_v1_RemoveScheduleResponse, RemoveScheduleResponse__Output as _xtrace_v1_RemoveScheduleResponse__Output } from '../../xtrace/v1/RemoveScheduleResponse.js';
import type { Schedule as _xtrace_v1_Schedule, Schedule__Output as _xtrace_v1_Schedule__Output } from '../../xtrace/v1/Schedule.js';
import type { SetSchedulePausedRequest as _xtrace_v1_SetSchedulePausedRequest, SetSchedulePausedRequest__Output as _xtrace_v1_SetSchedulePausedRequest__Output } from '../../xtrace/v1/SetSchedulePausedRequest.js';

export interface SchedulesClient extends grpc.Client {
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  AddSchedule(argument: _xtrace_v1_AddScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  AddSchedule(argument: _xtrace_v1_AddScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  AddSchedule(argument: _xtrace_v1_AddScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  AddSchedule(argument: _xtrace_v1_AddScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  addSchedule(argument: _xtrace_v1_AddScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  addSchedule(argument: _xtrace_v1_AddScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  addSchedule(argument: _xtrace_v1_AddScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  addSchedule(argument: _xtrace_v1_AddScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  
  /**
   * The schedule and its most recent runs (newest first).
   */
  GetSchedule(argument: _xtrace_v1_GetScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  GetSchedule(argument: _xtrace_v1_GetScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  GetSchedule(argument: _xtrace_v1_GetScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  GetSchedule(argument: _xtrace_v1_GetScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The schedule and its most recent runs (newest first).
   */
  getSchedule(argument: _xtrace_v1_GetScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  getSchedule(argument: _xtrace_v1_GetScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  getSchedule(argument: _xtrace_v1_GetScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  getSchedule(argument: _xtrace_v1_GetScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_GetScheduleResponse__Output>): grpc.ClientUnaryCall;
  
  ListSchedules(argument: _xtrace_v1_ListSchedulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  ListSchedules(argument: _xtrace_v1_ListSchedulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  ListSchedules(argument: _xtrace_v1_ListSchedulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  ListSchedules(argument: _xtrace_v1_ListSchedulesRequest, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  listSchedules(argument: _xtrace_v1_ListSchedulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  listSchedules(argument: _xtrace_v1_ListSchedulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  listSchedules(argument: _xtrace_v1_ListSchedulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  listSchedules(argument: _xtrace_v1_ListSchedulesRequest, callback: grpc.requestCallback<_xtrace_v1_ListSchedulesResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveSchedule(argument: _xtrace_v1_RemoveScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  RemoveSchedule(argument: _xtrace_v1_RemoveScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  RemoveSchedule(argument: _xtrace_v1_RemoveScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  RemoveSchedule(argument: _xtrace_v1_RemoveScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  removeSchedule(argument: _xtrace_v1_RemoveScheduleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  removeSchedule(argument: _xtrace_v1_RemoveScheduleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  removeSchedule(argument: _xtrace_v1_RemoveScheduleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  removeSchedule(argument: _xtrace_v1_RemoveScheduleRequest, callback: grpc.requestCallback<_xtrace_v1_RemoveScheduleResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Pause (no new runs) or resume; returns the schedule as stored.
   */
  SetSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  SetSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  SetSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  SetSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  /**
   * Pause (no new runs) or resume; returns the schedule as stored.
   */
  setSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  setSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  setSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  setSchedulePaused(argument: _xtrace_v1_SetSchedulePausedRequest, callback: grpc.requestCallback<_xtrace_v1_Schedule__Output>): grpc.ClientUnaryCall;
  
}

export interface SchedulesHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  AddSchedule: grpc.handleUnaryCall<_xtrace_v1_AddScheduleRequest__Output, _xtrace_v1_Schedule>;
  
  /**
   * The schedule and its most recent runs (newest first).
   */
  GetSchedule: grpc.handleUnaryCall<_xtrace_v1_GetScheduleRequest__Output, _xtrace_v1_GetScheduleResponse>;
  
  ListSchedules: grpc.handleUnaryCall<_xtrace_v1_ListSchedulesRequest__Output, _xtrace_v1_ListSchedulesResponse>;
  
  RemoveSchedule: grpc.handleUnaryCall<_xtrace_v1_RemoveScheduleRequest__Output, _xtrace_v1_RemoveScheduleResponse>;
  
  /**
   * Pause (no new runs) or resume; returns the schedule as stored.
   */
  SetSchedulePaused: grpc.handleUnaryCall<_xtrace_v1_SetSchedulePausedRequest__Output, _xtrace_v1_Schedule>;
  
}

export interface SchedulesDefinition extends grpc.ServiceDefinition {
  AddSchedule: MethodDefinition<_xtrace_v1_AddScheduleRequest, _xtrace_v1_Schedule, _xtrace_v1_AddScheduleRequest__Output, _xtrace_v1_Schedule__Output>
  GetSchedule: MethodDefinition<_xtrace_v1_GetScheduleRequest, _xtrace_v1_GetScheduleResponse, _xtrace_v1_GetScheduleRequest__Output, _xtrace_v1_GetScheduleResponse__Output>
  ListSchedules: MethodDefinition<_xtrace_v1_ListSchedulesRequest, _xtrace_v1_ListSchedulesResponse, _xtrace_v1_ListSchedulesRequest__Output, _xtrace_v1_ListSchedulesResponse__Output>
  RemoveSchedule: MethodDefinition<_xtrace_v1_RemoveScheduleRequest, _xtrace_v1_RemoveScheduleResponse, _xtrace_v1_RemoveScheduleRequest__Output, _xtrace_v1_RemoveScheduleResponse__Output>
  SetSchedulePaused: MethodDefinition<_xtrace_v1_SetSchedulePausedRequest, _xtrace_v1_Schedule, _xtrace_v1_SetSchedulePausedRequest__Output, _xtrace_v1_Schedule__Output>
}
