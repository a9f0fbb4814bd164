/** Alert rules, stored as JSON in KV `xtrace_alerts`, one key per rule name. */
import { VM_PART_NAMES, alertRuleForm, expecting, hasIssueAt, parseOrThrow, type VmPartName } from '@xtrace/proto';
import { z } from 'zod';
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

const nonNegative = z.number(expecting((v) => `expected a non-negative number, got ${JSON.stringify(v)}`)).min(0, expecting((v) => `expected a non-negative number, got ${JSON.stringify(v)}`));

const webhookUrl = z.unknown().transform((url, ctx) => {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    ctx.issues.push({ code: 'custom', message: `not a URL: ${JSON.stringify(url)}`, input: url });
    return z.NEVER;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.issues.push({ code: 'custom', message: `expected http(s), got ${u.protocol}`, input: url });
    return z.NEVER;
  }
  return u.toString();
});

/** One alert sink by its `type`; only that type's fields are kept. */
const sinkSpecSchema: z.ZodType<SinkSpec, unknown> = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('webhook'), url: webhookUrl, timeoutMs: nonNegative.optional(), retries: nonNegative.transform(Math.floor).optional() }),
    z.object({
      type: z.literal('exec'),
      command: z.string('expected a non-empty command').refine((c) => c.trim() !== '', 'expected a non-empty command'),
      timeoutMs: nonNegative.optional(),
    }),
    z.object({ type: z.literal('nats'), subject: z.string(expecting((v) => `expected a NATS subject without wildcards, got ${JSON.stringify(v)}`)).regex(SUBJECT, expecting((v) => `expected a NATS subject without wildcards, got ${JSON.stringify(v)}`)) }),
  ],
  {
    error: ({ input }) =>
      typeof input !== 'object' || input === null
        ? 'expected {type: webhook|exec|nats, ...}'
        : `expected webhook, exec or nats, got ${JSON.stringify((input as { type?: unknown }).type)}`,
  },
);

const alertRuleSchema = z
  .object(
    {
      name: nameSchema,
      selector: pairSelectorSchema.nullish(),
      segmentKind: z.enum(SEGMENT_KINDS, expecting((v) => `expected one of ${SEGMENT_KINDS.join(', ')}, got ${JSON.stringify(v)}`)).nullish(),
      vmPart: z.enum(ALERT_VM_PARTS, expecting((v) => `expected one of ${ALERT_VM_PARTS.join(', ')}, got ${JSON.stringify(v)}`)).optional(),
      metric: z.enum(ALERT_METRICS, expecting((v) => `expected one of ${ALERT_METRICS.join(', ')}, got ${JSON.stringify(v)}`)),
      op: z.literal('>', expecting((v) => `only ">" is supported, got ${JSON.stringify(v)}`)).nullish(),
      threshold: nonNegative,
      for: durationSchema('30s', { zero: true }).nullish(),
      cooldown: durationSchema('5m', { zero: true }).nullish(),
      sinks: z.array(sinkSpecSchema, 'expected at least one sink (--webhook, --exec or --nats-subject)').min(1, 'expected at least one sink (--webhook, --exec or --nats-subject)'),
      createdAt: z.number('expected epoch milliseconds').nullish(),
    },
    'expected an object',
  )
  .check((ctx) => {
    const { vmPart, segmentKind } = ctx.value;
    if (vmPart !== undefined && segmentKind != null && segmentKind !== 'any' && !hasIssueAt(ctx.issues, 'vmPart', 'segmentKind')) {
      ctx.issues.push({ code: 'custom', path: ['vmPart'], message: `selects VM breakdown parts, not ${segmentKind} segments: give one of segmentKind and vmPart`, input: vmPart });
    }
  })
  .transform(
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
