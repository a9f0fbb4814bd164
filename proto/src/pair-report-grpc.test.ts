/**
 * The report's types (report.ts) are generated from proto/xtrace.proto; this checks the values
 * too: a report goes through the serializers grpc-js itself uses for the service's methods
 * (proto-loader with the project's options), and normalizePairReport must give back exactly
 * what went in.
 */
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadXtraceGrpc } from './grpc.js';
import { normalizePairReport, type PairProbeEvent, type PairReport } from './report.js';
import { samplePairReport } from './testing/sample-pair-report.js';

/**
 * untyped: the report JSON carries null for an unknown latency, which the encoder takes as
 * absent but the generated input types (optional, never null) do not admit
 */
const service: grpc.ServiceDefinition = loadXtraceGrpc().service;

/** through StopProbe's response encoding, as `xtrace pair` receives a final report */
function overTheWire(r: PairReport): PairReport {
  const method = service['StopProbe']!;
  return method.responseDeserialize(method.responseSerialize(structuredClone(r))) as PairReport;
}

describe('PairReport through the gRPC encoding', () => {
  it('a report with VM breakdowns comes back equal after normalizePairReport', () => {
    const sent = samplePairReport();
    const received = normalizePairReport(overTheWire(sent));
    expect(received).toEqual(sent);
    expect(received.vm_breakdown.map((b) => [b.host, b.role, b.parts.map((p) => p.part), b.incomplete])).toEqual([
      ['hv-b', 'destination', ['rx_worker_wait', 'rx_copy_signal', 'guest', 'tx_worker_wait', 'tx_build'], { no_interrupt: 7, no_vhost: 2 }],
      ['hv-a', 'source', ['tx_worker_wait', 'tx_build'], { no_vhost: 15 }],
    ]);
  });

  it('unknown latencies of a VM part come back null, a breakdown without incomplete exchanges an empty map', () => {
    const sent = samplePairReport();
    const b = sent.vm_breakdown[0]!;
    b.incomplete = {};
    const p = b.parts[1]!;
    Object.assign(p, { count: 0, p50_us: null, p90_us: null, p95_us: null, p99_us: null, max_us: null, min_us: null, mean_us: null, histogram: null });
    const received = normalizePairReport(overTheWire(sent));
    expect(received.vm_breakdown[0]!.parts[1]).toEqual(p);
    expect(received.vm_breakdown[0]!.incomplete).toEqual({});
    expect(received).toEqual(sent);
  });

  it('a report without vhost stages has an empty vm_breakdown; so does one whose sender left the field out', () => {
    const sent = { ...samplePairReport(), vm_breakdown: [] };
    expect(normalizePairReport(overTheWire(sent)).vm_breakdown).toEqual([]);
    const older = samplePairReport() as Partial<PairReport>;
    delete older.vm_breakdown;
    expect(normalizePairReport(older as PairReport).vm_breakdown).toEqual([]);
  });

  it('RunPairProbe\'s report events carry the breakdown too', () => {
    const method = service['RunPairProbe']!;
    const ev: PairProbeEvent = { kind: 'report', report: samplePairReport() };
    const back = method.responseDeserialize(method.responseSerialize(structuredClone(ev))) as { kind: string; report: PairReport };
    expect(back.kind).toBe('report');
    expect(normalizePairReport(back.report)).toEqual(ev.report);
  });
});
