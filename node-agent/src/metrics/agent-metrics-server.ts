/**
 * The agent's own /metrics endpoint (`xtrace agent --metrics-listen`): its metric set
 * (agent-metrics.ts) on the scrape endpoint every xtrace process serves
 * (proto/src/metrics-endpoint.ts). runAgent loads this module only when asked to serve, so an
 * agent without --metrics-listen never loads prom-client.
 */
import { startMetricsServer, type MetricsListen, type MetricsServer } from '@xtrace/proto';
import { AgentMetrics, type AgentStatsSource } from './agent-metrics.js';

export function serveAgentMetrics(source: AgentStatsSource, listen: MetricsListen): Promise<MetricsServer> {
  return startMetricsServer(new AgentMetrics(source).registry, listen);
}
