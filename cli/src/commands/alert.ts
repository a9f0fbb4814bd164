/** `xtrace alert add|list|rm|test`: alert rules the controllers evaluate, through the controller's AlertRules gRPC service. */
import type { Command } from 'commander';
import { VM_PART_LABELS } from '@xtrace/proto/render';
import {
  UsageError,
  VM_PART_NAMES,
  XtraceError,
  alertRuleForm,
  parseDurationUs,
  type AddAlertRuleRequest,
  type AlertDeliveryMessage,
  type AlertEventMessage,
  type AlertRuleMessage,
  type AlertSink,
  type AlertSinkMessage,
  type TestAlertRuleResponse,
} from '@xtrace/proto';
import { pairSelectorJson } from '../pair-selector-json.js';
import { addControllerOptions } from '../controller-flags.js';
import { callController, fleetDeps, table, type FleetCommandDeps } from './fleet-deps.js';

type Flags = Record<string, unknown> & { json?: boolean; controller?: string };

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** a sink as stored (the --json form): its type's fields only */
function sinkJson(s: AlertSinkMessage) {
  const extra = { ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}), ...(s.retries !== undefined ? { retries: s.retries } : {}) };
  if (s.type === 'webhook') return { type: s.type, url: s.url, ...extra };
  if (s.type === 'exec') return { type: s.type, command: s.command, ...extra };
  return { type: s.type, subject: s.subject };
}

/** the rule as stored (the --json form) */
function ruleJson(r: AlertRuleMessage) {
  return alertRuleForm(r, pairSelectorJson(r.selector), r.sinks.map(sinkJson));
}

/** the event as the sinks got it (the --json form) */
function eventJson(ev: AlertEventMessage) {
  const { segment, test, ...rest } = ev;
  const { vm_breakdown, ...seg } = segment;
  return { ...rest, segment: vm_breakdown ? { ...seg, vm_breakdown } : seg, ...(test ? { test } : {}) };
}

/** a delivery (the --json form): a killed exec's exit code is null */
function deliveryJson(r: AlertDeliveryMessage) {
  const { killed, exitCode, ...rest } = r;
  return { ...rest, ...(killed ? { exitCode: null } : exitCode !== undefined ? { exitCode } : {}) };
}

function thresholdText(r: AlertRuleMessage): string {
  return r.metric === 'loss' ? `${r.threshold} pkts` : `${r.threshold}us`;
}

/** what the rule watches: a segment kind, or a part of the VMs' breakdowns */
function watchedText(r: AlertRuleMessage): string {
  return r.vmPart !== undefined ? `vm part ${r.vmPart}` : r.segmentKind;
}

function sinkText(s: AlertSinkMessage): string {
  return s.type === 'webhook' ? `webhook:${s.url}` : s.type === 'exec' ? `exec:${s.command}` : `nats:${s.subject}`;
}

/** `--above 500us` for latency metrics, `--above 5` (packets) for loss. */
function parseThreshold(text: string, metric: string): number {
  if (metric === 'loss') {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new UsageError('--above', `loss threshold is a packet count, got "${text}"`);
    return n;
  }
  return parseDurationUs(text, '--above');
}

/** sinks deliver with retries and timeouts (a webhook: up to 4 tries of 5 s): give them time */
const TEST_DEADLINE_MS = 120_000;

export function registerAlertCommand(program: Command, depsIn: FleetCommandDeps = {}): Command {
  const deps = fleetDeps(depsIn);
  const cmd = program
    .command('alert')
    .description('alert rules on segment latency/loss, evaluated by the controllers on every interval report')
    .addHelpText(
      'after',
      `
Segments: each direction's path segments (host, wire) and the destination VM's turnaround (vm).
With vhost stages, --vm-part watches a part of the VMs' breakdowns instead:
${VM_PART_NAMES.map((p) => `  ${p.padEnd(15)} ${VM_PART_LABELS[p].name}`).join('\n')}

Examples:
  xtrace alert add wire-slow --segment wire --metric p99 --above 500us --for 30s --cooldown 5m --webhook http://hooks.example/xtrace
  xtrace alert add host-loss --segment host --metric loss --above 10 --for 1m --exec '/usr/local/bin/page-oncall'
  xtrace alert add any-max --metric max --above 20ms --nats-subject ops.alerts
  xtrace alert add guest-slow --vm-part guest --metric p99 --above 5ms --for 1m --nats-subject ops.alerts
  xtrace alert add vhost-slow --vm-part rx_worker_wait --metric p99 --above 1ms --webhook http://hooks.example/xtrace
  xtrace alert test wire-slow`,
    );

  addControllerOptions(
    cmd
      .command('add <name>')
      .description('add an alert rule')
      .option('--pairs <selector>', 'which pairs (as in schedule add)', 'all-cross-host')
      .option('--segment <kind>', 'segment kind: host|wire|vm|any', 'any')
      .option('--vm-part <part>', `a part of the VMs' breakdowns instead of segments: ${[...VM_PART_NAMES, 'any'].join('|')}`)
      .requiredOption('--metric <metric>', 'p50|p99|max|loss')
      .requiredOption('--above <threshold>', 'latency (e.g. 500us, 2ms) or, for loss, a packet count')
      .option('--for <duration>', 'condition must hold this long before firing', '0s')
      .option('--cooldown <duration>', 'quiet time after a resolve before the next firing', '5m')
      .option('--webhook <url>', 'POST the event JSON to this URL (repeatable)', collect)
      .option('--exec <command>', 'run this shell command with the event JSON on stdin (repeatable)', collect)
      .option('--nats-subject <subject>', 'publish the event JSON on this NATS subject (repeatable)', collect)
      .option('--json', 'print the stored rule as JSON'),
  ).action(
    async (
      name: string,
      f: Flags & { pairs: string; segment: string; vmPart?: string; metric: string; above: string; for: string; cooldown: string; webhook?: string[]; exec?: string[]; natsSubject?: string[] },
    ) => {
      if (f.vmPart !== undefined && f.segment !== 'any') throw new UsageError('--vm-part', `watches VM breakdown parts, not ${f.segment} segments: give --segment or --vm-part`);
      const sink = (type: AlertSinkMessage['type'], v: AlertSink): AlertSink => ({ type, url: '', command: '', subject: '', ...v });
      const req: AddAlertRuleRequest = {
        name,
        selector: { text: f.pairs },
        segmentKind: f.segment,
        ...(f.vmPart !== undefined ? { vmPart: f.vmPart } : {}),
        metric: f.metric,
        threshold: parseThreshold(f.above, f.metric),
        for: f.for,
        cooldown: f.cooldown,
        sinks: [
          ...(f.webhook ?? []).map((url) => sink('webhook', { url })),
          ...(f.exec ?? []).map((command) => sink('exec', { command })),
          ...(f.natsSubject ?? []).map((subject) => sink('nats', { subject })),
        ],
      };
      const rule: AlertRuleMessage = await callController(f, 'AlertRules', 'AddAlertRule', req);
      deps.out(
        f.json
          ? `${JSON.stringify(ruleJson(rule), null, 2)}\n`
          : `alert ${rule.name} added: ${watchedText(rule)} ${rule.metric} > ${thresholdText(rule)} for ${rule.for}, cooldown ${rule.cooldown} -> ${rule.sinks.map(sinkText).join(', ')}\n`,
      );
    },
  );

  addControllerOptions(cmd.command('list').description('list alert rules').option('--json', 'JSON output: {rules: [...]}')).action(async (f: Flags) => {
    const { rules }: { rules: AlertRuleMessage[] } = await callController(f, 'AlertRules', 'ListAlertRules', {});
    if (f.json) {
      deps.out(`${JSON.stringify({ rules: rules.map(ruleJson) }, null, 2)}\n`);
      return;
    }
    deps.out(
      rules.length === 0
        ? 'no alert rules\n'
        : `${table([
            ['NAME', 'PAIRS', 'SEGMENT', 'CONDITION', 'FOR', 'COOLDOWN', 'SINKS'],
            ...rules.map((r) => [r.name, r.selector.text, watchedText(r), `${r.metric} > ${thresholdText(r)}`, r.for, r.cooldown, r.sinks.map(sinkText).join(' ')]),
          ])}\n`,
    );
  });

  addControllerOptions(cmd.command('rm <name>').description('remove an alert rule')).action(async (name: string, f: Flags) => {
    await callController(f, 'AlertRules', 'RemoveAlertRule', { name });
    deps.out(`alert ${name} removed\n`);
  });

  addControllerOptions(
    cmd.command('test <name>').description("have the controller send a synthetic firing event to the rule's sinks and report each delivery").option('--json', 'JSON output: {event, results}'),
  ).action(
    async (name: string, f: Flags) => {
      const { event, results }: TestAlertRuleResponse = await callController(f, 'AlertRules', 'TestAlertRule', { name }, TEST_DEADLINE_MS);
      if (f.json) deps.out(`${JSON.stringify({ event: eventJson(event), results: results.map(deliveryJson) }, null, 2)}\n`);
      else {
        deps.out(
          `${table([
            ['SINK', 'RESULT', 'ATTEMPTS', 'DETAIL', 'MS'],
            ...results.map((r) => [
              r.sink,
              r.ok ? 'delivered' : 'FAILED',
              String(r.attempts),
              r.status !== undefined ? `HTTP ${r.status}` : r.killed ? 'exit killed' : r.exitCode !== undefined ? `exit ${r.exitCode}` : (r.error ?? ''),
              String(r.ms),
            ]),
          ])}\n`,
        );
      }
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new XtraceError('agent', `${failed.length} of ${results.length} sinks failed: ${failed.map((r) => `${r.sink}: ${r.error ?? 'failed'}`).join('; ')}`);
    },
  );
  return cmd;
}
