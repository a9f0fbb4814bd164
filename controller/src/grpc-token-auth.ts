/**
 * The bearer token check of every gRPC call: a server interceptor, so it sits in front of every
 * service and method (unary and streaming) the server registers. A call without
 * `authorization: Bearer TOKEN` metadata, or with another token, ends with UNAUTHENTICATED
 * before its handler runs (the call's metadata is never passed on, so neither is its message).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';

export const AUTHORIZATION_METADATA = 'authorization';

/** The server's answers (UNAUTHENTICATED details). */
export const TOKEN_MISSING = 'no bearer token: this controller requires one on every call (authorization metadata)';
export const TOKEN_WRONG = 'wrong bearer token: this controller does not accept the token given';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Why `metadata` does not carry `token`, or undefined when it does (compared in constant time). */
export function tokenProblem(metadata: grpc.Metadata, token: string): string | undefined {
  const v = metadata.get(AUTHORIZATION_METADATA)[0];
  if (typeof v !== 'string' || v === '') return TOKEN_MISSING;
  const m = /^Bearer\s+(.+)$/i.exec(v);
  if (!m) return TOKEN_MISSING;
  return timingSafeEqual(digest(m[1]!), digest(token)) ? undefined : TOKEN_WRONG;
}

export function tokenInterceptor(token: string, logger?: pino.Logger): grpc.ServerInterceptor {
  return (method, call) => {
    let refused = false;
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const problem = tokenProblem(metadata, token);
            if (problem === undefined) {
              pass(metadata);
              return;
            }
            refused = true;
            logger?.warn({ method: method.path, peer: call.getPeer() }, `refused a gRPC call: ${problem}`);
            call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: problem, metadata: new grpc.Metadata() });
          },
          // belt and braces: nothing of a refused call reaches its handler
          onReceiveMessage: (message, pass) => void (refused ? undefined : pass(message)),
          onReceiveHalfClose: (pass) => void (refused ? undefined : pass()),
        }),
    });
  };
}
