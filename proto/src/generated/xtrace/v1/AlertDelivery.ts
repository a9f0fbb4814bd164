// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


/**
 * One sink's delivery (sinks/alert-sink.ts DeliveryResult).
 */
export interface AlertDelivery {
  /**
   * webhook:URL | exec:CMD | nats:SUBJECT
   */
  'sink'?: (string);
  'ok'?: (boolean);
  'attempts'?: (number);
  /**
   * webhook: HTTP status of the last attempt
   */
  'status'?: (number);
  /**
   * exec: exit code (absent with killed = true)
   */
  'exitCode'?: (number);
  /**
   * exec: ended by a signal
   */
  'killed'?: (boolean);
  'error'?: (string);
  'ms'?: (number | string);
  '_status'?: "status";
  '_exitCode'?: "exitCode";
  '_error'?: "error";
}

/**
 * One sink's delivery (sinks/alert-sink.ts DeliveryResult).
 */
export interface AlertDelivery__Output {
  /**
   * webhook:URL | exec:CMD | nats:SUBJECT
   */
  'sink': (string);
  'ok': (boolean);
  'attempts': (number);
  /**
   * webhook: HTTP status of the last attempt
   */
  'status'?: (number);
  /**
   * exec: exit code (absent with killed = true)
   */
  'exitCode'?: (number);
  /**
   * exec: ended by a signal
   */
  'killed': (boolean);
  'error'?: (string);
  'ms': (number);
}
