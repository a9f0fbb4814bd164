// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface Stall {
  'direction'?: (string);
  'host'?: (string);
  'stage'?: (string);
  'flow_hash'?: (number);
  'gap_ms'?: (number | string);
  'typical_gap_ms'?: (number | string);
  'ts_ns'?: (string);
  'detected_at_ms'?: (number | string);
}

export interface Stall__Output {
  'direction': (string);
  'host': (string);
  'stage': (string);
  'flow_hash': (number);
  'gap_ms': (number);
  'typical_gap_ms': (number);
  'ts_ns': (string);
  'detected_at_ms': (number);
}
