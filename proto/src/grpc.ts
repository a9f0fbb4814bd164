/**
 * Loads proto/xtrace.proto at runtime (no codegen). keepCase keeps snake_case field names,
 * so messages are the report JSON; 64-bit integers arrive as JS numbers. A subpath of its own
 * (`@xtrace/proto/grpc`), not in the index: importing it loads @grpc/grpc-js and
 * @grpc/proto-loader (~7 MB of RSS), which agent processes never need.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const XTRACE_PROTO_PATH = fileURLToPath(new URL('../xtrace.proto', import.meta.url));

const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
};

interface XtraceGrpc {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
}

/** the services of proto/xtrace.proto, all served by the controller on one address */
export const XTRACE_SERVICES = ['Xtrace', 'Schedules', 'AlertRules'] as const;
export type XtraceServiceName = (typeof XTRACE_SERVICES)[number];

let pkg: Record<XtraceServiceName, grpc.ServiceClientConstructor> | undefined;
const cached = new Map<XtraceServiceName, XtraceGrpc>();

/** One service of proto/xtrace.proto (the file is parsed once). */
export function loadGrpcService(name: XtraceServiceName): XtraceGrpc {
  let s = cached.get(name);
  if (s !== undefined) return s;
  if (pkg === undefined) {
    const def = protoLoader.loadSync(XTRACE_PROTO_PATH, PROTO_LOADER_OPTIONS);
    pkg = (grpc.loadPackageDefinition(def) as unknown as { xtrace: { v1: Record<XtraceServiceName, grpc.ServiceClientConstructor> } }).xtrace.v1;
  }
  const Client = pkg[name];
  s = { service: Client.service, Client };
  cached.set(name, s);
  return s;
}

/** The probe and history service (Xtrace). */
export function loadXtraceGrpc(): XtraceGrpc {
  return loadGrpcService('Xtrace');
}
