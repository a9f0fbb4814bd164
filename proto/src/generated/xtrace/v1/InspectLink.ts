// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface InspectLink {
  /**
   * tcx | clsact | tracepoint | raw_tracepoint | program
   */
  'kind'?: (string);
  'program'?: (string);
  'target'?: (string);
  /**
   * kernel link id (bpftool link show id N); 0: not a link (a classic tc filter)
   */
  'link_id'?: (number);
  /**
   * tcx, tracing, perf_event, ...; "" when not a link
   */
  'link_type'?: (string);
  'prog_id'?: (number);
}

export interface InspectLink__Output {
  /**
   * tcx | clsact | tracepoint | raw_tracepoint | program
   */
  'kind': (string);
  'program': (string);
  'target': (string);
  /**
   * kernel link id (bpftool link show id N); 0: not a link (a classic tc filter)
   */
  'link_id': (number);
  /**
   * tcx, tracing, perf_event, ...; "" when not a link
   */
  'link_type': (string);
  'prog_id': (number);
}
