/**
 * The Grafana dashboard (deploy/grafana/xtrace.json) queries only metrics that exist: a real
 * `xtrace controller` process on a real nats-server (JetStream: its fleet layer serves
 * /metrics) and an agent's /metrics (the real AgentMetrics over a fake tracer: the families do
 * not depend on BPF) are scraped, and every metric name in every panel's PromQL and every
 * variable's label_values() must be a family there: xtrace_agent_* on the agent's endpoint,
 * the rest on the controller's. A copy of the dashboard with a misspelt metric fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type MetricsServer } from '@xtrace/proto';
import { serveAgentMetrics } from '@xtrace/node-agent/metrics';
import { XTRACE_BIN } from '../support/cli.js';
import { startTestAgent, waitFor, type TestAgent } from '../support/agents.js';
import { parseExposition, type ParsedFamily } from '../support/exposition-parser.js';
import { labelValuesMetric, readPromql, servingFamily } from '../support/promql-metric-names.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';

interface Target {
  expr?: string;
  format?: string;
}
interface Panel {
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string } }[] };
}

const DASHBOARD: Dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/xtrace.json', import.meta.url), 'utf8')) as Dashboard;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const metricNames = (expr: string): string[] => readPromql(expr).names;

/** every PromQL expression of the dashboard: panels' targets and query variables, with where it is */
function expressions(d: Dashboard): { expr: string; where: string }[] {
  const out: { expr: string; where: string }[] = [];
  for (const p of allPanels(d.panels)) for (const t of p.targets ?? []) out.push({ expr: t.expr ?? '', where: `panel "${p.title}"` });
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    // label_values(metric{matchers}, label): the selector is PromQL
    const selector = /^\s*label_values\((.*),\s*[A-Za-z_]\w*\s*\)\s*$/.exec(q)?.[1] ?? q.replace(/^\s*query_result\((.*)\)\s*$/, '$1');
    out.push({ expr: selector, where: `variable ${v.name}` });
  }
  return out;
}

/** where each queried metric comes from: `panel "title"` or `variable name` */
function queriedMetrics(d: Dashboard): Map<string, string> {
  const out = new Map<string, string>();
  for (const { expr, where } of expressions(d)) for (const n of metricNames(expr)) out.set(n, where);
  return out;
}

/** "where: error" for every expression Prometheus would not parse */
function syntaxErrors(d: Dashboard): string[] {
  return expressions(d).flatMap(({ expr, where }) => readPromql(expr).errors.map((e) => `${where}: ${e} in ${expr}`));
}

/** "name (where): why" for every queried metric that no live family serves, and every syntax error */
function missingMetrics(d: Dashboard, controller: Map<string, ParsedFamily>, agent: Map<string, ParsedFamily>): string[] {
  const missing: string[] = syntaxErrors(d);
  for (const [name, where] of queriedMetrics(d)) {
    const [endpoint, families] = name.startsWith('xtrace_agent_') ? ['agent', agent] : ['controller', controller];
    if (servingFamily(name, families) === undefined) missing.push(`${name} (${where}): not on the ${endpoint}'s /metrics`);
  }
  return missing;
}

describe('readPromql', () => {
  it('finds metrics, not functions, labels, keywords, numbers or variables; reports syntax errors', () => {
    expect(readPromql('histogram_quantile(0.99, sum by (le, src) (rate(a_seconds_bucket{src=~"$src", le!="x"}[$__rate_interval])))')).toEqual({ names: ['a_seconds_bucket'], errors: [] });
    expect(metricNames('sum(rate(a_total[5m])) / (sum without (host) (b_total offset 1h) + c) > 1e-9 and on (host) group_left(x) d').sort()).toEqual(['a_total', 'b_total', 'c', 'd']);
    expect(metricNames('max by (host, stage) (x{host=~"${host}"}) > bool 0')).toEqual(['x']);
    expect(metricNames('rate(m:recorded:rate5m[1h:5m]) + {__name__="by_name"}')).toEqual(['m:recorded:rate5m', 'by_name']);
    expect(readPromql('sum(rate(x[5m])').errors.length).toBeGreaterThan(0);
    expect(readPromql('foo bar').errors.length).toBeGreaterThan(0);
    expect(readPromql('rate(x[$some_var])').errors.length).toBeGreaterThan(0);
    expect(labelValuesMetric('label_values(xtrace_segment_packets_total{src=~"$src"}, dst)')).toBe('xtrace_segment_packets_total');
    expect(labelValuesMetric('label_values(host)')).toBeUndefined();
  });
});

describe('Grafana dashboard against live /metrics', () => {
  let nats: NatsServerHandle;
  let controller: ChildProcess | undefined;
  let agent: TestAgent;
  let agentMetrics: MetricsServer;
  let controllerFamilies: Map<string, ParsedFamily>;
  let agentFamilies: Map<string, ParsedFamily>;

  const scrape = async (url: string): Promise<Map<string, ParsedFamily>> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    const grpcPort = await freePort();
    controller = spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', nats.url, '--listen', `127.0.0.1:${grpcPort}`, '--metrics-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    controller.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    controller.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(() => /^metrics: \S+/m.test(out) || controller!.exitCode !== null, 30_000, 'the controller to print its /metrics address');
    const url = /^metrics: (\S+)/m.exec(out)?.[1];
    if (url === undefined) throw new Error(`the controller printed no /metrics address: ${out}${err.slice(-2000)}`);
    controllerFamilies = await scrape(url);

    agent = await startTestAgent(nats.url, { hostId: 'xtgd-a', vmAddresses: ['10.0.0.1'] });
    agentMetrics = await serveAgentMetrics(agent.agent, { host: '127.0.0.1', port: 0 });
    agentFamilies = await scrape(agentMetrics.url);
  }, 60_000);

  afterAll(async () => {
    await agentMetrics?.close();
    await agent?.close().catch(() => {});
    if (controller !== undefined && controller.exitCode === null) {
      const exited = new Promise((r) => controller!.once('exit', r));
      controller.kill('SIGTERM');
      await exited;
    }
    await nats?.stop();
  });

  it('queries only metrics the controller or an agent serves', () => {
    const queried = queriedMetrics(DASHBOARD);
    // the dashboard is not empty of queries, and the scrapes are real
    expect(queried.size).toBeGreaterThanOrEqual(20);
    expect(controllerFamilies.has('xtrace_segment_latency_seconds')).toBe(true);
    expect(agentFamilies.has('xtrace_agent_events_total')).toBe(true);
    expect(missingMetrics(DASHBOARD, controllerFamilies, agentFamilies)).toEqual([]);
  });

  it('fails on a misspelt metric, a histogram suffix on a counter, a metric on the wrong endpoint, a syntax error', () => {
    const broken = structuredClone(DASHBOARD);
    broken.panels.push({
      type: 'timeseries',
      title: 'broken',
      targets: [
        { expr: 'sum(rate(xtrace_segment_lost_packet_total[5m]))' },
        { expr: 'rate(xtrace_probes_total_bucket[5m])' },
        { expr: 'xtrace_agent_probes_active_total' },
        { expr: 'sum(rate(xtrace_probes_total[5m])' },
      ],
    });
    broken.templating.list.push({ name: 'bad', type: 'query', query: { query: 'label_values(xtrace_no_such_metric, host)' } });
    expect(missingMetrics(broken, controllerFamilies, agentFamilies).map((m) => m.split(' ')[0]).sort()).toEqual([
      'panel',
      'xtrace_agent_probes_active_total',
      'xtrace_no_such_metric',
      'xtrace_probes_total_bucket',
      'xtrace_segment_lost_packet_total',
    ]);
  });

  it('has the panels the fleet asks for: latency heatmaps per segment, loss per segment, events and loss per agent, probes and schedules', () => {
    const panels = allPanels(DASHBOARD.panels);
    const using = (metric: string, type?: string): Panel[] =>
      panels.filter((p) => (type === undefined || p.type === type) && (p.targets ?? []).some((t) => metricNames(t.expr ?? '').includes(metric)));
    const heatmaps = using('xtrace_segment_latency_seconds_bucket', 'heatmap');
    expect(heatmaps.length).toBeGreaterThanOrEqual(1);
    for (const h of heatmaps) for (const t of h.targets ?? []) expect(t.format).toBe('heatmap');
    expect(using('xtrace_segment_lost_packets_total').length).toBeGreaterThanOrEqual(1);
    for (const m of ['xtrace_agent_events_total', 'xtrace_agent_ringbuf_lost_total', 'xtrace_batch_lost_total', 'xtrace_probes_active', 'xtrace_probes_total', 'xtrace_scheduled_pairs', 'xtrace_scheduler_events_total']) {
      expect(using(m).length, m).toBeGreaterThanOrEqual(1);
    }
    // every family either endpoint serves is on the dashboard, so a new metric is not forgotten
    const served = new Set([...queriedMetrics(DASHBOARD).keys()].map((n) => servingFamily(n, new Map([...controllerFamilies, ...agentFamilies]))));
    const unused = [...controllerFamilies.keys(), ...agentFamilies.keys()].filter((f) => f.startsWith('xtrace_') && !served.has(f));
    expect(unused).toEqual([]);
  });
});
