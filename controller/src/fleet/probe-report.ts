/**
 * The fleet layer's view of a probe report. Structurally compatible with the matcher's report
 * (controller/src/analysis): only the fields the fleet layer reads are required, anything else
 * is carried through to history untouched.
 */
import type { Pair, SegmentStats } from '@xtrace/proto';

/** the shapes (and parsePair) are shared with the CLI: proto/src/history-record.ts */
export { parsePair, type Pair, type ProbeReport, type SegmentStats, type VmPartRef } from '@xtrace/proto';

/**
 * What tells a report's segments apart (alert episodes, metric counting): kind and stages, and
 * for a breakdown part its VM's role and part name, since a part may span the same stages as a
 * path segment, and a same-host pair's two VMs share a host.
 */
export function segmentIdentity(s: Pick<SegmentStats, 'from' | 'to' | 'kind' | 'vm_breakdown'>): string {
  const id = `${s.kind}|${s.from}>${s.to}`;
  return s.vm_breakdown === undefined ? id : `${id}|${s.vm_breakdown.role}.${s.vm_breakdown.part}`;
}

/** Characters a NATS subject token or KV key cannot hold are replaced. */
function encodeEndpoint(addr: string): string {
  return addr.replace(/\./g, '_').replace(/[\s*>~/\\]/g, '-');
}

/** Subject-safe key of a pair: `10_0_0_1~10_0_0_2` (IPv6 colons are kept). */
export function pairKey(pair: Pair): string {
  return `${encodeEndpoint(pair.src)}~${encodeEndpoint(pair.dst)}`;
}

/** Subject-safe token: ids from agents/probes may hold dots. */
export function subjectToken(s: string): string {
  const t = s.replace(/[.\s*>]/g, '_');
  return t === '' ? '_' : t;
}
