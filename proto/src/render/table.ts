/**
 * The one text-table helper of the renderers (render-report.ts, render-vm-breakdown.ts, the
 * CLI's lists and fleet commands): columns padded to their widest cell, two spaces apart,
 * trailing blanks trimmed.
 */
type ColumnAlign = 'l' | 'r';

/**
 * How columns align: one entry per column (missing: left), or `{ rightFrom }` (left before that
 * column, right from it on).
 */
type TableAlign = readonly ColumnAlign[] | { rightFrom: number };

/** `rows` (the header first, if any) as aligned lines */
export function tableLines(rows: readonly (readonly string[])[], align: TableAlign = []): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const right = (c: number): boolean => ('rightFrom' in align ? c >= align.rightFrom : align[c] === 'r');
  return rows.map((r) =>
    r
      .map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `rows` as one aligned block (lines joined by newlines, none at the end) */
export function table(rows: readonly (readonly string[])[], align: TableAlign = []): string {
  return tableLines(rows, align).join('\n');
}
