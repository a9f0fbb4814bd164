import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition-parser.js';
import { MetricsError, MetricsRegistry } from './registry.js';

describe('MetricsRegistry text format', () => {
  it('renders HELP/TYPE, escapes, cumulative buckets with +Inf, _sum and _count, and parses back', () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'x_requests_total', help: 'Requests with a \\ backslash\nand newline', labelNames: ['path'] });
    const g = r.gauge({ name: 'x_temp', help: 'Temp' });
    const h = r.histogram({ name: 'x_latency_seconds', help: 'Latency', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1] });
    c.inc({ path: 'a "quoted"\\path\nline' }, 2);
    c.inc({ path: 'b' });
    g.set(undefined, -1.5);
    for (const v of [0.0005, 0.002, 0.05, 0.05, 3]) h.observe({ kind: 'wire' }, v);
    const text = r.render();
    expect(text).toContain('# HELP x_requests_total Requests with a \\\\ backslash\\nand newline\n# TYPE x_requests_total counter\n');
    expect(text).toContain('x_requests_total{path="a \\"quoted\\"\\\\path\\nline"} 2\n');
    expect(text).toContain('x_latency_seconds_bucket{kind="wire",le="+Inf"} 5\n');

    const fams = parseExposition(text);
    expect(fams.get('x_requests_total')).toMatchObject({ type: 'counter', help: 'Requests with a \\ backslash\nand newline' });
    expect(fams.get('x_requests_total')?.samples).toEqual([
      { name: 'x_requests_total', labels: { path: 'a "quoted"\\path\nline' }, value: 2 },
      { name: 'x_requests_total', labels: { path: 'b' }, value: 1 },
    ]);
    expect(fams.get('x_temp')?.samples).toEqual([{ name: 'x_temp', labels: {}, value: -1.5 }]);
    const hs = fams.get('x_latency_seconds')!;
    expect(hs.type).toBe('histogram');
    const buckets = hs.samples.filter((s) => s.name === 'x_latency_seconds_bucket').map((s) => [s.labels['le'], s.value]);
    expect(buckets).toEqual([
      ['0.001', 1],
      ['0.01', 2],
      ['0.1', 4],
      ['+Inf', 5],
    ]);
    expect(hs.samples.find((s) => s.name === 'x_latency_seconds_count')?.value).toBe(5);
    expect(hs.samples.find((s) => s.name === 'x_latency_seconds_sum')?.value).toBeCloseTo(3.1025, 10);
  });

  it('rejects bad names, label mismatches, decreasing counters, reserved le', () => {
    const r = new MetricsRegistry();
    expect(() => r.counter({ name: '1bad', help: '' })).toThrow(MetricsError);
    const c = r.counter({ name: 'ok_total', help: '', labelNames: ['a'] });
    expect(() => c.inc({ b: '1' })).toThrow(/expected labels \{a\}/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/only go up/);
    expect(() => r.counter({ name: 'ok_total', help: '' })).toThrow(/already registered/);
    expect(() => r.histogram({ name: 'h', help: '', labelNames: ['le'], buckets: [1] })).toThrow(/invalid label/);
    expect(() => r.histogram({ name: 'h2', help: '', buckets: [2, 1] })).toThrow(/increase/);
  });
});
