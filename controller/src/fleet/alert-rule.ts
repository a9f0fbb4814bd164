/** Alert rules, stored as JSON in KV `xtrace_alerts`, one key per rule name. */
import { UsageError, VM_PART_NAMES, type VmPartName } from '@xtrace/proto';
import { parseDurationMs } from '@xtrace/proto';
import { validatePairSelector, type PairSelector } from './pair-selector.js';
import type { SegmentStats } from './probe-report.js';
import { validateName } from './schedule.js';

export const ALERT_METRICS = ['p50', 'p99', 'max', 'loss'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const SEGMENT_KINDS = ['host', 'wire', 'vm', 'any'] as const;
export type AlertSegmentKind = (typeof SEGMENT_KINDS)[number];
/** what a rule's `vmPart` may name: one part of the VMs' breakdowns (VM_PART_NAMES), or any */
export const ALERT_VM_PARTS = [...VM_PART_NAMES, 'any'] as const;
export type AlertVmPart = VmPartName | 'any';

export type SinkSpec =
  | { type: 'webhook'; url: string; timeoutMs?: number; retries?: number }
  | { type: 'exec'; command: string; timeoutMs?: number }
  | { type: 'nats'; subject: string };

export interface AlertRule {
  name: string;
  selector: PairSelector;
  segmentKind: AlertSegmentKind;
  /**
   * set: the rule watches the VMs' breakdown parts of that name (any: every part) instead of
   * path segments, and segmentKind stays 'any'; absent: path segments and VM turnarounds only
   */
  vmPart?: AlertVmPart;
  metric: AlertMetric;
  op: '>';
  /** µs for latency metrics, packets for loss */
  threshold: number;
  /** how long the condition must hold before firing, as typed (`30s`) */
  for: string;
  /** quiet time after an episode resolves before the next may fire (`5m`) */
  cooldown: string;
  sinks: SinkSpec[];
  createdAt: number;
}

export interface ParsedAlertRule extends AlertRule {
  forMs: number;
  cooldownMs: number;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function validateSinkSpec(value: unknown, field: string): SinkSpec {
  if (typeof value !== 'object' || value === null) throw new UsageError(field, 'expected {type: webhook|exec|nats, ...}');
  const o = value as Record<string, unknown>;
  const optPositive = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UsageError(`${field}.${k}`, `expected a non-negative number, got ${JSON.stringify(v)}`);
    return v;
  };
  switch (o['type']) {
    case 'webhook': {
      const url = o['url'];
      let u: URL;
      try {
        u = new URL(String(url));
      } catch (e: unknown) {
        throw new UsageError(`${field}.url`, `not a URL: ${JSON.stringify(url)}`, { cause: e });
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${field}.url`, `expected http(s), got ${u.protocol}`);
      const s: SinkSpec = { type: 'webhook', url: u.toString() };
      const t = optPositive('timeoutMs');
      const r = optPositive('retries');
      if (t !== undefined) s.timeoutMs = t;
      if (r !== undefined) s.retries = Math.floor(r);
      return s;
    }
    case 'exec': {
      if (typeof o['command'] !== 'string' || o['command'].trim() === '') throw new UsageError(`${field}.command`, 'expected a non-empty command');
      const s: SinkSpec = { type: 'exec', command: o['command'] };
      const t = optPositive('timeoutMs');
      if (t !== undefined) s.timeoutMs = t;
      return s;
    }
    case 'nats': {
      if (typeof o['subject'] !== 'string' || !SUBJECT.test(o['subject'])) {
        throw new UsageError(`${field}.subject`, `expected a NATS subject without wildcards, got ${JSON.stringify(o['subject'])}`);
      }
      return { type: 'nats', subject: o['subject'] };
    }
    default:
      throw new UsageError(`${field}.type`, `expected webhook, exec or nats, got ${JSON.stringify(o['type'])}`);
  }
}

export function validateAlertRule(value: unknown, field = 'rule'): ParsedAlertRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(field, 'expected an object');
  const o = value as Record<string, unknown>;
  const name = validateName(o['name'], `${field}.name`);
  const selector = validatePairSelector(o['selector'] ?? 'all-cross-host', `${field}.selector`);
  const segmentKind = o['segmentKind'] ?? 'any';
  if (!SEGMENT_KINDS.includes(segmentKind as AlertSegmentKind)) {
    throw new UsageError(`${field}.segmentKind`, `expected one of ${SEGMENT_KINDS.join(', ')}, got ${JSON.stringify(segmentKind)}`);
  }
  const vmPart = o['vmPart'];
  if (vmPart !== undefined) {
    if (!ALERT_VM_PARTS.includes(vmPart as AlertVmPart)) {
      throw new UsageError(`${field}.vmPart`, `expected one of ${ALERT_VM_PARTS.join(', ')}, got ${JSON.stringify(vmPart)}`);
    }
    if (segmentKind !== 'any') throw new UsageError(`${field}.vmPart`, `selects VM breakdown parts, not ${String(segmentKind)} segments: give one of segmentKind and vmPart`);
  }
  if (!ALERT_METRICS.includes(o['metric'] as AlertMetric)) {
    throw new UsageError(`${field}.metric`, `expected one of ${ALERT_METRICS.join(', ')}, got ${JSON.stringify(o['metric'])}`);
  }
  const op = o['op'] ?? '>';
  if (op !== '>') throw new UsageError(`${field}.op`, `only ">" is supported, got ${JSON.stringify(op)}`);
  const threshold = o['threshold'];
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new UsageError(`${field}.threshold`, `expected a non-negative number, got ${JSON.stringify(threshold)}`);
  }
  const forText = o['for'] ?? '0s';
  if (typeof forText !== 'string') throw new UsageError(`${field}.for`, 'expected a duration such as 30s');
  const forMs = forText === '0' ? 0 : parseDurationMs(forText, `${field}.for`);
  const cooldownText = o['cooldown'] ?? '0s';
  if (typeof cooldownText !== 'string') throw new UsageError(`${field}.cooldown`, 'expected a duration such as 5m');
  const cooldownMs = cooldownText === '0' ? 0 : parseDurationMs(cooldownText, `${field}.cooldown`);
  if (!Array.isArray(o['sinks']) || o['sinks'].length === 0) throw new UsageError(`${field}.sinks`, 'expected at least one sink (--webhook, --exec or --nats-subject)');
  const sinks = o['sinks'].map((s: unknown, i: number) => validateSinkSpec(s, `${field}.sinks[${i}]`));
  const createdAt = o['createdAt'] ?? Date.now();
  if (typeof createdAt !== 'number') throw new UsageError(`${field}.createdAt`, 'expected epoch milliseconds');
  return {
    name,
    selector,
    segmentKind: segmentKind as AlertSegmentKind,
    ...(vmPart !== undefined ? { vmPart: vmPart as AlertVmPart } : {}),
    metric: o['metric'] as AlertMetric,
    op: '>',
    threshold,
    for: forText,
    cooldown: cooldownText,
    sinks,
    createdAt,
    forMs,
    cooldownMs,
  };
}

export function alertRuleRecord(r: AlertRule): AlertRule {
  return {
    name: r.name,
    selector: r.selector,
    segmentKind: r.segmentKind,
    ...(r.vmPart !== undefined ? { vmPart: r.vmPart } : {}),
    metric: r.metric,
    op: r.op,
    threshold: r.threshold,
    for: r.for,
    cooldown: r.cooldown,
    sinks: r.sinks,
    createdAt: r.createdAt,
  };
}

/**
 * Whether a rule watches a report segment: a rule naming a VM part sees only breakdown parts
 * (of that name); any other rule only path segments and turnarounds, by kind. Parts re-slice the
 * path's time, so a rule on both would fire twice for one slow stretch.
 */
export function ruleWatchesSegment(rule: Pick<AlertRule, 'segmentKind' | 'vmPart'>, seg: Pick<SegmentStats, 'kind' | 'vm_breakdown'>): boolean {
  if (rule.vmPart !== undefined) return seg.vm_breakdown !== undefined && (rule.vmPart === 'any' || seg.vm_breakdown.part === rule.vmPart);
  if (seg.vm_breakdown !== undefined) return false;
  return rule.segmentKind === 'any' || seg.kind === rule.segmentKind;
}
