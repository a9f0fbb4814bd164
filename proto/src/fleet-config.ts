/**
 * The messages of the Schedules and AlertRules services of proto/xtrace.proto (scheduled
 * probes, alert rules), from the generated types (proto/src/generated/, `npm run gen:proto -w
 * @xtrace/proto`). What a peer reads is the decoded `__Output` form (keepCase; absent strings
 * "", absent optionals undefined), its enumerated strings narrowed to what the .proto
 * documents and the messages the controller always sets (a response's schedule, selector,
 * event, pair, segment) not null; what the CLI sends is the generated input form
 * (AddScheduleRequest, AddAlertRuleRequest, AlertSink). The controller builds the responses
 * (controller/src/grpc-schedule-service.ts, grpc-alert-service.ts), the CLI reads them.
 */
import type { AlertDelivery__Output } from './generated/xtrace/v1/AlertDelivery.js';
import type { AlertEvent__Output } from './generated/xtrace/v1/AlertEvent.js';
import type { AlertEventSegment__Output } from './generated/xtrace/v1/AlertEventSegment.js';
import type { AlertRule__Output } from './generated/xtrace/v1/AlertRule.js';
import type { AlertSink__Output } from './generated/xtrace/v1/AlertSink.js';
import type { GetScheduleResponse__Output } from './generated/xtrace/v1/GetScheduleResponse.js';
import type { HistoryPair__Output } from './generated/xtrace/v1/HistoryPair.js';
import type { PairSelector__Output } from './generated/xtrace/v1/PairSelector.js';
import type { RunPair__Output } from './generated/xtrace/v1/RunPair.js';
import type { Schedule__Output } from './generated/xtrace/v1/Schedule.js';
import type { ScheduleRun__Output } from './generated/xtrace/v1/ScheduleRun.js';
import type { TestAlertRuleResponse__Output } from './generated/xtrace/v1/TestAlertRuleResponse.js';
import type { VmPartRef } from './history-record.js';
import type { Refine } from './message-refinement.js';
import type { SegmentKind, VmPartName } from './report.js';

export type { AddAlertRuleRequest, AddAlertRuleRequest__Output } from './generated/xtrace/v1/AddAlertRuleRequest.js';
export type { AddScheduleRequest, AddScheduleRequest__Output } from './generated/xtrace/v1/AddScheduleRequest.js';
export type { AlertSink, AlertSink__Output } from './generated/xtrace/v1/AlertSink.js';

/** PairSelector: requests read `text` only; responses fill every field */
export type PairSelectorMessage = Refine<PairSelector__Output, { kind: 'pairs' | 'all-cross-host' | 'sample' | 'labels' }>;

export type ScheduleMessage = Refine<Schedule__Output, { pairs: PairSelectorMessage }>;

export type RunPairMessage = Refine<RunPair__Output, { state: 'pending' | 'queued' | 'running' | 'done' | 'failed' }>;

export type ScheduleRunMessage = Refine<ScheduleRun__Output, { state: 'running' | 'done' | 'released'; pairs: RunPairMessage[] }>;

export type GetScheduleResponse = Refine<GetScheduleResponse__Output, { schedule: ScheduleMessage; runs: ScheduleRunMessage[] }>;

export type AlertSinkMessage = Refine<AlertSink__Output, { type: 'webhook' | 'exec' | 'nats' }>;

export type AlertRuleMessage = Refine<
  AlertRule__Output,
  {
    selector: PairSelectorMessage;
    segmentKind: SegmentKind | 'any';
    vmPart?: VmPartName | 'any';
    metric: 'p50' | 'p99' | 'max' | 'loss';
    op: '>';
    sinks: AlertSinkMessage[];
  }
>;

export type AlertEventMessage = Refine<
  AlertEvent__Output,
  {
    state: 'firing' | 'resolved';
    pair: HistoryPair__Output;
    segment: Refine<
      AlertEventSegment__Output,
      {
        kind: SegmentKind;
        /** a VM breakdown part's VM and part; null on other segments */
        vm_breakdown: VmPartRef | null;
      }
    >;
    metric: AlertRuleMessage['metric'];
  }
>;

export type AlertDeliveryMessage = AlertDelivery__Output;

export type TestAlertRuleResponse = Refine<TestAlertRuleResponse__Output, { event: AlertEventMessage; results: AlertDeliveryMessage[] }>;
