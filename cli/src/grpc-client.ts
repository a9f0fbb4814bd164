/**
 * The CLI's gRPC client of the controller (over TLS and with a bearer token when given:
 * controller-flags.ts), with errors mapped to XtraceError codes.
 */
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_CONTROLLER_ADDRESS,
  UnreachableError,
  UsageError,
  XtraceError,
  type ErrorCode,
} from '@xtrace/proto';
import { loadGrpcService, type XtraceMethodName, type XtraceRequest, type XtraceResponse, type XtraceServiceName } from '@xtrace/proto/grpc';

export function controllerAddress(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const a = flag ?? env.XTRACE_CONTROLLER ?? DEFAULT_CONTROLLER_ADDRESS;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/.test(a)) throw new UsageError('--controller', `expected HOST:PORT like 127.0.0.1:7070, got '${a}'`);
  return a;
}

/** How the client meets the controller: TLS when `tls` is given, a bearer token on every call. */
export interface ClientSecurity {
  tls?: {
    /** PEM CA bundle the controller's certificate must chain to; none: the system's */
    ca?: Buffer;
    /** PEM client certificate and key, for a controller that requires them (mTLS) */
    cert?: Buffer;
    key?: Buffer;
  };
  token?: string;
}

const TOKEN_FLAGS = '--token, --token-file or env XTRACE_TOKEN';
const CERT_FLAGS = '--tls-cert FILE --tls-key FILE (env XTRACE_TLS_CERT, XTRACE_TLS_KEY)';

/** What a handshake that did not complete most likely means, given what this client offered. */
function handshakeProblem(details: string, address: string, security: ClientSecurity, cause: unknown): XtraceError | undefined {
  const o = { cause };
  const tls = security.tls;
  if (tls === undefined) {
    // a plaintext client at a TLS server: the server drops the connection
    if (/Failed to connect|Connection dropped|EPROTO|ECONNRESET/i.test(details)) {
      return new UnreachableError(`cannot reach the controller at ${address}: ${details} (if it serves TLS, give --tls-ca FILE or env XTRACE_TLS_CA)`, o);
    }
    return undefined;
  }
  if (/certificate required|alert handshake failure|peer did not return a certificate/i.test(details)) {
    return new XtraceError(
      'unauthenticated',
      tls.cert === undefined
        ? `the controller at ${address} requires a client certificate (mTLS) and none was given: give ${CERT_FLAGS}`
        : `the controller at ${address} refused the client certificate given (--tls-cert): ${details}`,
      o,
    );
  }
  if (/unknown ca|bad certificate|certificate unknown|certificate expired|certificate revoked|unsupported certificate|decrypt error/i.test(details)) {
    return new XtraceError('unauthenticated', `the controller at ${address} refused the client certificate given (--tls-cert): ${details}`, o);
  }
  if (/unable to verify|self.signed|certificate has expired|not yet valid|altnames|Hostname\/IP does not match|unable to get local issuer/i.test(details)) {
    return new UnreachableError(`the controller at ${address} presented a certificate this client does not trust: ${details} (give the CA that signed it with --tls-ca FILE or env XTRACE_TLS_CA; the certificate must name the --controller host)`, o);
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(details)) {
    return new UnreachableError(`the controller at ${address} does not serve TLS: ${details} (drop --tls-ca/--tls-cert/--tls-key, or start it with --tls-cert/--tls-key)`, o);
  }
  if (/Failed to connect|Connection dropped|ECONNRESET/i.test(details) && tls.cert !== undefined) {
    return new UnreachableError(`the controller at ${address} dropped the TLS connection: ${details} (does it accept the client certificate given with --tls-cert?)`, o);
  }
  return undefined;
}

/** Maps a gRPC status error to the XtraceError the exit code follows (`security`: what the client offered, for the hints). */
export function fromGrpcError(e: unknown, address: string, security: ClientSecurity = {}): XtraceError {
  const se = e as Partial<grpc.ServiceError>;
  if (typeof se?.code !== 'number') return new XtraceError('internal', String(e), { cause: e });
  const details = (se.details ?? se.message ?? '').replace(/\s*Resolution note:\s*$/, '');
  const meta = se.metadata?.get('xtrace-code')[0];
  const code = (typeof meta === 'string' ? meta : undefined) as ErrorCode | undefined;
  if (se.code === grpc.status.UNAUTHENTICATED) {
    const hint = security.token === undefined ? `give the token with ${TOKEN_FLAGS}` : `the token given (${TOKEN_FLAGS}) is not the controller's`;
    return new XtraceError('unauthenticated', `the controller at ${address} refused the call (UNAUTHENTICATED): ${details}; ${hint}`, { cause: e });
  }
  if (se.code === grpc.status.UNAVAILABLE && code === undefined) {
    return handshakeProblem(details, address, security, e) ?? new UnreachableError(`cannot reach the controller at ${address}: ${details}`, { cause: e });
  }
  if (se.code === grpc.status.DEADLINE_EXCEEDED) return new UnreachableError(`the controller at ${address} did not answer in time`, { cause: e });
  const field = se.metadata?.get('xtrace-field')[0];
  if (code === 'usage' && typeof field === 'string') {
    // the controller's UsageError, field and all: its details are "<field>: <message>"
    return new UsageError(field, details.startsWith(`${field}: `) ? details.slice(field.length + 2) : details, { cause: e });
  }
  if (code !== undefined) return new XtraceError(code, details, { cause: e });
  if (se.code === grpc.status.INVALID_ARGUMENT || se.code === grpc.status.NOT_FOUND) return new XtraceError('usage', details, { cause: e });
  if (se.code === grpc.status.FAILED_PRECONDITION) return new XtraceError('agent', details, { cause: e });
  return new XtraceError('internal', `controller error: ${details}`, { cause: e });
}

type UnaryFn = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** Adds `authorization: Bearer TOKEN` to every call (unary and streaming) of a client. */
function bearerToken(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

let ipServerNameWarningMuted = false;
/**
 * grpc-js passes the target host as the TLS server name, and Node warns (DEP0123) when that is
 * an IP address; the certificate is still checked against the IP (subjectAltName IP:), so for
 * `--controller 127.0.0.1:7070` the warning tells the user nothing: drop that one warning.
 */
function muteIpServerNameWarning(): void {
  if (ipServerNameWarningMuted) return;
  ipServerNameWarningMuted = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    if (w.code === 'DEP0123') return;
    for (const p of printers) p(w);
  });
}

function channelCredentials(address: string, security: ClientSecurity): grpc.ChannelCredentials {
  const tls = security.tls;
  if (tls === undefined) return grpc.credentials.createInsecure();
  if (isIP(address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')) !== 0) muteIpServerNameWarning();
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

/**
 * A client of one of the controller's services (proto/xtrace.proto), Xtrace unless named.
 * Methods, requests and responses are typed by the generated service definitions
 * (proto/src/generated/): a request is the generated input type, a response the decoded
 * `__Output` type, or a view that narrows it (proto/src/fleet-config.ts ScheduleMessage, ...),
 * inferred from what the result is assigned to. The generated client's methods are looked up
 * by name (a cast to a record of functions).
 */
export class ControllerClient<S extends XtraceServiceName = 'Xtrace'> {
  readonly client: grpc.Client;
  constructor(
    readonly address: string,
    service?: S,
    readonly security: ClientSecurity = {},
  ) {
    const { Client } = loadGrpcService(service ?? 'Xtrace');
    this.client = new Client(address, channelCredentials(address, security), security.token !== undefined ? { interceptors: [bearerToken(security.token)] } : {});
  }

  /** a failed call's error as an XtraceError, with hints from what this client offered */
  error(e: unknown): XtraceError {
    return fromGrpcError(e, this.address, this.security);
  }

  async unary<M extends XtraceMethodName<S>, T extends XtraceResponse<S, M> = XtraceResponse<S, M>>(method: M, req: XtraceRequest<S, M>, timeoutMs = 10_000): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryFn>)[method]!.bind(this.client);
    return new Promise<T>((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(this.error(err)) : resolve(res as T)));
    });
  }

  /** A server-streaming call; without `deadlineMs` it runs until it ends or is cancelled. */
  stream<M extends XtraceMethodName<S>>(method: M, req: XtraceRequest<S, M>, deadlineMs?: number): grpc.ClientReadableStream<XtraceResponse<S, M>> {
    const fn = (this.client as unknown as Record<string, (req: unknown, opts: grpc.CallOptions) => grpc.ClientReadableStream<XtraceResponse<S, M>>>)[method]!.bind(this.client);
    return fn(req, deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs });
  }

  close(): void {
    this.client.close();
  }
}
