/** `xtrace alert add|list|rm|test`: alert rules in NATS KV xtrace_alerts, evaluated by the controllers. */
import type { Command } from 'commander';
import { UsageError, VM_PART_NAMES, XtraceError } from '@xtrace/proto';
import { VM_PART_LABELS } from '@xtrace/controller/analysis';
import {
  ALERT_METRICS,
  ALERT_VM_PARTS,
  AlertDispatcher,
  AlertStore,
  SEGMENT_KINDS,
  formatPairSelector,
  parseDurationUs,
  parsePairSelector,
  syntheticEvent,
  type AlertMetric,
  type AlertSegmentKind,
  type AlertVmPart,
  type ParsedAlertRule,
  type SinkSpec,
} from '@xtrace/controller';
import { addNatsOptions } from '../nats-flags.js';
import { fleetDeps, table, withNats, type FleetCommandDeps } from './fleet-deps.js';

type Flags = Record<string, unknown> & { json?: boolean };

const collect = (v: string, prev: string[] = []) => [...prev, v];

function ruleJson(r: ParsedAlertRule) {
  const { forMs: _f, cooldownMs: _c, ...rest } = r;
  return rest;
}

function thresholdText(r: ParsedAlertRule): string {
  return r.metric === 'loss' ? `${r.threshold} pkts` : `${r.threshold}us`;
}

/** what the rule watches: a segment kind, or a part of the VMs' breakdowns */
function watchedText(r: ParsedAlertRule): string {
  return r.vmPart !== undefined ? `vm part ${r.vmPart}` : r.segmentKind;
}

function sinkText(s: SinkSpec): string {
  return s.type === 'webhook' ? `webhook:${s.url}` : s.type === 'exec' ? `exec:${s.command}` : `nats:${s.subject}`;
}

/** `--above 500us` for latency metrics, `--above 5` (packets) for loss. */
export function parseThreshold(text: string, metric: AlertMetric): number {
  if (metric === 'loss') {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new UsageError('--above', `loss threshold is a packet count, got "${text}"`);
    return n;
  }
  return parseDurationUs(text, '--above');
}

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

  addNatsOptions(
    cmd
      .command('add <name>')
      .description('add an alert rule')
      .option('--pairs <selector>', 'which pairs (as in schedule add)', 'all-cross-host')
      .option('--segment <kind>', `segment kind: ${SEGMENT_KINDS.join('|')}`, 'any')
      .option('--vm-part <part>', `a part of the VMs' breakdowns instead of segments: ${ALERT_VM_PARTS.join('|')}`)
      .requiredOption('--metric <metric>', `${ALERT_METRICS.join('|')}`)
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
      if (!ALERT_METRICS.includes(f.metric as AlertMetric)) throw new UsageError('--metric', `expected one of ${ALERT_METRICS.join(', ')}, got "${f.metric}"`);
      if (!SEGMENT_KINDS.includes(f.segment as AlertSegmentKind)) throw new UsageError('--segment', `expected one of ${SEGMENT_KINDS.join(', ')}, got "${f.segment}"`);
      if (f.vmPart !== undefined) {
        if (!ALERT_VM_PARTS.includes(f.vmPart as AlertVmPart)) throw new UsageError('--vm-part', `expected one of ${ALERT_VM_PARTS.join(', ')}, got "${f.vmPart}"`);
        if (f.segment !== 'any') throw new UsageError('--vm-part', `watches VM breakdown parts, not ${f.segment} segments: give --segment or --vm-part`);
      }
      const sinks: SinkSpec[] = [
        ...(f.webhook ?? []).map((url): SinkSpec => ({ type: 'webhook', url })),
        ...(f.exec ?? []).map((command): SinkSpec => ({ type: 'exec', command })),
        ...(f.natsSubject ?? []).map((subject): SinkSpec => ({ type: 'nats', subject })),
      ];
      if (sinks.length === 0) throw new UsageError('--webhook', 'give at least one sink: --webhook URL, --exec CMD or --nats-subject S');
      const metric = f.metric as AlertMetric;
      const rule = await withNats(deps, f, async (nc) =>
        (await AlertStore.open(nc)).add({
          name,
          selector: parsePairSelector(f.pairs, '--pairs'),
          segmentKind: f.segment as AlertSegmentKind,
          ...(f.vmPart !== undefined ? { vmPart: f.vmPart as AlertVmPart } : {}),
          metric,
          threshold: parseThreshold(f.above, metric),
          for: f.for,
          cooldown: f.cooldown,
          sinks,
        }),
      );
      deps.out(
        f.json
          ? `${JSON.stringify(ruleJson(rule), null, 2)}\n`
          : `alert ${rule.name} added: ${watchedText(rule)} ${rule.metric} > ${thresholdText(rule)} for ${rule.for}, cooldown ${rule.cooldown} -> ${rule.sinks.map(sinkText).join(', ')}\n`,
      );
    },
  );

  addNatsOptions(cmd.command('list').description('list alert rules').option('--json', 'JSON output: {rules: [...]}')).action(async (f: Flags) => {
    const rules = await withNats(deps, f, async (nc) => (await AlertStore.open(nc)).list());
    if (f.json) {
      deps.out(`${JSON.stringify({ rules: rules.map(ruleJson) }, null, 2)}\n`);
      return;
    }
    deps.out(
      rules.length === 0
        ? 'no alert rules\n'
        : `${table([
            ['NAME', 'PAIRS', 'SEGMENT', 'CONDITION', 'FOR', 'COOLDOWN', 'SINKS'],
            ...rules.map((r) => [r.name, formatPairSelector(r.selector), watchedText(r), `${r.metric} > ${thresholdText(r)}`, r.for, r.cooldown, r.sinks.map(sinkText).join(' ')]),
          ])}\n`,
    );
  });

  addNatsOptions(cmd.command('rm <name>').description('remove an alert rule')).action(async (name: string, f: Flags) => {
    const removed = await withNats(deps, f, async (nc) => (await AlertStore.open(nc)).remove(name));
    if (!removed) throw new UsageError('name', `no alert rule named "${name}"`);
    deps.out(`alert ${name} removed\n`);
  });

  addNatsOptions(cmd.command('test <name>').description("send a synthetic firing event to the rule's sinks and report each delivery").option('--json', 'JSON output: {event, results}')).action(
    async (name: string, f: Flags) => {
      const { event, results } = await withNats(deps, f, async (nc) => {
        const rule = await (await AlertStore.open(nc)).get(name);
        if (rule === undefined) throw new UsageError('name', `no alert rule named "${name}"`);
        const event = syntheticEvent(rule);
        return { event, results: await new AlertDispatcher({ nc }).deliverNow(event, rule) };
      });
      if (f.json) deps.out(`${JSON.stringify({ event, results }, null, 2)}\n`);
      else {
        deps.out(
          `${table([
            ['SINK', 'RESULT', 'ATTEMPTS', 'DETAIL', 'MS'],
            ...results.map((r) => [
              r.sink,
              r.ok ? 'delivered' : 'FAILED',
              String(r.attempts),
              r.status !== undefined ? `HTTP ${r.status}` : r.exitCode !== undefined ? `exit ${r.exitCode ?? 'killed'}` : (r.error ?? ''),
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
