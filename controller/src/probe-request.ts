/**
 * What a StartPairProbeRequest becomes once checked (grpc-requests.ts checks it field by field):
 * the probe's ProbeInfo and the startProbe command its agents get.
 */
import {
  MAX_DURATION_MS,
  type ProbeInfo,
  type ProbeProto,
  type StartPairProbeRequest,
  type StartProbeCommand,
} from '@xtrace/proto';
import type { ProbeTargets } from './probe-target-resolver.js';

const DEFAULT_DURATION_MS = 10_000;
const DEFAULT_INTERVAL_MS = 1000;

/** The agents stop on their own this long after the controller would. */
const AGENT_DURATION_MARGIN_MS = 5000;

/** The probe as listed and reported (state 'starting', started now); defaults filled in. `req`'s src/dst are addresses (names resolved). */
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
    src_vm: targets.srcVm,
    dst_vm: targets.dstVm,
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
    durationMs: Math.min(info.duration_ms + AGENT_DURATION_MARGIN_MS, MAX_DURATION_MS),
    leaseMs: lease.leaseMs,
    controllerId: lease.controllerId,
  };
  if (req.proto) cmd.proto = req.proto as ProbeProto;
  if (req.port) cmd.port = req.port;
  if (req.sample_n) cmd.sample = { k: req.sample_k, n: req.sample_n };
  if (req.pcap_snaplen) cmd.capture = { snaplen: req.pcap_snaplen };
  return cmd;
}
