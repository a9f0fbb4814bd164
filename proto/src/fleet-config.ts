/**
 * The messages of the Schedules and AlertRules services of proto/xtrace.proto (scheduled
 * probes, alert rules), field for field as @grpc/proto-loader hands them over (keepCase;
 * absent strings "", absent optionals undefined, absent messages null). The controller serves
 * them (controller/src/grpc-schedule-service.ts, grpc-alert-service.ts), the CLI reads them.
 */
import type { Pair, VmPartRef } from './history-record.js';

/** PairSelector: requests read `text` only; responses fill every field */
export interface PairSelectorMessage {
  /** all-cross-host | sample:K | labels:k=v[,k=v] | SRC,DST[;SRC,DST] */
  text: string;
  kind: 'pairs' | 'all-cross-host' | 'sample' | 'labels';
  pairs: Pair[];
  sample: number;
  labels: Record<string, string>;
}

export interface ScheduleMessage {
  name: string;
  every: string;
  duration: string;
  pairs: PairSelectorMessage;
  paused: boolean;
  /** "": any */
  proto: string;
  createdAt: number;
}

export interface AddScheduleRequest {
  name: string;
  every: string;
  duration: string;
  pairs: { text: string } | null;
  proto: string;
  paused: boolean;
}

export interface RunPairMessage {
  src: string;
  dst: string;
  srcHost?: string;
  dstHost?: string;
  state: string;
  attempts: number;
  probeId?: string;
  by?: string;
  error?: string;
  finishedAt?: number;
  segments?: number;
  lost?: number;
}

export interface ScheduleRunMessage {
  schedule: string;
  slot: number;
  durationMs: number;
  proto?: string;
  owner: string;
  leaseMs: number;
  heartbeatAt: number;
  state: string;
  startedAt: number;
  finishedAt?: number;
  takeovers: number;
  /** false: the owner has not resolved the selector yet (`pairs` is empty) */
  resolved: boolean;
  pairs: RunPairMessage[];
  error?: string;
}

export interface GetScheduleResponse {
  schedule: ScheduleMessage;
  /** newest first */
  runs: ScheduleRunMessage[];
}

export interface AlertSinkMessage {
  type: string;
  url: string;
  command: string;
  subject: string;
  timeoutMs?: number;
  retries?: number;
}

export interface AlertRuleMessage {
  name: string;
  selector: PairSelectorMessage;
  segmentKind: string;
  vmPart?: string;
  metric: string;
  op: string;
  threshold: number;
  for: string;
  cooldown: string;
  sinks: AlertSinkMessage[];
  createdAt: number;
}

export interface AddAlertRuleRequest {
  name: string;
  /** "" or null: all-cross-host */
  selector: { text: string } | null;
  /** "": any */
  segmentKind: string;
  vmPart?: string;
  metric: string;
  threshold: number;
  /** "": 0s */
  for: string;
  /** "": 0s */
  cooldown: string;
  sinks: AlertSinkMessage[];
}

export interface AlertEventMessage {
  state: string;
  rule: string;
  pair: Pair;
  segment: { from: string; to: string; kind: string; vm_breakdown?: VmPartRef | null };
  metric: string;
  value: number;
  threshold: number;
  since: number;
  at: number;
  probeId?: string;
  test: boolean;
}

export interface AlertDeliveryMessage {
  sink: string;
  ok: boolean;
  attempts: number;
  status?: number;
  /** absent with `killed` */
  exitCode?: number;
  killed: boolean;
  error?: string;
  ms: number;
}

export interface TestAlertRuleResponse {
  event: AlertEventMessage;
  results: AlertDeliveryMessage[];
}
