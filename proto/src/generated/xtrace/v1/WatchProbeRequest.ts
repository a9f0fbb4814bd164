// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface WatchProbeRequest {
  'probe_id'?: (string);
}

export interface WatchProbeRequest__Output {
  'probe_id': (string);
}
