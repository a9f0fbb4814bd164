// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface GetScheduleRequest {
  'name'?: (string);
  /**
   * how many recent runs; 0: none
   */
  'runs'?: (number);
}

export interface GetScheduleRequest__Output {
  'name': (string);
  /**
   * how many recent runs; 0: none
   */
  'runs': (number);
}
