/**
 * Loads proto/xtrace.proto at runtime, typed by the types generated from it under these same
 * options (proto/src/generated/, proto/scripts/gen-types.ts): the services' clients,
 * definitions and handlers. keepCase keeps snake_case field names, so messages are the report
 * JSON; 64-bit integers arrive as JS numbers. A subpath of its own
 * (`@xtrace/proto/grpc`), not in the index: importing it loads @grpc/grpc-js and
 * @grpc/proto-loader (~7 MB of RSS), which agent processes never need.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/xtrace.js';

export type { AlertRulesHandlers } from './generated/xtrace/v1/AlertRules.js';
export type { SchedulesHandlers } from './generated/xtrace/v1/Schedules.js';
export type { XtraceHandlers } from './generated/xtrace/v1/Xtrace.js';

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

/** the services of proto/xtrace.proto, all served by the controller on one address */
export const XTRACE_SERVICES = ['Xtrace', 'Schedules', 'AlertRules'] as const;
export type XtraceServiceName = (typeof XTRACE_SERVICES)[number];

/** the generated client constructor of each service (proto/src/generated/xtrace.ts) */
type XtracePackage = ProtoGrpcType['xtrace']['v1'];

/** One service: its definition (what a server adds) and its client constructor. */
export interface XtraceGrpc<N extends XtraceServiceName = XtraceServiceName> {
  service: XtracePackage[N]['service'];
  Client: XtracePackage[N];
}

/** the methods of a service, by name */
export type XtraceMethodName<N extends XtraceServiceName> = keyof XtraceGrpc<N>['service'] & string;

/** what a client sends to a method: the generated input type of its request message */
export type XtraceRequest<N extends XtraceServiceName, M extends XtraceMethodName<N>> =
  XtraceGrpc<N>['service'][M] extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer _ResOut> ? Req : never;

/** what a client reads from a method (each message of a stream): the decoded `__Output` type of its response */
export type XtraceResponse<N extends XtraceServiceName, M extends XtraceMethodName<N>> =
  XtraceGrpc<N>['service'][M] extends MethodDefinition<infer _Req, infer _Res, infer _ReqOut, infer ResOut> ? ResOut : never;

let pkg: XtracePackage | undefined;

/** One service of proto/xtrace.proto (the file is parsed once). */
export function loadGrpcService<N extends XtraceServiceName>(name: N): XtraceGrpc<N> {
  // loadPackageDefinition's result is untyped; the generated ProtoGrpcType is its shape
  pkg ??= (grpc.loadPackageDefinition(protoLoader.loadSync(XTRACE_PROTO_PATH, PROTO_LOADER_OPTIONS)) as unknown as ProtoGrpcType).xtrace.v1;
  const Client = pkg[name];
  return { service: Client.service, Client };
}

/** The probe and history service (Xtrace). */
export function loadXtraceGrpc(): XtraceGrpc<'Xtrace'> {
  return loadGrpcService('Xtrace');
}
