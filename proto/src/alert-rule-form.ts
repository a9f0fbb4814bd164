/**
 * An alert rule's fields in their one order, whatever form its selector and sinks take: the
 * stored record (controller/src/fleet/alert-rule.ts), the AlertRules gRPC message
 * (controller/src/grpc-alert-service.ts) and the CLI's --json form (cli/src/commands/alert.ts).
 */

/** what every form of a rule holds besides its selector and sinks */
type AlertRuleFields = Record<'name' | 'segmentKind' | 'metric' | 'op' | 'for' | 'cooldown', string> & Record<'threshold' | 'createdAt', number> & { vmPart?: string };
type AlertRuleField = keyof AlertRuleFields;

/** `r`'s fields (only those: a parsed rule's extras stay behind) with `selector` and `sinks` in their place. */
export function alertRuleForm<R extends AlertRuleFields, Selector, Sink>(
  r: R,
  selector: Selector,
  sinks: Sink[],
): Pick<R, AlertRuleField> & { selector: Selector; sinks: Sink[] } {
  return {
    name: r.name,
    selector,
    segmentKind: r.segmentKind,
    ...(r.vmPart !== undefined ? { vmPart: r.vmPart } : {}),
    metric: r.metric,
    op: r.op,
    threshold: r.threshold,
    for: r.for,
    cooldown: r.cooldown,
    sinks,
    createdAt: r.createdAt,
  };
}
