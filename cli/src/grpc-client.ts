/** The CLI's gRPC client of the controller, with errors mapped to XtraceError codes. */
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_CONTROLLER_ADDRESS,
  UnreachableError,
  UsageError,
  XtraceError,
  type ErrorCode,
} from '@xtrace/proto';
import { loadGrpcService, type XtraceServiceName } from '@xtrace/proto/grpc';

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

/** A client of one of the controller's services (proto/xtrace.proto), Xtrace unless named. */
export class ControllerClient {
  readonly client: grpc.Client;
  constructor(
    readonly address: string,
    service: XtraceServiceName = 'Xtrace',
  ) {
    const { Client } = loadGrpcService(service);
    this.client = new Client(address, grpc.credentials.createInsecure());
  }

  async unary<T>(method: string, req: unknown, timeoutMs = 10_000): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryFn>)[method]!.bind(this.client);
    return new Promise<T>((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(fromGrpcError(err, this.address)) : resolve(res as T)));
    });
  }

  /** A server-streaming call; without `deadlineMs` it runs until it ends or is cancelled. */
  stream<T>(method: string, req: unknown, deadlineMs?: number): grpc.ClientReadableStream<T> {
    const fn = (this.client as unknown as Record<string, (req: unknown, opts: grpc.CallOptions) => grpc.ClientReadableStream<T>>)[method]!.bind(this.client);
    return fn(req, deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs });
  }

  watch(probeId: string, deadlineMs: number): grpc.ClientReadableStream<unknown> {
    return this.stream('WatchProbe', { probe_id: probeId }, deadlineMs);
  }

  close(): void {
    this.client.close();
  }
}
