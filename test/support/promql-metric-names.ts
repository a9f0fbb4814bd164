/**
 * The metric names a PromQL expression queries, read with Prometheus's own grammar
 * (@prometheus-io/lezer-promql, the parser of Prometheus's web UI): the name of every vector
 * selector (`name{...}` or `{__name__="name"}`), and where the expression does not parse.
 * Grafana's interval variables ($__rate_interval, ...) stand for a duration; its other
 * variables may appear inside label matcher strings. Also the metric of a Grafana
 * `label_values(metric, label)` variable query, and which family serves a name.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlReading {
  names: string[];
  /** syntax errors: the offset and the text from there */
  errors: string[];
}

/** Grafana's built-in duration variables: a duration where PromQL wants one */
const GRAFANA_DURATIONS = /\$(?:\{__(?:rate_interval|interval|range)\}|__(?:rate_interval|interval|range)\b)/g;

export function readPromql(expr: string): PromqlReading {
  const text = expr.replace(GRAFANA_DURATIONS, (v) => '5m'.padEnd(v.length, ' '));
  const names = new Set<string>();
  const errors: string[] = [];
  const tree = parser.parse(text);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`at ${node.from}: '${text.slice(node.from, node.from + 30)}'`);
        return;
      }
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(text.slice(node.from, node.to));
      if (node.name === 'UnquotedLabelMatcher' || node.name === 'QuotedLabelMatcher') {
        // {__name__="x"} selects metric x
        const m = /^\s*"?__name__"?\s*=\s*"([^"]*)"\s*$/.exec(text.slice(node.from, node.to));
        if (m !== null) names.add(m[1]!);
      }
    },
  });
  if (text.trim() === '') errors.push('empty expression');
  return { names: [...names], errors };
}

/** the metric of a Grafana variable query `label_values(metric{...}, label)`; none for `label_values(label)` */
export function labelValuesMetric(query: string): string | undefined {
  const m = /^\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*(\{[^}]*\})?\s*,/.exec(query);
  return m?.[1];
}

export interface FamilyInfo {
  type?: string;
}

/** the family that serves metric `name`: itself, or a histogram's (summary's) _bucket, _sum, _count */
export function servingFamily(name: string, families: ReadonlyMap<string, FamilyInfo>): string | undefined {
  if (families.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return undefined;
}
