// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A probe's packet captures as a pcapng file: one interface per host and stage, every timestamp
 * on the source host's time axis (each host's estimated clock offset taken out), in ns
 * (controller/src/pcap/).
 */
export interface PcapFile {
  'pcapng'?: (Buffer | Uint8Array | string);
  /**
   * captures in the file
   */
  'packets'?: (number);
  /**
   * captures beyond the controller's bound (10,000 per probe), not in the file
   */
  'dropped'?: (number | string | Long);
}

/**
 * A probe's packet captures as a pcapng file: one interface per host and stage, every timestamp
 * on the source host's time axis (each host's estimated clock offset taken out), in ns
 * (controller/src/pcap/).
 */
export interface PcapFile__Output {
  'pcapng': (Buffer);
  /**
   * captures in the file
   */
  'packets': (number);
  /**
   * captures beyond the controller's bound (10,000 per probe), not in the file
   */
  'dropped': (number);
}
