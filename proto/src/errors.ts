/**
 * Typed errors shared by every part. Each carries a stable `code` that the CLI maps to an
 * exit code, and the underlying `cause` (never swallowed).
 */
export type ErrorCode =
  | 'usage' // bad input: which field, what was expected
  | 'unreachable' // controller or NATS cannot be reached
  | 'unauthenticated' // the controller refused our credentials (token, client certificate)
  | 'agent' // an agent failed or rejected a command
  | 'bpf' // loading/attaching BPF failed
  | 'no_traffic' // the probe ran but saw nothing
  | 'internal';

export class XtraceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class UsageError extends XtraceError {
  /** the flag or field that was wrong */
  readonly field: string;
  /** what was wrong with it (the message without the field) */
  readonly reason: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('usage', `${field}: ${message}`, options);
    this.field = field;
    this.reason = message;
  }
}

export class UnreachableError extends XtraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unreachable', message, options);
  }
}

/** CLI exit codes (docs/architecture.md "Command-line contract"). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof XtraceError) {
    switch (error.code) {
      case 'usage':
        return 2;
      case 'no_traffic':
        return 1;
      case 'unreachable':
      case 'unauthenticated':
      case 'agent':
        return 3;
      default:
        return 3;
    }
  }
  return 3;
}

/** Message of any thrown value, for logs and replies. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
