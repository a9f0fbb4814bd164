/**
 * Who may call the controller's gRPC API. It makes every hypervisor load BPF programs, so off
 * loopback it is served over TLS (a server certificate; with a client CA, only clients holding a
 * certificate it signed complete the handshake) and, with a token, every call of every service
 * (Xtrace, Schedules, AlertRules; unary and streaming) must carry `authorization: Bearer TOKEN`
 * (grpc-token-auth.ts). Plaintext beyond loopback takes `insecure` in so many words.
 */
import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { UsageError } from '@xtrace/proto';

export interface GrpcServerTls {
  /** PEM server certificate (chain) and its private key */
  cert: Buffer;
  key: Buffer;
  /** PEM CA bundle: clients must present a certificate it signed (mTLS) */
  clientCa?: Buffer;
}

export interface GrpcServerSecurity {
  /** none: plaintext, allowed on loopback only (unless `insecure`) */
  tls?: GrpcServerTls;
  /** every call must carry it as a bearer token */
  token?: string;
  /** serve plaintext beyond loopback all the same */
  insecure?: boolean;
}

/** "127.0.0.1", "::1", "localhost" and the rest of 127.0.0.0/8: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** `bind`: parseListen's HOST:PORT */
export function isLoopbackBind(bind: string): boolean {
  return isLoopbackHost(bind.slice(0, bind.lastIndexOf(':')));
}

/** Refuses a plaintext gRPC API reachable beyond this machine unless `insecure` says so. */
export function checkListenSecurity(bind: string, security: GrpcServerSecurity): void {
  if (security.tls !== undefined || security.insecure === true || isLoopbackBind(bind)) return;
  throw new UsageError(
    '--listen',
    `${bind} is beyond loopback and the gRPC API would be plaintext: anyone reaching it could make every hypervisor load BPF programs. ` +
      'Serve TLS with --tls-cert FILE --tls-key FILE (clients: --tls-ca FILE), better with --tls-client-ca FILE (mTLS) and/or --token-file FILE, ' +
      'or listen on 127.0.0.1, or give --insecure to serve plaintext anyway',
  );
}

export function serverCredentials(tls: GrpcServerTls | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}

/** "TLS, client certificates, token" as the controller prints it; "plaintext" without any. */
export function describeSecurity(security: GrpcServerSecurity): string {
  const parts = [security.tls === undefined ? 'plaintext' : security.tls.clientCa !== undefined ? 'TLS, client certificates' : 'TLS'];
  if (security.token !== undefined) parts.push('token');
  return parts.join(', ');
}
