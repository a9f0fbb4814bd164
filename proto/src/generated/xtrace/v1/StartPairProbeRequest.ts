// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface StartPairProbeRequest {
  /**
   * an address, or a VM's name (the controller resolves it from the agents' inventories)
   */
  'src'?: (string);
  'dst'?: (string);
  /**
   * "", "icmp", "udp", "tcp"
   */
  'proto'?: (string);
  /**
   * 0: any
   */
  'port'?: (number);
  /**
   * 0: default (10 s)
   */
  'duration_ms'?: (number | string | Long);
  /**
   * 0: default (1 s)
   */
  'interval_ms'?: (number | string | Long);
  /**
   * keep sample_k of sample_n packets; 0/0: keep all
   */
  'sample_k'?: (number);
  'sample_n'?: (number);
  'keep_on_disconnect'?: (boolean);
  /**
   * 1..128: the agents capture the first pcap_snaplen bytes of every kept packet at their tc
   * stages, and the final event of RunPairProbe carries them as a pcapng file (`xtrace pair --pcap`); 0: no capture
   */
  'pcap_snaplen'?: (number);
}

export interface StartPairProbeRequest__Output {
  /**
   * an address, or a VM's name (the controller resolves it from the agents' inventories)
   */
  'src': (string);
  'dst': (string);
  /**
   * "", "icmp", "udp", "tcp"
   */
  'proto': (string);
  /**
   * 0: any
   */
  'port': (number);
  /**
   * 0: default (10 s)
   */
  'duration_ms': (number);
  /**
   * 0: default (1 s)
   */
  'interval_ms': (number);
  /**
   * keep sample_k of sample_n packets; 0/0: keep all
   */
  'sample_k': (number);
  'sample_n': (number);
  'keep_on_disconnect': (boolean);
  /**
   * 1..128: the agents capture the first pcap_snaplen bytes of every kept packet at their tc
   * stages, and the final event of RunPairProbe carries them as a pcapng file (`xtrace pair --pcap`); 0: no capture
   */
  'pcap_snaplen': (number);
}
