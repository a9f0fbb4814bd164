/**
 * `xtrace history --pair A,B [--since 1h] [--until T] [--probe ID] [--limit N] [--follow] [--json]`:
 * stored probe reports, read through the controller's gRPC API (ListHistory / WatchHistory).
 */
import type { Command } from 'commander';
import { UsageError, parsePair, parseTimePoint, type HistoryRecord } from '@xtrace/proto';
import { addControllerOptions, controllerClient, type ControllerFlags } from '../controller-flags.js';
import { readHistory, type HistoryFilter } from '../history-client.js';
import { parsePositiveInt } from '../positive-int.js';

function us(v: unknown): string {
  return typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)}ms` : `${Math.round(v)}us`) : '-';
}

function renderHistoryRecord(r: HistoryRecord): string {
  const rep = r.report;
  const head = `${new Date(rep.at).toISOString()}  ${rep.kind.padEnd(8)}  ${rep.probeId}  ${rep.pair.src} -> ${rep.pair.dst}`;
  const part = (s: (typeof rep.segments)[number]) => (s.vm_breakdown ? `  ${s.vm_breakdown.role} vm part ${s.vm_breakdown.part}` : '');
  const segs = (rep.segments ?? []).map((s) => `    ${`${s.from}->${s.to}`.padEnd(24)} ${s.kind.padEnd(4)} n=${s.count} p50=${us(s.p50_us)} p99=${us(s.p99_us)} max=${us(s.max_us)} lost=${s.lost}${part(s)}`);
  return [head, ...segs].join('\n');
}

interface HistoryCommandDeps {
  /** stdout writer */
  out?: (text: string) => void;
}

type Flags = ControllerFlags & { pair: string; since?: string; until?: string; probe?: string; limit?: string; follow?: boolean; json?: boolean };

export function registerHistoryCommand(program: Command, deps: HistoryCommandDeps = {}): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  return addControllerOptions(program.command('history'))
    .description('probe reports the fleet keeps (JetStream stream XTRACE_HISTORY): interval reports and summaries of past and running probes, read through the controller')
    .requiredOption('--pair <src,dst>', 'the pair: addresses or VM names, e.g. 10.0.0.1,10.0.1.1 or web-1,db-1 (a name is the address the agents know its VM by)')
    .option('--since <time>', 'stored from this long ago (1h, 30m) or an ISO time on')
    .option('--until <time>', 'stored up to this long ago or an ISO time')
    .option('--probe <id>', 'only this probe')
    .option('--limit <n>', 'at most n records (the oldest first)')
    .option('--follow', 'after the stored ones, print new reports as they are stored (stop with Ctrl-C); --since sets where it resumes (default: now)')
    .option('--json', 'JSON output: {records: [...]} (with --follow: one JSON record per line)')
    .addHelpText(
      'after',
      `
A record is {seq, subject, storedAt, report: {probeId, pair, kind: interval|summary, at, from,
segments: [{from, to, kind, count, p50_us, p90_us, p99_us, max_us, lost, ..., histogram}],
pairReport}}; pairReport is the full report (docs/json-schema.md).

Examples:
  xtrace history --pair 10.0.0.1,10.0.1.1 --since 1h
  xtrace history --pair 10.0.0.1,10.0.1.1 --since 10m --follow --json
  xtrace history --pair web-1,db-1 --since 1d`,
    )
    .action(async (f: Flags) => {
      const pair = parsePair(f.pair, '--pair');
      const now = Date.now();
      const filter: HistoryFilter = { pair };
      if (f.since !== undefined) filter.since = parseTimePoint(f.since, '--since', now);
      if (f.until !== undefined) filter.until = parseTimePoint(f.until, '--until', now);
      if (f.probe !== undefined) filter.probeId = f.probe;
      if (f.limit !== undefined) filter.limit = parsePositiveInt(f.limit, '--limit');
      if (f.follow && filter.until !== undefined) throw new UsageError('--until', 'cannot be combined with --follow');
      if (f.follow && filter.limit !== undefined) throw new UsageError('--limit', 'cannot be combined with --follow');
      if (filter.since !== undefined && filter.until !== undefined && filter.until < filter.since) throw new UsageError('--until', 'is before --since');
      const client = controllerClient(f);
      try {
        if (f.follow) {
          filter.since ??= now;
          const ac = new AbortController();
          const onSig = (): void => ac.abort();
          process.once('SIGINT', onSig);
          try {
            for await (const r of readHistory(client, filter, true, ac.signal)) out(f.json ? `${JSON.stringify(r)}\n` : `${renderHistoryRecord(r)}\n`);
          } finally {
            process.off('SIGINT', onSig);
          }
          return;
        }
        const records: HistoryRecord[] = [];
        for await (const r of readHistory(client, filter, false)) records.push(r);
        if (f.json) out(`${JSON.stringify({ records }, null, 2)}\n`);
        else out(records.length === 0 ? `no history for ${pair.src} -> ${pair.dst}\n` : `${records.map(renderHistoryRecord).join('\n')}\n`);
      } finally {
        client.close();
      }
    });
}
