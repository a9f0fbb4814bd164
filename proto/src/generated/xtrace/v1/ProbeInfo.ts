// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface ProbeInfo {
  'probe_id'?: (string);
  'src'?: (string);
  'dst'?: (string);
  'proto'?: (string);
  'port'?: (number);
  'duration_ms'?: (number | string | Long);
  'interval_ms'?: (number | string | Long);
  /**
   * agents the probe runs on (source host first)
   */
  'hosts'?: (string)[];
  'src_host'?: (string);
  'dst_host'?: (string);
  /**
   * running | stopping | done | failed
   */
  'state'?: (string);
  'started_at_ms'?: (number | string | Long);
  'sample_k'?: (number);
  'sample_n'?: (number);
  /**
   * the VMs' names ("" when no agent knows one); src/dst are always addresses
   */
  'src_vm'?: (string);
  'dst_vm'?: (string);
}

export interface ProbeInfo__Output {
  'probe_id': (string);
  'src': (string);
  'dst': (string);
  'proto': (string);
  'port': (number);
  'duration_ms': (number);
  'interval_ms': (number);
  /**
   * agents the probe runs on (source host first)
   */
  'hosts': (string)[];
  'src_host': (string);
  'dst_host': (string);
  /**
   * running | stopping | done | failed
   */
  'state': (string);
  'started_at_ms': (number);
  'sample_k': (number);
  'sample_n': (number);
  /**
   * the VMs' names ("" when no agent knows one); src/dst are always addresses
   */
  'src_vm': (string);
  'dst_vm': (string);
}
