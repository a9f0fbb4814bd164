// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface DropSite {
  'direction'?: (string);
  'host'?: (string);
  'location'?: (string);
  'reason'?: (string);
  'from'?: (string);
  'to'?: (string);
  'count'?: (number | string | Long);
}

export interface DropSite__Output {
  'direction': (string);
  'host': (string);
  'location': (string);
  'reason': (string);
  'from': (string);
  'to': (string);
  'count': (number);
}
