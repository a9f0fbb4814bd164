/**
 * Adapts the matcher of controller/src/analysis (PathMatcher) to the ProbeAnalyzer the
 * probe lifecycle drives. The analysis report already has the report JSON's shape.
 */
import type pino from 'pino';
import { PathMatcher, renderReport, type ProbeReport } from './analysis/index.js';
import type { AnalysisReport, AnalyzerContext, AnalyzerFactory, ProbeAnalyzer } from './probe-analyzer.js';

type RenderFn = (report: AnalysisReport) => string;

export class PathMatcherAnalyzer implements ProbeAnalyzer {
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
    });
  }

  addBatch(b: Parameters<ProbeAnalyzer['addBatch']>[0]): void {
    this.matcher.ingest(
      { hostId: b.hostId, bootId: b.bootId, seq: b.seq, records: b.records, clockOffsetHintNs: b.clock.realNs - b.clock.monoNs },
      Date.now(),
    );
  }

  addLostBatches(_hostId: string, count: number): void {
    this.matcher.noteLostBatches(count);
  }

  intervalReport(nowMs: number): AnalysisReport {
    return this.matcher.takeIntervalReport(nowMs) as unknown as AnalysisReport;
  }

  finalReport(nowMs: number): AnalysisReport {
    return this.matcher.finish(nowMs) as unknown as AnalysisReport;
  }

  render(report: AnalysisReport): string {
    return this.renderFn ? this.renderFn(report) : '';
  }
}

export function defaultAnalyzerFactory(_logger: pino.Logger): AnalyzerFactory {
  return (ctx) => new PathMatcherAnalyzer(ctx, (r) => renderReport(r as unknown as ProbeReport));
}
