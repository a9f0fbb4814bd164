import { describe, expect, it } from 'vitest';
import type { AgentStats } from '../agent.js';
import { AgentMetrics } from './agent-metrics.js';

const stats = (over: Partial<AgentStats> = {}): AgentStats => ({
  hostId: 'hv-a',
  eventsTotal: 0,
  recordsPublished: 0,
  batchesPublished: 0,
  batchPublishFailures: 0,
  batchesDroppedBacklog: 0,
  recordsDroppedBacklog: 0,
  unconfirmedBytes: 0,
  probesActive: 0,
  probesStarted: 0,
  kernel: {},
  stages: [],
  ...over,
});

describe('AgentMetrics', () => {
  it('reads the stats once per scrape; counters follow them, never go back, and start over after a reset of the source', async () => {
    let now = 0;
    let reads = 0;
    let s = stats({ eventsTotal: 100, kernel: { ringbuf_full: 3, parse_fail: 1, bogus: Number.NaN } });
    const m = new AgentMetrics({ stats: () => (reads++, s) }, undefined, () => now);
    const scrape = async () => {
      const out = new Map<string, number>();
      for (const f of await m.registry.getMetricsAsJSON()) for (const v of f.values) out.set(`${f.name}${JSON.stringify(v.labels)}`, v.value);
      return out;
    };
    let x = await scrape();
    expect(reads).toBe(1);
    expect(x.get('xtrace_agent_events_total{"host":"hv-a"}')).toBe(100);
    expect(x.get('xtrace_agent_ringbuf_lost_total{"host":"hv-a"}')).toBe(3);
    expect(x.get('xtrace_agent_kernel_counter_total{"host":"hv-a","counter":"parse_fail"}')).toBe(1);
    expect(x.has('xtrace_agent_kernel_counter_total{"host":"hv-a","counter":"bogus"}')).toBe(false);
    expect(x.get('xtrace_agent_events_per_second{"host":"hv-a"}')).toBe(0);

    now = 2000;
    s = stats({ eventsTotal: 300, kernel: { ringbuf_full: 5 } });
    x = await scrape();
    expect(reads).toBe(2);
    expect(x.get('xtrace_agent_events_total{"host":"hv-a"}')).toBe(300);
    expect(x.get('xtrace_agent_events_per_second{"host":"hv-a"}')).toBe(100);
    expect(x.get('xtrace_agent_ringbuf_lost_total{"host":"hv-a"}')).toBe(5);

    // the agent restarted its counting (a new tracer): the counter adds what the source counts anew
    now = 4000;
    s = stats({ eventsTotal: 20 });
    x = await scrape();
    expect(x.get('xtrace_agent_events_total{"host":"hv-a"}')).toBe(320);
  });

  it('stage gauges show the stages of the last stats only', async () => {
    const fallbacks = [{ candidate: 'tp openvswitch', reason: 'no module' }];
    let s = stats({
      stages: [
        { stage: 'tap_rx', hook: 'tcx ingress vnet0', attached: true, devices: ['vnet0'], fallbacks: [] },
        { stage: 'ovs_in', attached: false, devices: [], fallbacks },
      ],
    });
    const m = new AgentMetrics({ stats: () => s });
    let text = await m.registry.metrics();
    expect(text).toContain('xtrace_agent_stage_attached{host="hv-a",stage="tap_rx",hook="tcx ingress vnet0"} 1\n');
    expect(text).toContain('xtrace_agent_stage_attached{host="hv-a",stage="ovs_in",hook=""} 0\n');
    expect(text).toContain('xtrace_agent_hook_attach_failures{host="hv-a",stage="ovs_in"} 1\n');
    s = stats({ stages: [{ stage: 'tap_rx', hook: 'tcx ingress vnet0', attached: true, devices: ['vnet0'], fallbacks: [] }] });
    text = await m.registry.metrics();
    expect(text).not.toContain('stage="ovs_in"');
  });
});
