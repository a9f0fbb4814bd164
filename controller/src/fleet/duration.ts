/** The operator durations (`500us`, `1m30s`) live in @xtrace/proto (proto/src/operator-duration.ts), which the CLI shares. */
export { formatDurationMs, parseDurationMs, parseDurationUs, parseTimePoint } from '@xtrace/proto';
