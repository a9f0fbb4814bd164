import { XtraceError } from '@xtrace/proto';

/** A lab operation failed (a command inside a namespace, a relay that did not start, …). */
export class LabError extends XtraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}
