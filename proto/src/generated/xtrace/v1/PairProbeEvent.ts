// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { ProbeInfo as _xtrace_v1_ProbeInfo, ProbeInfo__Output as _xtrace_v1_ProbeInfo__Output } from '../../xtrace/v1/ProbeInfo.js';
import type { PairReport as _xtrace_v1_PairReport, PairReport__Output as _xtrace_v1_PairReport__Output } from '../../xtrace/v1/PairReport.js';
import type { PcapFile as _xtrace_v1_PcapFile, PcapFile__Output as _xtrace_v1_PcapFile__Output } from '../../xtrace/v1/PcapFile.js';

export interface PairProbeEvent {
  /**
   * "started": `started` is set; "report": `report` is set
   */
  'kind'?: (string);
  'started'?: (_xtrace_v1_ProbeInfo | null);
  'report'?: (_xtrace_v1_PairReport | null);
  /**
   * the final report's event of a probe started with pcap_snaplen: its captures
   */
  'pcap'?: (_xtrace_v1_PcapFile | null);
}

export interface PairProbeEvent__Output {
  /**
   * "started": `started` is set; "report": `report` is set
   */
  'kind': (string);
  'started': (_xtrace_v1_ProbeInfo__Output | null);
  'report': (_xtrace_v1_PairReport__Output | null);
  /**
   * the final report's event of a probe started with pcap_snaplen: its captures
   */
  'pcap': (_xtrace_v1_PcapFile__Output | null);
}
