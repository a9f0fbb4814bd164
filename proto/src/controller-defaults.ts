/**
 * The controller's defaults that `xtrace controller --help` shows, here so the CLI can print
 * them without loading the controller package (it loads it only when a controller runs).
 */

/** where `xtrace controller` serves Prometheus /metrics unless told otherwise */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

/** caps on scheduled probes running at once, held across every controller (KV xtrace_probe_slots) */
export interface ProbeCaps {
  /** concurrent probes touching one agent (a pair touches its source and destination hosts) */
  perAgent: number;
  /** concurrent probes in the whole fleet */
  fleet: number;
}

export const DEFAULT_PROBE_CAPS: Readonly<ProbeCaps> = Object.freeze({ perAgent: 2, fleet: 32 });
