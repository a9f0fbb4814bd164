// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One pair of a scheduled run (run-claim.ts RunClaimPair).
 */
export interface RunPair {
  'src'?: (string);
  'dst'?: (string);
  'srcHost'?: (string);
  'dstHost'?: (string);
  /**
   * pending | queued | running | done | failed
   */
  'state'?: (string);
  'attempts'?: (number);
  'probeId'?: (string);
  /**
   * controller that ran (or runs) it
   */
  'by'?: (string);
  'error'?: (string);
  'finishedAt'?: (number | string);
  'segments'?: (number);
  'lost'?: (number | string | Long);
  '_srcHost'?: "srcHost";
  '_dstHost'?: "dstHost";
  '_probeId'?: "probeId";
  '_by'?: "by";
  '_error'?: "error";
  '_finishedAt'?: "finishedAt";
  '_segments'?: "segments";
  '_lost'?: "lost";
}

/**
 * One pair of a scheduled run (run-claim.ts RunClaimPair).
 */
export interface RunPair__Output {
  'src': (string);
  'dst': (string);
  'srcHost'?: (string);
  'dstHost'?: (string);
  /**
   * pending | queued | running | done | failed
   */
  'state': (string);
  'attempts': (number);
  'probeId'?: (string);
  /**
   * controller that ran (or runs) it
   */
  'by'?: (string);
  'error'?: (string);
  'finishedAt'?: (number);
  'segments'?: (number);
  'lost'?: (number);
}
