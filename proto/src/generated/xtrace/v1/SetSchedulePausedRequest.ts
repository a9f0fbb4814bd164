// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface SetSchedulePausedRequest {
  'name'?: (string);
  'paused'?: (boolean);
}

export interface SetSchedulePausedRequest__Output {
  'name': (string);
  'paused': (boolean);
}
