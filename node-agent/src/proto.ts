/**
 * @xtrace/proto without its gRPC part, for agent processes (`@xtrace/node-agent/proto`). The
 * package's index also exports the gRPC API (proto/src/grpc.ts), and importing it loads
 * @grpc/grpc-js and @grpc/proto-loader: ~7 MB of RSS in every agent for code an agent never runs.
 * These are the same modules the index re-exports (same files, so the same module instances:
 * an XtraceError from here is an XtraceError there).
 */
export * from '../../proto/src/record-layout.js';
export * from '../../proto/src/stages.js';
export * from '../../proto/src/errors.js';
export * from '../../proto/src/subjects.js';
export * from '../../proto/src/commands.js';
export * from '../../proto/src/envelope.js';
export * from '../../proto/src/agent-status.js';
export * from '../../proto/src/nats-options.js';
export * from '../../proto/src/duration.js';
export * from '../../proto/src/report.js';
