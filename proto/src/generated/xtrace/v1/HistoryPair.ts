// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface HistoryPair {
  'src'?: (string);
  'dst'?: (string);
  /**
   * the VMs' names when known ("" or absent: none)
   */
  'srcVm'?: (string);
  'dstVm'?: (string);
}

export interface HistoryPair__Output {
  'src': (string);
  'dst': (string);
  /**
   * the VMs' names when known ("" or absent: none)
   */
  'srcVm': (string);
  'dstVm': (string);
}
