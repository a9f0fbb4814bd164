/** Alert rules, stored as JSON in KV `xtrace_alerts`, one key per rule name. */
import { VM_PART_NAMES, alertRuleForm, chosenSchema, crossCheck, expecting, finiteNumber, hasIssueAt, objectSchema, parseOrThrow, type VmPartName } from '@xtrace/proto';
import * as v from 'valibot';
import { pairSelectorSchema, type PairSelector } from './pair-selector.js';
import type { SegmentStats } from './probe-report.js';
import { durationSchema, nameSchema } from './schedule.js';

const ALERT_METRICS = ['p50', 'p99', 'max', 'loss'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
const SEGMENT_KINDS = ['host', 'wire', 'vm', 'any'] as const;
export type AlertSegmentKind = (typeof SEGMENT_KINDS)[number];
/** what a rule's `vmPart` may name: one part of the VMs' breakdowns (VM_PART_NAMES), or any */
const ALERT_VM_PARTS = [...VM_PART_NAMES, 'any'] as const;
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

const nonNegativeMessage = expecting((x) => `expected a non-negative number, got ${JSON.stringify(x)}`);
const nonNegative = v.pipe(finiteNumber(nonNegativeMessage), v.minValue(0, nonNegativeMessage));

const webhookUrl = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const url = dataset.value;
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      addIssue({ message: `not a URL: ${JSON.stringify(url)}` });
      return NEVER;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      addIssue({ message: `expected http(s), got ${u.protocol}` });
      return NEVER;
    }
    return u.toString();
  }),
);

const natsSubject = expecting((x) => `expected a NATS subject without wildcards, got ${JSON.stringify(x)}`);

/** each sink type's fields; only these are kept */
const SINK_FORMS = {
  webhook: objectSchema({ type: v.literal('webhook'), url: webhookUrl, timeoutMs: v.optional(nonNegative), retries: v.optional(v.pipe(nonNegative, v.transform(Math.floor))) }),
  exec: objectSchema({
    type: v.literal('exec'),
    command: v.pipe(
      v.string('expected a non-empty command'),
      v.check((c) => c.trim() !== '', 'expected a non-empty command'),
    ),
    timeoutMs: v.optional(nonNegative),
  }),
  nats: objectSchema({ type: v.literal('nats'), subject: v.pipe(v.string(natsSubject), v.regex(SUBJECT, natsSubject)) }),
} as const;

/** One alert sink by its `type`. */
const sinkSpecSchema: v.GenericSchema<unknown, SinkSpec> = chosenSchema<SinkSpec>((input) => {
  if (typeof input !== 'object' || input === null) return { message: 'expected {type: webhook|exec|nats, ...}' };
  if (Array.isArray(input)) return { message: 'expected webhook, exec or nats, got undefined' };
  const type = (input as { type?: unknown }).type;
  if (typeof type === 'string' && Object.hasOwn(SINK_FORMS, type)) return SINK_FORMS[type as keyof typeof SINK_FORMS];
  return { message: `expected webhook, exec or nats, got ${JSON.stringify(type)}`, key: 'type' };
});

const atLeastOneSink = 'expected at least one sink (--webhook, --exec or --nats-subject)';

const alertRuleSchema = v.pipe(
  objectSchema(
    {
      name: nameSchema,
      selector: v.nullish(pairSelectorSchema),
      segmentKind: v.nullish(v.picklist(SEGMENT_KINDS, expecting((x) => `expected one of ${SEGMENT_KINDS.join(', ')}, got ${JSON.stringify(x)}`))),
      vmPart: v.optional(v.picklist(ALERT_VM_PARTS, expecting((x) => `expected one of ${ALERT_VM_PARTS.join(', ')}, got ${JSON.stringify(x)}`))),
      metric: v.picklist(ALERT_METRICS, expecting((x) => `expected one of ${ALERT_METRICS.join(', ')}, got ${JSON.stringify(x)}`)),
      op: v.nullish(v.literal('>', expecting((x) => `only ">" is supported, got ${JSON.stringify(x)}`))),
      threshold: nonNegative,
      for: v.nullish(durationSchema('30s', { zero: true })),
      cooldown: v.nullish(durationSchema('5m', { zero: true })),
      sinks: v.pipe(v.array(sinkSpecSchema, atLeastOneSink), v.minLength(1, atLeastOneSink)),
      createdAt: v.nullish(finiteNumber('expected epoch milliseconds')),
    },
    'expected an object',
  ),
  crossCheck(({ vmPart, segmentKind }, issues, fail) => {
    if (vmPart !== undefined && segmentKind != null && segmentKind !== 'any' && !hasIssueAt(issues, 'vmPart', 'segmentKind')) {
      fail('vmPart', `selects VM breakdown parts, not ${segmentKind} segments: give one of segmentKind and vmPart`);
    }
  }),
  v.transform(
    (o): ParsedAlertRule => ({
      name: o.name,
      selector: o.selector ?? 'all-cross-host',
      segmentKind: o.segmentKind ?? 'any',
      ...(o.vmPart !== undefined ? { vmPart: o.vmPart } : {}),
      metric: o.metric,
      op: '>',
      threshold: o.threshold,
      for: o.for?.text ?? '0s',
      cooldown: o.cooldown?.text ?? '0s',
      sinks: o.sinks,
      createdAt: o.createdAt ?? Date.now(),
      forMs: o.for?.ms ?? 0,
      cooldownMs: o.cooldown?.ms ?? 0,
    }),
  ),
);

/** Validate an untrusted value as an alert rule; the error names the exact field. */
export function validateAlertRule(value: unknown, field = 'rule'): ParsedAlertRule {
  return parseOrThrow(alertRuleSchema, value, field);
}

/** The rule as stored: its fields only (a parsed rule's forMs/cooldownMs stay behind). */
export function alertRuleRecord(r: AlertRule): AlertRule {
  return alertRuleForm(r, r.selector, r.sinks);
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
