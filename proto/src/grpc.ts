/**
 * Loads proto/xtrace.proto at runtime (no codegen). keepCase keeps snake_case field names,
 * so messages are the report JSON; 64-bit integers arrive as JS numbers. A subpath of its own
 * (`@xtrace/proto/grpc`), not in the index: importing it loads @grpc/grpc-js and
 * @grpc/proto-loader (~7 MB of RSS), which agent processes never need.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const XTRACE_PROTO_PATH = fileURLToPath(new URL('../xtrace.proto', import.meta.url));

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
};

export interface XtraceGrpc {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
}

let cached: XtraceGrpc | undefined;

export function loadXtraceGrpc(): XtraceGrpc {
  if (cached) return cached;
  const def = protoLoader.loadSync(XTRACE_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { xtrace: { v1: { Xtrace: grpc.ServiceClientConstructor } } };
  const Client = pkg.xtrace.v1.Xtrace;
  cached = { service: Client.service, Client };
  return cached;
}
