// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface HistoryRequest {
  /**
   * the pair: both, or neither for every pair; an address or a VM name (the address its agent knows)
   */
  'src'?: (string);
  'dst'?: (string);
  /**
   * "": any probe
   */
  'probe_id'?: (string);
  /**
   * epoch ms stored at or after; 0: the oldest (List) / now (Watch)
   */
  'since_ms'?: (number | string);
  /**
   * epoch ms stored at or before; 0: no bound (List only)
   */
  'until_ms'?: (number | string);
  /**
   * at most this many, oldest first; 0: all (List only)
   */
  'limit'?: (number);
}

export interface HistoryRequest__Output {
  /**
   * the pair: both, or neither for every pair; an address or a VM name (the address its agent knows)
   */
  'src': (string);
  'dst': (string);
  /**
   * "": any probe
   */
  'probe_id': (string);
  /**
   * epoch ms stored at or after; 0: the oldest (List) / now (Watch)
   */
  'since_ms': (number);
  /**
   * epoch ms stored at or before; 0: no bound (List only)
   */
  'until_ms': (number);
  /**
   * at most this many, oldest first; 0: all (List only)
   */
  'limit': (number);
}
