// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


/**
 * Where an alert event goes (alert-rule.ts SinkSpec).
 */
export interface AlertSink {
  /**
   * webhook | exec | nats
   */
  'type'?: (string);
  /**
   * webhook
   */
  'url'?: (string);
  /**
   * exec: a shell command, the event JSON on stdin
   */
  'command'?: (string);
  /**
   * nats
   */
  'subject'?: (string);
  /**
   * webhook, exec
   */
  'timeoutMs'?: (number | string);
  /**
   * webhook
   */
  'retries'?: (number);
  '_timeoutMs'?: "timeoutMs";
  '_retries'?: "retries";
}

/**
 * Where an alert event goes (alert-rule.ts SinkSpec).
 */
export interface AlertSink__Output {
  /**
   * webhook | exec | nats
   */
  'type': (string);
  /**
   * webhook
   */
  'url': (string);
  /**
   * exec: a shell command, the event JSON on stdin
   */
  'command': (string);
  /**
   * nats
   */
  'subject': (string);
  /**
   * webhook, exec
   */
  'timeoutMs'?: (number);
  /**
   * webhook
   */
  'retries'?: (number);
}
