/**
 * XtraceError -> gRPC status: the code by kind (usage: INVALID_ARGUMENT, unreachable:
 * UNAVAILABLE, agent/bpf: FAILED_PRECONDITION, else INTERNAL) and an `xtrace-code` metadata
 * entry, so clients map it back to the same error and exit code.
 */
import * as grpc from '@grpc/grpc-js';
import { XtraceError, errorMessage } from '@xtrace/proto';

export function toServiceError(e: unknown): Partial<grpc.StatusObject> {
  const code = e instanceof XtraceError ? e.code : 'internal';
  const status =
    code === 'usage'
      ? grpc.status.INVALID_ARGUMENT
      : code === 'unreachable'
        ? grpc.status.UNAVAILABLE
        : code === 'agent' || code === 'bpf'
          ? grpc.status.FAILED_PRECONDITION
          : grpc.status.INTERNAL;
  const metadata = new grpc.Metadata();
  metadata.set('xtrace-code', code);
  return { code: status, details: errorMessage(e), metadata };
}
