// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface Total {
  'from'?: (string);
  'to'?: (string);
  'from_host'?: (string);
  'to_host'?: (string);
  'count'?: (number | string | Long);
  'p50_us'?: (number | string);
  'p90_us'?: (number | string);
  'p95_us'?: (number | string);
  'p99_us'?: (number | string);
  'max_us'?: (number | string);
  'min_us'?: (number | string);
  'mean_us'?: (number | string);
  'uncertainty_us'?: (number | string);
  '_p50_us'?: "p50_us";
  '_p90_us'?: "p90_us";
  '_p95_us'?: "p95_us";
  '_p99_us'?: "p99_us";
  '_max_us'?: "max_us";
  '_min_us'?: "min_us";
  '_mean_us'?: "mean_us";
}

export interface Total__Output {
  'from': (string);
  'to': (string);
  'from_host': (string);
  'to_host': (string);
  'count': (number);
  'p50_us'?: (number);
  'p90_us'?: (number);
  'p95_us'?: (number);
  'p99_us'?: (number);
  'max_us'?: (number);
  'min_us'?: (number);
  'mean_us'?: (number);
  'uncertainty_us': (number);
}
