/** The CLI's gRPC client of the controller, with errors mapped to XtraceError codes. */
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

/** Maps a gRPC status error to the XtraceError the exit code follows. */
export function fromGrpcError(e: unknown, address: string): XtraceError {
  const se = e as Partial<grpc.ServiceError>;
  if (typeof se?.code !== 'number') return new XtraceError('internal', String(e), { cause: e });
  const details = (se.details ?? se.message ?? '').replace(/\s*Resolution note:\s*$/, '');
  const meta = se.metadata?.get('xtrace-code')[0];
  const code = (typeof meta === 'string' ? meta : undefined) as ErrorCode | undefined;
  if (se.code === grpc.status.UNAVAILABLE && code === undefined) {
    return new UnreachableError(`cannot reach the controller at ${address}: ${details}`, { cause: e });
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
  ) {
    const { Client } = loadGrpcService(service ?? 'Xtrace');
    this.client = new Client(address, grpc.credentials.createInsecure());
  }

  async unary<M extends XtraceMethodName<S>, T extends XtraceResponse<S, M> = XtraceResponse<S, M>>(method: M, req: XtraceRequest<S, M>, timeoutMs = 10_000): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryFn>)[method]!.bind(this.client);
    return new Promise<T>((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(fromGrpcError(err, this.address)) : resolve(res as T)));
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
