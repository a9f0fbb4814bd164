/**
 * What a StartPairProbeRequest becomes: checked field by field (UsageError naming the field),
 * then turned into the probe's ProbeInfo and the startProbe command its agents get.
 */
import { isIP } from 'node:net';
import {
  PROBE_PROTOS,
  UsageError,
  type ProbeInfo,
  type ProbeProto,
  type StartPairProbeRequest,
  type StartProbeCommand,
} from '@xtrace/proto';
import type { ProbeTargets } from './probe-target-resolver.js';

export const DEFAULT_DURATION_MS = 10_000;
export const DEFAULT_INTERVAL_MS = 1000;

/** The agents stop on their own this long after the controller would. */
const AGENT_DURATION_MARGIN_MS = 5000;

export function validateProbeRequest(req: StartPairProbeRequest): void {
  for (const f of ['src', 'dst'] as const) {
    if (isIP(req[f] ?? '') === 0) throw new UsageError(f, `expected an IPv4 or IPv6 address, got '${req[f] ?? ''}'`);
  }
  if (req.src === req.dst) throw new UsageError('dst', `must differ from src (${req.src})`);
  if (isIP(req.src) !== isIP(req.dst)) throw new UsageError('dst', `address family differs from src (${req.src} vs ${req.dst})`);
  if (req.proto && !PROBE_PROTOS.includes(req.proto as ProbeProto)) {
    throw new UsageError('proto', `expected one of ${PROBE_PROTOS.join('|')}, got '${req.proto}'`);
  }
  if (req.port && (req.port < 1 || req.port > 65535)) throw new UsageError('port', `expected 1..65535, got ${req.port}`);
  if (req.port && req.proto === 'icmp') throw new UsageError('port', 'not allowed with proto icmp');
  if ((req.sample_k || req.sample_n) && !(req.sample_k >= 1 && req.sample_n >= req.sample_k)) {
    throw new UsageError('sample', `expected 1 <= k <= n, got ${req.sample_k}/${req.sample_n}`);
  }
  if (req.interval_ms && req.interval_ms < 100) throw new UsageError('interval', `expected at least 100ms, got ${req.interval_ms}ms`);
}

/** The probe as listed and reported (state 'starting', started now); defaults filled in. */
export function probeInfoOf(req: StartPairProbeRequest, probeId: string, targets: ProbeTargets): ProbeInfo {
  return {
    probe_id: probeId,
    src: req.src,
    dst: req.dst,
    proto: req.proto ?? '',
    port: req.port ?? 0,
    duration_ms: req.duration_ms || DEFAULT_DURATION_MS,
    interval_ms: req.interval_ms || DEFAULT_INTERVAL_MS,
    hosts: targets.hosts,
    src_host: targets.srcHost,
    dst_host: targets.dstHost,
    state: 'starting',
    started_at_ms: Date.now(),
    sample_k: req.sample_k ?? 0,
    sample_n: req.sample_n ?? 0,
  };
}

/** The startProbe command for every agent of the path. */
export function startCommandOf(req: StartPairProbeRequest, info: ProbeInfo, lease: { leaseMs: number; controllerId: string }): StartProbeCommand {
  const cmd: StartProbeCommand = {
    op: 'startProbe',
    probeId: info.probe_id,
    src: req.src,
    dst: req.dst,
    durationMs: info.duration_ms + AGENT_DURATION_MARGIN_MS,
    leaseMs: lease.leaseMs,
    controllerId: lease.controllerId,
  };
  if (req.proto) cmd.proto = req.proto as ProbeProto;
  if (req.port) cmd.port = req.port;
  if (req.sample_n) cmd.sample = { k: req.sample_k, n: req.sample_n };
  return cmd;
}
