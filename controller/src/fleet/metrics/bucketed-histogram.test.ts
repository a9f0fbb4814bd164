import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { BucketedHistogram, MetricsError } from './bucketed-histogram.js';

describe('BucketedHistogram', () => {
  it('renders pre-bucketed counts as prom-client writes a histogram: cumulative le buckets, +Inf, _sum, _count', async () => {
    const registry = new Registry();
    const h = new BucketedHistogram({ name: 'x_latency_seconds', help: 'Latency with a \\ backslash\nand newline', labelNames: ['kind', 'path'], buckets: [0.001, 0.01, 0.1], registers: [registry] });
    // labels given out of order: written in the declared order
    h.addCounts({ path: 'a "quoted"\\path\nline', kind: 'wire' }, [1, 1, 2, 1], 3.1025);
    h.addCounts({ kind: 'wire', path: 'a "quoted"\\path\nline' }, [0, 0, 1, 0], 0.05);
    const text = await registry.metrics();
    const series = 'kind="wire",path="a \\"quoted\\"\\\\path\\nline"';
    expect(text).toBe(
      [
        '# HELP x_latency_seconds Latency with a \\\\ backslash\\nand newline',
        '# TYPE x_latency_seconds histogram',
        `x_latency_seconds_bucket{${series},le="0.001"} 1`,
        `x_latency_seconds_bucket{${series},le="0.01"} 2`,
        `x_latency_seconds_bucket{${series},le="0.1"} 5`,
        `x_latency_seconds_bucket{${series},le="+Inf"} 6`,
        `x_latency_seconds_sum{${series}} 3.1525`,
        `x_latency_seconds_count{${series}} 6`,
        '',
      ].join('\n'),
    );
    // prom-client's JSON (getMetricsAsJSON, get()) has the same samples
    const [json] = await registry.getMetricsAsJSON();
    expect(json?.type).toBe('histogram');
    expect(json?.values.map((v) => [(v as { metricName?: string }).metricName, v.labels['le'], v.value])).toEqual([
      ['x_latency_seconds_bucket', 0.001, 1],
      ['x_latency_seconds_bucket', 0.01, 2],
      ['x_latency_seconds_bucket', 0.1, 5],
      ['x_latency_seconds_bucket', '+Inf', 6],
      ['x_latency_seconds_sum', undefined, 3.1525],
      ['x_latency_seconds_count', undefined, 6],
    ]);
  });

  it('forgets series (remove, reset), starts one at zero, and takes no single observations', async () => {
    const registry = new Registry();
    const h = new BucketedHistogram({ name: 'h_seconds', help: 'h', labelNames: ['a'], buckets: [1, 2], registers: [registry] });
    h.addCounts({ a: 'x' }, [1, 0, 0], 0.5);
    h.addCounts({ a: 'y' }, [0, 1, 0], 1.5);
    h.remove({ a: 'x' });
    h.remove('y');
    h.zero({ a: 'z' });
    expect(await registry.metrics()).toContain('h_seconds_count{a="z"} 0\n');
    expect(await registry.metrics()).not.toMatch(/a="[xy]"/);
    h.reset();
    expect(await registry.metrics()).toBe('# HELP h_seconds h\n# TYPE h_seconds histogram\n');
    expect(() => h.observe({ a: 'x' }, 1)).toThrow(MetricsError);
    expect(() => h.labels('x')).toThrow(MetricsError);
  });

  it('rejects label mismatches, count arrays of the wrong length, decreasing buckets', () => {
    const h = new BucketedHistogram({ name: 'ok_seconds', help: 'ok', labelNames: ['a'], buckets: [1, 2], registers: [] });
    expect(() => h.addCounts({ b: '1' } as never, [0, 0, 0], 0)).toThrow(/expected labels \{a\}/);
    expect(() => h.addCounts({ a: '1' }, [0, 0], 0)).toThrow(/counts has 2 entries, expected 3/);
    expect(() => new BucketedHistogram({ name: 'bad_seconds', help: 'bad', buckets: [2, 1], registers: [] })).toThrow(/increase/);
  });
});
