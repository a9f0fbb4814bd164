// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface InspectFallback {
  'candidate'?: (string);
  'reason'?: (string);
}

export interface InspectFallback__Output {
  'candidate': (string);
  'reason': (string);
}
