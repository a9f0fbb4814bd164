// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Transport accounting of one host's batch stream (controller side).
 */
export interface HostAccounting {
  'host'?: (string);
  'boot_id'?: (string);
  'batches'?: (number | string | Long);
  'records'?: (number | string | Long);
  /**
   * seq gaps (and batches the agent sent that never arrived)
   */
  'lost_batches'?: (number | string | Long);
  'duplicate_batches'?: (number | string | Long);
  /**
   * ringbuf_full, parse_fail, ... (increase during the probe)
   */
  'kernel_counters'?: ({[key: string]: number | string});
  /**
   * dropped: undecodable, too large, a bad field, or another host's or probe's
   */
  'malformed_batches'?: (number | string | Long);
  /**
   * records in the lost batches; absent (JSON null) when the agent's envelopes do not say (older agents)
   */
  'lost_records'?: (number | string | Long);
  '_lost_records'?: "lost_records";
}

/**
 * Transport accounting of one host's batch stream (controller side).
 */
export interface HostAccounting__Output {
  'host': (string);
  'boot_id': (string);
  'batches': (number);
  'records': (number);
  /**
   * seq gaps (and batches the agent sent that never arrived)
   */
  'lost_batches': (number);
  'duplicate_batches': (number);
  /**
   * ringbuf_full, parse_fail, ... (increase during the probe)
   */
  'kernel_counters': ({[key: string]: number});
  /**
   * dropped: undecodable, too large, a bad field, or another host's or probe's
   */
  'malformed_batches': (number);
  /**
   * records in the lost batches; absent (JSON null) when the agent's envelopes do not say (older agents)
   */
  'lost_records'?: (number);
}
