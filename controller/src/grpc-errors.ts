/**
 * XtraceError -> gRPC status: the code by kind (usage: INVALID_ARGUMENT, or NOT_FOUND for a
 * NotFoundError; unreachable: UNAVAILABLE, agent/bpf: FAILED_PRECONDITION, else INTERNAL) and
 * an `xtrace-code` metadata entry (with `xtrace-field` for a UsageError: the request field), so
 * clients map it back to the same error and exit code.
 */
import * as grpc from '@grpc/grpc-js';
import { UsageError, XtraceError, errorMessage } from '@xtrace/proto';

/** Longest status message sent: it travels in a trailer, and a request's garbage may be quoted in it. */
const MAX_DETAILS_CHARS = 2048;

/** A name (schedule, alert rule) that does not exist: NOT_FOUND, still a usage error. */
export class NotFoundError extends UsageError {}

export function toServiceError(e: unknown): Partial<grpc.StatusObject> {
  const code = e instanceof XtraceError ? e.code : 'internal';
  const status =
    code === 'usage'
      ? e instanceof NotFoundError
        ? grpc.status.NOT_FOUND
        : grpc.status.INVALID_ARGUMENT
      : code === 'unreachable'
        ? grpc.status.UNAVAILABLE
        : code === 'agent' || code === 'bpf'
          ? grpc.status.FAILED_PRECONDITION
          : grpc.status.INTERNAL;
  const metadata = new grpc.Metadata();
  metadata.set('xtrace-code', code);
  if (e instanceof UsageError) metadata.set('xtrace-field', e.field.slice(0, 256));
  const details = errorMessage(e);
  return { code: status, details: details.length <= MAX_DETAILS_CHARS ? details : `${details.slice(0, MAX_DETAILS_CHARS)}…`, metadata };
}
