/**
 * The AlertRules gRPC service (proto/xtrace.proto): alert rules in KV `xtrace_alerts`
 * (fleet/alert-store.ts), which every controller follows and evaluates. Requests are validated
 * by the store (fleet/alert-rule.ts validateAlertRule): a bad one is INVALID_ARGUMENT naming the
 * field (rule.metric, rule.sinks[0].url, ...). TestAlertRule delivers from this controller.
 */
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { alertRuleForm, errorMessage, pairMessage, type AlertDeliveryMessage, type AlertEventMessage, type AlertRuleMessage, type AlertSinkMessage, type AlertSink__Output } from '@xtrace/proto';
import type { AlertRulesHandlers } from '@xtrace/proto/grpc';
import { syntheticEvent, type AlertDispatcher } from './fleet/alert-dispatcher.js';
import type { AlertEvent } from './fleet/alert-evaluator.js';
import type { AlertRule, ParsedAlertRule, SinkSpec } from './fleet/alert-rule.js';
import { AlertStore } from './fleet/alert-store.js';
import type { DeliveryResult } from './fleet/sinks/alert-sink.js';
import { NotFoundError } from './grpc-errors.js';
import { lazyStore, noFleetError, unary } from './grpc-fleet-unary.js';
import { pairSelectorMessage, requestedPairSelector } from './grpc-pair-selector.js';

/** A request's sink as the untrusted value the sink schema checks (fleet/alert-rule.ts), with only its type's fields. */
function requestedSink(s: AlertSink__Output): Record<string, unknown> {
  const o: Record<string, unknown> = { type: s.type };
  if (s.type === 'webhook') o['url'] = s.url;
  if (s.type === 'exec') o['command'] = s.command;
  if (s.type === 'nats') o['subject'] = s.subject;
  if (s.timeoutMs !== undefined) o['timeoutMs'] = s.timeoutMs;
  if (s.retries !== undefined) o['retries'] = s.retries;
  return o;
}

function sinkMessage(s: SinkSpec): AlertSinkMessage {
  const m: AlertSinkMessage = { type: s.type, url: '', command: '', subject: '' };
  if (s.type === 'webhook') {
    m.url = s.url;
    if (s.retries !== undefined) m.retries = s.retries;
  } else if (s.type === 'exec') m.command = s.command;
  else m.subject = s.subject;
  if (s.type !== 'nats' && s.timeoutMs !== undefined) m.timeoutMs = s.timeoutMs;
  return m;
}

function alertRuleMessage(r: ParsedAlertRule): AlertRuleMessage {
  return alertRuleForm(r, pairSelectorMessage(r.selector), r.sinks.map(sinkMessage));
}

/** proto AlertDelivery: a killed exec has no exit code, `killed` says so */
function deliveryMessage(r: DeliveryResult): AlertDeliveryMessage {
  const { exitCode, ...rest } = r;
  return { ...rest, killed: exitCode === null, ...(typeof exitCode === 'number' ? { exitCode } : {}) };
}

/** proto AlertEvent (the segment's vm_breakdown only on a VM breakdown part: null, as a peer decodes an absent one) */
function eventMessage(ev: AlertEvent): AlertEventMessage {
  return { ...ev, pair: pairMessage(ev.pair), segment: { ...ev.segment, vm_breakdown: ev.segment.vm_breakdown ?? null }, test: ev.test === true };
}

const notFound = (name: string): NotFoundError => new NotFoundError('name', `no alert rule named "${name}"`);

/** `fleet` undefined: the controller runs without the fleet layer, every call says so. */
export function createAlertService(fleet: { nc: NatsConnection; dispatcher: AlertDispatcher } | undefined, logger: pino.Logger): AlertRulesHandlers {
  const log = logger.child({ part: 'grpc-alerts' });
  const store = lazyStore(async () => {
    if (fleet === undefined) throw noFleetError('alert rules');
    return AlertStore.open(fleet.nc);
  });
  const rule = async (name: string): Promise<ParsedAlertRule> => {
    const r = await (await store()).get(name);
    if (r === undefined) throw notFound(name);
    return r;
  };
  return {
    AddAlertRule: unary(log, 'AddAlertRule', async (req) => {
      const raw: Record<string, unknown> = {
        name: req.name,
        selector: requestedPairSelector(req.selector, 'rule.selector', 'all-cross-host'),
        segmentKind: req.segmentKind === '' ? 'any' : req.segmentKind,
        metric: req.metric,
        threshold: req.threshold,
        sinks: req.sinks.map(requestedSink),
      };
      if (req.vmPart !== undefined) raw['vmPart'] = req.vmPart;
      if (req.for !== '') raw['for'] = req.for;
      if (req.cooldown !== '') raw['cooldown'] = req.cooldown;
      // validateAlertRule (in add) checks every field of this untrusted value
      const r = await (await store()).add(raw as unknown as Omit<AlertRule, 'createdAt' | 'op'>);
      log.info({ rule: r.name, metric: r.metric, threshold: r.threshold }, 'alert rule added');
      return alertRuleMessage(r);
    }),

    ListAlertRules: unary(log, 'ListAlertRules', async () => ({
      rules: (await (await store()).list((key, e) => log.warn({ key, err: errorMessage(e) }, 'skipping an invalid stored alert rule'))).map(alertRuleMessage),
    })),

    GetAlertRule: unary(log, 'GetAlertRule', async (req) => alertRuleMessage(await rule(req.name))),

    RemoveAlertRule: unary(log, 'RemoveAlertRule', async (req) => {
      if (!(await (await store()).remove(req.name))) throw notFound(req.name);
      log.info({ rule: req.name }, 'alert rule removed');
      return {};
    }),

    TestAlertRule: unary(log, 'TestAlertRule', async (req) => {
      const r = await rule(req.name);
      const event = syntheticEvent(r);
      // the store was opened, so the fleet layer is there
      const results = await fleet!.dispatcher.deliverNow(event, r);
      log.info({ rule: r.name, delivered: results.filter((x) => x.ok).length, failed: results.filter((x) => !x.ok).length }, 'alert rule tested');
      return { event: eventMessage(event), results: results.map(deliveryMessage) };
    }),
  };
}
