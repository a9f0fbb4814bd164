/**
 * Analysis: the controller's cross-host matcher and statistics. Pure TypeScript, no I/O.
 *
 * One `PathMatcher` per probe:
 *
 *   const m = new PathMatcher({ hosts: [srcHost, dstHost], probeSlot, timeoutMs: 2000 });
 *   // for every event batch from NATS (any host, any order):
 *   m.ingest({ hostId, bootId, seq, clockOffsetHintNs, records }, Date.now());
 *   // every second (also expires packets older than timeoutMs):
 *   const interval: AnalysisReport = m.takeIntervalReport(Date.now());   // types: @xtrace/proto report.ts
 *   // whenever a run summary is wanted / at the end (timeoutMs after capture stopped):
 *   m.totalReport(Date.now());  m.finish(Date.now());
 *   renderReport(report)  // human table (@xtrace/proto/render); JSON.stringify(report) is the --json schema
 *
 * - `hosts`: forward order [src host, ...transit hosts, dst host], or [host] for a same-host
 *   pair. Record flags bit0 marks reverse (reply) packets, which cross the hosts backwards.
 * - `records` are the agent's raw 64-byte records (proto record-layout.ts), read in place.
 * - `nowMs` is the controller's clock; it drives expiry and interval boundaries only.
 * - Call `tick(nowMs)` on a timer when no batches arrive, so losses still get reported.
 * - Caller-known losses (NATS slow consumer, dropped messages): `noteLostBatches(n)`.
 * - Drop reasons: `dropReasonsByHost` names each host's drops by its own kernel's table (its
 *   agent reports it, read from BTF); `dropReasons` is the table for a host without one
 *   (default: the Linux 6.18.0 table).
 *
 * Semantics (details at the top of each file):
 * - segments: between consecutive stages that saw a packet (path-model.ts for the order);
 *   kind 'host' (one clock), 'wire' (crosses hosts: corrected by the estimated offset and
 *   reported with ± uncertainty_us; `unresolved` counts crossings still without an offset).
 * - clock offset: NTP-style from request/reply pairs, lowest-delay decile of a sliding
 *   window (clock-offset.ts); a symmetric wire is assumed, an asymmetric one biases by half
 *   the asymmetry, within the reported uncertainty. Wall-clock hints are a fallback only.
 * - pairing: ICMP echo exact, UDP/TCP by order in the server host's time, replies held pairHoldMs (request-reply-pairing.ts).
 * - loss: a packet that did not reach the last expected stage within timeoutMs is lost on
 *   the segment after its last stage seen, with the kernel drop reason if a DROP record came.
 * - stalls: stall-detector.ts. Histograms: log-histogram.ts (≤0.4% relative error).
 */
export { PathMatcher, type RecordBatch } from './path-matcher.js';
export { dropReasonName } from './drop-reasons.js';
