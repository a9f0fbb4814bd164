// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface InspectMap {
  'name'?: (string);
  /**
   * kernel map id (bpftool map show id N)
   */
  'id'?: (number);
  /**
   * hash, lru_hash, array, percpu_array, ringbuf, ...
   */
  'type'?: (string);
  'key_size'?: (number);
  'value_size'?: (number);
  /**
   * a ring buffer's size in bytes
   */
  'max_entries'?: (number);
  /**
   * entries present (hash maps: keys counted); -1: not counted (arrays hold max_entries always)
   */
  'used'?: (number | string | Long);
}

export interface InspectMap__Output {
  'name': (string);
  /**
   * kernel map id (bpftool map show id N)
   */
  'id': (number);
  /**
   * hash, lru_hash, array, percpu_array, ringbuf, ...
   */
  'type': (string);
  'key_size': (number);
  'value_size': (number);
  /**
   * a ring buffer's size in bytes
   */
  'max_entries': (number);
  /**
   * entries present (hash maps: keys counted); -1: not counted (arrays hold max_entries always)
   */
  'used': (number);
}
