export * from './program.js';
export * from './render.js';
export * from './grpc-client.js';
export * from './nats-flags.js';
export { buildPairRequest, jsonReport } from './commands/pair.js';
