export * from './echo-server.js';
export * from './summary.js';
export * from './ping.js';
export * from './udp.js';
export * from './tcp.js';
