// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


/**
 * Which VM and which part of its breakdown a history segment is (fleet VmPartRef).
 */
export interface HistoryVmPart {
  /**
   * the VM's hypervisor
   */
  'host'?: (string);
  /**
   * destination | source
   */
  'role'?: (string);
  /**
   * rx_worker_wait | rx_copy_signal | guest | tx_worker_wait | tx_build
   */
  'part'?: (string);
}

/**
 * Which VM and which part of its breakdown a history segment is (fleet VmPartRef).
 */
export interface HistoryVmPart__Output {
  /**
   * the VM's hypervisor
   */
  'host': (string);
  /**
   * destination | source
   */
  'role': (string);
  /**
   * rx_worker_wait | rx_copy_signal | guest | tx_worker_wait | tx_build
   */
  'part': (string);
}
