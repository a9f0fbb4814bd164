/**
 * Adapts the matcher of controller/src/analysis (PathMatcher) to the ProbeAnalyzer the
 * probe lifecycle drives. The matcher's AnalysisReport is the report JSON's analysis part.
 */
import type pino from 'pino';
import type { AnalysisReport } from '@xtrace/proto';
import { renderReport } from '@xtrace/proto/render';
import { PathMatcher } from './analysis/index.js';
import type { AnalyzerContext, AnalyzerFactory, ProbeAnalyzer } from './probe-analyzer.js';

type RenderFn = (report: AnalysisReport) => string;

class PathMatcherAnalyzer implements ProbeAnalyzer {
  private readonly matcher: PathMatcher;
  constructor(
    ctx: AnalyzerContext,
    private readonly renderFn: RenderFn | undefined,
  ) {
    // the agent already split records per probe, and slots differ per host: take every record
    this.matcher = new PathMatcher({
      hosts: ctx.hosts,
      startMs: Date.now(),
      ...(ctx.attachedStages ? { expectedStages: ctx.attachedStages } : {}),
      ...(ctx.dropReasons ? { dropReasonsByHost: Object.fromEntries(Object.entries(ctx.dropReasons).map(([h, r]) => [h, new Map(r)])) } : {}),
      ...(ctx.port ? { servicePort: ctx.port } : {}),
    });
  }

  addBatch(b: Parameters<ProbeAnalyzer['addBatch']>[0]): void {
    this.matcher.ingest(
      { hostId: b.hostId, bootId: b.bootId, seq: b.seq, records: b.records, clockOffsetHintNs: b.clock.realNs - b.clock.monoNs, cutMonoNs: b.clock.monoNs },
      Date.now(),
    );
  }

  addLostBatches(_hostId: string, count: number): void {
    this.matcher.noteLostBatches(count);
  }

  intervalReport(nowMs: number): AnalysisReport {
    return this.matcher.takeIntervalReport(nowMs);
  }

  finalReport(nowMs: number): AnalysisReport {
    return this.matcher.finish(nowMs);
  }

  render(report: AnalysisReport): string {
    return this.renderFn ? this.renderFn(report) : '';
  }
}

export function defaultAnalyzerFactory(_logger: pino.Logger): AnalyzerFactory {
  return (ctx) => new PathMatcherAnalyzer(ctx, renderReport);
}
