// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface InspectAgentsRequest {
  'host'?: (string);
}

export interface InspectAgentsRequest__Output {
  'host': (string);
}
