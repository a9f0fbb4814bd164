/** Durations for people, shared by the report renderers. */

/** µs -> "850ns", "12.3µs", "1.25ms", "2.10s"; null -> "-" */
export function formatLatencyUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '-';
  const a = Math.abs(us);
  if (a < 1) return `${Math.round(us * 1000)}ns`;
  if (a < 10) return `${us.toFixed(2)}µs`;
  if (a < 1000) return `${us.toFixed(1)}µs`;
  if (a < 1_000_000) return `${(us / 1000).toFixed(2)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}
