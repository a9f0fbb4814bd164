import { describe, expect, it } from 'vitest';
import type { AgentInspection } from '@xtrace/proto';
import { renderInspections } from './inspect-render.js';

const inspection = (over: Partial<AgentInspection> = {}): AgentInspection => ({
  host: 'hv-a',
  boot_id: '0123456789abcdef',
  error: '',
  inspected_at_ms: 1,
  btf: 'file /var/lib/xtrace/k.btf',
  bpf_stats: true,
  programs: [
    { name: 'xt_tc_ingress', section: 'tc', loaded: true, id: 41, type: 'sched_cls', run_count: 10, run_time_ns: 1234, recursion_misses: 0, xlated_bytes: 900, jited_bytes: 600, attached: ['tcx vnet0 ingress'] },
    { name: 'xt_fentry_tun_net_xmit', section: 'fentry/tun_net_xmit', loaded: false, id: 0, type: 'tracing', run_count: 0, run_time_ns: 0, recursion_misses: 0, xlated_bytes: 0, jited_bytes: 0, attached: [] },
  ],
  links: [{ kind: 'tcx', program: 'xt_tc_ingress', target: 'vnet0 ingress', link_id: 7, link_type: 'tcx', prog_id: 41 }],
  maps: [
    { name: 'xt_learned', id: 3, type: 'lru_hash', key_size: 24, value_size: 8, max_entries: 4096, used: 1024 },
    { name: 'xt_events', id: 4, type: 'ringbuf', key_size: 0, value_size: 0, max_entries: 4 << 20, used: -1 },
    { name: 'xt_config_map', id: 5, type: 'array', key_size: 4, value_size: 16, max_entries: 1, used: -1 },
  ],
  counters: { ringbuf_full: 3, parse_fail: 0 },
  stage_plan: [{ stage: 'tap_rx', kind: 'device', devices: ['vnet0 ingress'], candidates: ['tcx ingress', 'clsact ingress'], attached: true, hook: 'tcx ingress vnet0', fallbacks: [] }],
  ring: { size_bytes: 4 << 20, records: 99, batches: 2, backpressure_pauses: 0, record_batching: true },
  ...over,
});

describe('xtrace inspect human output', () => {
  it('shows runs and ns per run, fill, counters, ring and plan', () => {
    const out = renderInspections([inspection()]);
    expect(out).toContain('hv-a (boot 01234567): BTF file /var/lib/xtrace/k.btf; bpf_stats on');
    expect(out).toMatch(/xt_tc_ingress\s+sched_cls\s+41\s+10\s+123\.4\s+900\s+tcx vnet0 ingress/);
    expect(out).toContain('not loaded (this host\'s plan or kernel does not use them): xt_fentry_tun_net_xmit');
    expect(out).toMatch(/xt_learned\s+lru_hash\s+3\s+24\s+8\s+1024\/4096 \(25%\)/);
    expect(out).toContain('4 MiB ring');
    expect(out).toContain('1 (array: always full)');
    expect(out).toMatch(/ringbuf_full\s+3/);
    expect(out).toContain('4 MiB, 99 records in 2 batches');
    expect(out).toMatch(/tap_rx\s+device\s+vnet0 ingress\s+tcx ingress vnet0\s+tcx ingress > clsact ingress/);
  });

  it('says when bpf_stats is off instead of printing zero runs', () => {
    const out = renderInspections([inspection({ bpf_stats: false, programs: [{ ...inspection().programs[0]!, run_count: 0, run_time_ns: 0 }] })]);
    expect(out).toContain('bpf_stats off: the kernel keeps no run counts or times');
    expect(out).toMatch(/xt_tc_ingress\s+sched_cls\s+41\s+-\s+-/);
  });

  it('an agent that failed is one line with its error', () => {
    expect(renderInspections([inspection({ error: 'agent hv-a did not answer inspect: TIMEOUT' })])).toBe('hv-a: agent hv-a did not answer inspect: TIMEOUT');
    expect(renderInspections([])).toBe('no agents up');
  });
});
