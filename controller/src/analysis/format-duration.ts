/** µs for people: proto/src/format-latency.ts (shared with the CLI through the VM breakdown renderer). */
export { formatLatencyUs as formatDuration } from '@xtrace/proto';
