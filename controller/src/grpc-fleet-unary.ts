/**
 * The unary handlers of the fleet configuration services (grpc-schedule-service.ts,
 * grpc-alert-service.ts): each runs against a KV store the fleet layer keeps in JetStream,
 * opened on first use. Without the fleet layer (--no-fleet) every call is UNAVAILABLE; a
 * failure that is not an XtraceError (NATS, JetStream) is UNAVAILABLE too.
 */
import type * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import { UnreachableError, XtraceError, errorMessage } from '@xtrace/proto';
import { toServiceError } from './grpc-errors.js';

/** what a configuration service keeps: `what` names it in the no-fleet error */
export function noFleetError(what: string): UnreachableError {
  return new UnreachableError(`${what} are kept in JetStream, and this controller runs without the fleet layer (--no-fleet)`);
}

/** Opens a store once, on first use; a failed open is retried by the next call. */
export function lazyStore<S>(open: () => Promise<S>): () => Promise<S> {
  let p: Promise<S> | undefined;
  return () => {
    p ??= open().catch((e: unknown) => {
      p = undefined;
      throw e;
    });
    return p;
  };
}

/** A unary handler over `run`; its errors become gRPC statuses (grpc-errors.ts). */
export function unary<Req, Res>(log: pino.Logger, method: string, run: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    run(call.request).then(
      (res) => cb(null, res),
      (e: unknown) => {
        if (e instanceof XtraceError) {
          cb(toServiceError(e));
          return;
        }
        log.warn({ err: errorMessage(e), method }, 'fleet store call failed');
        cb(toServiceError(new UnreachableError(`${method}: JetStream: ${errorMessage(e)}`, { cause: e })));
      },
    );
  };
}
