/**
 * A stored history record through the ListHistory encoding (grpc-js's own serializers) and back
 * to its stored shape, without a server (the controller's shape against the CLI's reader, so
 * it lives with the tests that may import both): the fleet's segments (path, VM turnaround, VM breakdown parts) and the
 * PairReport riding along must survive field for field, or `xtrace history --json` would lose them.
 */
import { describe, expect, it } from 'vitest';
import { loadXtraceGrpc } from '@xtrace/proto/grpc';
import { samplePairReport } from '@xtrace/proto/testing';
import { probeReportFromPairReport, type HistoryRecord } from '@xtrace/controller';
import { normalizeHistoryRecord } from '../../cli/src/history-client.js';

/** as HistoryStore reads it back from JetStream: the ProbeReport through JSON */
function storedRecord(): HistoryRecord {
  const report = JSON.parse(JSON.stringify(probeReportFromPairReport(samplePairReport()))) as HistoryRecord['report'];
  return { seq: 3, subject: 'xtrace.history.10_0_0_1~10_0_0_2.p-sample', storedAt: 1_763_900_005_010, report };
}

describe('normalizeHistoryRecord after the gRPC encoding', () => {
  it('gives back the stored record: VM breakdown parts keep their VM and part, the turnaround has no direction', () => {
    const method = loadXtraceGrpc().service.ListHistory;
    const stored = storedRecord();
    const received = normalizeHistoryRecord(method.responseDeserialize(method.responseSerialize(structuredClone(stored))));
    expect(received).toEqual(stored);
    const guest = received.report.segments.find((s) => s.vm_breakdown?.part === 'guest');
    expect(guest).toMatchObject({ from: 'hv-b.kvm_irq', to: 'hv-b.guest_kick', kind: 'vm', vm_breakdown: { host: 'hv-b', role: 'destination' } });
    expect(guest).not.toHaveProperty('direction');
    const path = received.report.segments.find((s) => s.from === 'hv-b.tap_tx' && s.to === 'hv-b.vhost_rx' && s.vm_breakdown === undefined);
    expect(path).toMatchObject({ direction: 'forward' });
    expect(path).not.toHaveProperty('vm_breakdown');
  });
});
