// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface Interval {
  /**
   * controller time, ms since the epoch
   */
  'start'?: (number | string);
  'end'?: (number | string);
}

export interface Interval__Output {
  /**
   * controller time, ms since the epoch
   */
  'start': (number);
  'end': (number);
}
