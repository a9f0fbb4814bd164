/** `xtrace history --pair A,B [--since 1h] [--until T] [--probe ID] [--follow] [--json]`: stored probe reports. */
import type { Command } from 'commander';
import { UsageError } from '@xtrace/proto';
import { HistoryStore, parsePair, parseTimePoint, type HistoryRecord } from '@xtrace/controller';
import { addNatsOptions } from '../nats-flags.js';
import { parsePositiveInt } from '../positive-int.js';
import { fleetDeps, withNats, type FleetCommandDeps } from './fleet-deps.js';

function us(v: unknown): string {
  return typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)}ms` : `${Math.round(v)}us`) : '-';
}

export function renderHistoryRecord(r: HistoryRecord): string {
  const rep = r.report;
  const head = `${new Date(rep.at).toISOString()}  ${rep.kind.padEnd(8)}  ${rep.probeId}  ${rep.pair.src} -> ${rep.pair.dst}`;
  const segs = (rep.segments ?? []).map((s) => `    ${`${s.from}->${s.to}`.padEnd(24)} ${s.kind.padEnd(4)} n=${s.count} p50=${us(s.p50_us)} p99=${us(s.p99_us)} max=${us(s.max_us)} lost=${s.lost}`);
  return [head, ...segs].join('\n');
}

export function registerHistoryCommand(program: Command, depsIn: FleetCommandDeps = {}): Command {
  const deps = fleetDeps(depsIn);
  return addNatsOptions(
    program
      .command('history')
      .description('probe reports kept in JetStream (XTRACE_HISTORY): interval reports and summaries of past probes')
      .requiredOption('--pair <src,dst>', 'the pair, e.g. 10.0.0.1,10.0.1.1')
      .option('--since <time>', 'from this long ago (1h, 30m) or an ISO time')
      .option('--until <time>', 'up to this long ago or an ISO time')
      .option('--probe <id>', 'only this probe')
      .option('--limit <n>', 'at most n records')
      .option('--follow', 'keep following new reports (stop with Ctrl-C)')
      .option('--json', 'JSON output: {records: [...]} (with --follow: one JSON record per line)')
      .addHelpText('after', '\nExamples:\n  xtrace history --pair 10.0.0.1,10.0.1.1 --since 1h\n  xtrace history --pair 10.0.0.1,10.0.1.1 --since 10m --follow --json'),
  ).action(async (f: Record<string, unknown> & { pair: string; since?: string; until?: string; probe?: string; limit?: string; follow?: boolean; json?: boolean }) => {
    const pair = parsePair(f.pair, '--pair');
    const now = Date.now();
    const since = f.since !== undefined ? parseTimePoint(f.since, '--since', now) : undefined;
    const until = f.until !== undefined ? parseTimePoint(f.until, '--until', now) : undefined;
    const limit = f.limit !== undefined ? parsePositiveInt(f.limit, '--limit') : undefined;
    if (f.follow && until !== undefined) throw new UsageError('--until', 'cannot be combined with --follow');
    await withNats(deps, f, async (nc) => {
      const h = await HistoryStore.open(nc);
      if (f.follow) {
        const ac = new AbortController();
        const onSig = () => ac.abort();
        process.once('SIGINT', onSig);
        try {
          for await (const r of h.watch({ pair, ...(f.probe !== undefined ? { probeId: f.probe } : {}), from: since ?? now, signal: ac.signal })) {
            deps.out(f.json ? `${JSON.stringify(r)}\n` : `${renderHistoryRecord(r)}\n`);
          }
        } finally {
          process.off('SIGINT', onSig);
        }
        return;
      }
      const records = await h.read({
        pair,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(f.probe !== undefined ? { probeId: f.probe } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      if (f.json) deps.out(`${JSON.stringify({ records }, null, 2)}\n`);
      else deps.out(records.length === 0 ? `no history for ${pair.src} -> ${pair.dst}\n` : `${records.map(renderHistoryRecord).join('\n')}\n`);
    });
  });
}
