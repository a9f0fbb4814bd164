/** @xtrace/node-agent/metrics: apart from the package's index, which does not load prom-client. */
export * from './agent-metrics.js';
export * from './agent-metrics-server.js';
