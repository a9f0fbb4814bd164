// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddAlertRuleRequest as _xtrace_v1_AddAlertRuleRequest, AddAlertRuleRequest__Output as _xtrace_v1_AddAlertRuleRequest__Output } from '../../xtrace/v1/AddAlertRuleRequest.js';
import type { AlertRule as _xtrace_v1_AlertRule, AlertRule__Output as _xtrace_v1_AlertRule__Output } from '../../xtrace/v1/AlertRule.js';
import type { GetAlertRuleRequest as _xtrace_v1_GetAlertRuleRequest, GetAlertRuleRequest__Output as _xtrace_v1_GetAlertRuleRequest__Output } from '../../xtrace/v1/GetAlertRuleRequest.js';
import type { ListAlertRulesRequest as _xtrace_v1_ListAlertRulesRequest, ListAlertRulesRequest__Output as _xtrace_v1_ListAlertRulesRequest__Output } from '../../xtrace/v1/ListAlertRulesRequest.js';
import type { ListAlertRulesResponse as _xtrace_v1_ListAlertRulesResponse, ListAlertRulesResponse__Output as _xtrace_v1_ListAlertRulesResponse__Output } from '../../xtrace/v1/ListAlertRulesResponse.js';
import type { RemoveAlertRuleRequest as _xtrace_v1_RemoveAlertRuleRequest, RemoveAlertRuleRequest__Output as _xtrace_v1_RemoveAlertRuleRequest__Output } from '../../xtrace/v1/RemoveAlertRuleRequest.js';
import type { RemoveAlertRuleResponse as _xtrace_v1_RemoveAlertRuleResponse, RemoveAlertRuleResponse__Output as _xtrace_v1_RemoveAlertRuleResponse__Output } from '../../xtrace/v1/RemoveAlertRuleResponse.js';
import type { TestAlertRuleRequest as _xtrace_v1_TestAlertRuleRequest, TestAlertRuleRequest__Output as _xtrace_v1_TestAlertRuleRequest__Output } from '../../xtrace/v1/TestAlertRuleRequest.js';
import type { TestAlertRuleResponse as _xtrace_v1_TestAlertRuleResponse, TestAlertRuleResponse__Output as _xtrace_v1_TestAlertRuleResponse__Output } from '../../xtrace/v1/TestAlertRuleResponse.js';

export interface AlertRulesClient extends grpc.Client {
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  AddAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  AddAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  AddAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  AddAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  addAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  addAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  addAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  addAlertRule(argument: _xtrace_v1_AddAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  
  GetAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  GetAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  GetAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  GetAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  getAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  getAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  getAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  getAlertRule(argument: _xtrace_v1_GetAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_AlertRule__Output>): grpc.ClientUnaryCall;
  
  ListAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listAlertRules(argument: _xtrace_v1_ListAlertRulesRequest, callback: grpc.requestCallback<_xtrace_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  RemoveAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  RemoveAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  RemoveAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  removeAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  removeAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  removeAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  removeAlertRule(argument: _xtrace_v1_RemoveAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_RemoveAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sends a synthetic firing event (test = true) to the rule's sinks, from the controller, and
   * reports each delivery.
   */
  TestAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  TestAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  TestAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  TestAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sends a synthetic firing event (test = true) to the rule's sinks, from the controller, and
   * reports each delivery.
   */
  testAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  testAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  testAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  testAlertRule(argument: _xtrace_v1_TestAlertRuleRequest, callback: grpc.requestCallback<_xtrace_v1_TestAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AlertRulesHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Fails (INVALID_ARGUMENT) when the name is taken.
   */
  AddAlertRule: grpc.handleUnaryCall<_xtrace_v1_AddAlertRuleRequest__Output, _xtrace_v1_AlertRule>;
  
  GetAlertRule: grpc.handleUnaryCall<_xtrace_v1_GetAlertRuleRequest__Output, _xtrace_v1_AlertRule>;
  
  ListAlertRules: grpc.handleUnaryCall<_xtrace_v1_ListAlertRulesRequest__Output, _xtrace_v1_ListAlertRulesResponse>;
  
  RemoveAlertRule: grpc.handleUnaryCall<_xtrace_v1_RemoveAlertRuleRequest__Output, _xtrace_v1_RemoveAlertRuleResponse>;
  
  /**
   * Sends a synthetic firing event (test = true) to the rule's sinks, from the controller, and
   * reports each delivery.
   */
  TestAlertRule: grpc.handleUnaryCall<_xtrace_v1_TestAlertRuleRequest__Output, _xtrace_v1_TestAlertRuleResponse>;
  
}

export interface AlertRulesDefinition extends grpc.ServiceDefinition {
  AddAlertRule: MethodDefinition<_xtrace_v1_AddAlertRuleRequest, _xtrace_v1_AlertRule, _xtrace_v1_AddAlertRuleRequest__Output, _xtrace_v1_AlertRule__Output>
  GetAlertRule: MethodDefinition<_xtrace_v1_GetAlertRuleRequest, _xtrace_v1_AlertRule, _xtrace_v1_GetAlertRuleRequest__Output, _xtrace_v1_AlertRule__Output>
  ListAlertRules: MethodDefinition<_xtrace_v1_ListAlertRulesRequest, _xtrace_v1_ListAlertRulesResponse, _xtrace_v1_ListAlertRulesRequest__Output, _xtrace_v1_ListAlertRulesResponse__Output>
  RemoveAlertRule: MethodDefinition<_xtrace_v1_RemoveAlertRuleRequest, _xtrace_v1_RemoveAlertRuleResponse, _xtrace_v1_RemoveAlertRuleRequest__Output, _xtrace_v1_RemoveAlertRuleResponse__Output>
  TestAlertRule: MethodDefinition<_xtrace_v1_TestAlertRuleRequest, _xtrace_v1_TestAlertRuleResponse, _xtrace_v1_TestAlertRuleRequest__Output, _xtrace_v1_TestAlertRuleResponse__Output>
}
