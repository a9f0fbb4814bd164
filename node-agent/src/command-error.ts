/** A command the agent refuses: its reply carries the code and, for usage errors, the fields at fault. */
import { XtraceError, type ErrorCode, type FieldError } from '@xtrace/proto';

export class CommandError extends XtraceError {
  constructor(code: ErrorCode, message: string, readonly fields?: FieldError[], options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
