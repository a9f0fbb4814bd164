/**
 * Parser for the Prometheus text format (0.0.4) the /metrics endpoints serve
 * (proto/src/metrics-endpoint.ts): checks a scrape and lets tests read values back. Returns
 * HELP/TYPE per family and every sample with its labels.
 */
class ExpositionError extends Error {
  override name = 'ExpositionError';
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface ParsedFamily {
  name: string;
  help?: string;
  type?: string;
  samples: ParsedSample[];
}

function unescapeLabel(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
function unescapeHelp(s: string): string {
  return s.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
function parseValue(s: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s.toLowerCase() === 'nan') return Number.NaN; // prom-client writes `Nan`
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new ExpositionError(`bad sample value "${s}"`);
  return v;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

function familyOf(sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suf of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suf)) {
      const f = families.get(sample.slice(0, -suf.length));
      if (f !== undefined && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
  }
  return undefined;
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  const fam = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta !== null) {
      const f = fam(meta[2] as string);
      if (meta[1] === 'HELP') f.help = unescapeHelp(meta[3] as string);
      else f.type = meta[3];
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new ExpositionError(`line ${n + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const lm = LABEL.exec(body);
      if (lm === null) throw new ExpositionError(`line ${n + 1}: bad labels: {${body}}`);
      labels[lm[1] as string] = unescapeLabel(lm[2] as string);
    }
    const f = familyOf(m[1] as string, families);
    if (f === undefined) throw new ExpositionError(`line ${n + 1}: sample ${m[1]} has no # TYPE`);
    f.samples.push({ name: m[1] as string, labels, value: parseValue(m[4] as string) });
  }
  return families;
}
