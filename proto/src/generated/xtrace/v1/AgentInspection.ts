// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { InspectProgram as _xtrace_v1_InspectProgram, InspectProgram__Output as _xtrace_v1_InspectProgram__Output } from '../../xtrace/v1/InspectProgram.js';
import type { InspectLink as _xtrace_v1_InspectLink, InspectLink__Output as _xtrace_v1_InspectLink__Output } from '../../xtrace/v1/InspectLink.js';
import type { InspectMap as _xtrace_v1_InspectMap, InspectMap__Output as _xtrace_v1_InspectMap__Output } from '../../xtrace/v1/InspectMap.js';
import type { InspectStage as _xtrace_v1_InspectStage, InspectStage__Output as _xtrace_v1_InspectStage__Output } from '../../xtrace/v1/InspectStage.js';
import type { InspectRing as _xtrace_v1_InspectRing, InspectRing__Output as _xtrace_v1_InspectRing__Output } from '../../xtrace/v1/InspectRing.js';
import type { Long } from '@grpc/proto-loader';

export interface AgentInspection {
  'host'?: (string);
  'boot_id'?: (string);
  /**
   * the agent did not answer or cannot inspect: the fields below are empty
   */
  'error'?: (string);
  /**
   * agent time, epoch ms
   */
  'inspected_at_ms'?: (number | string | Long);
  /**
   * "kernel /sys/kernel/btf/vmlinux" or "file PATH" (--btf)
   */
  'btf'?: (string);
  /**
   * the kernel keeps run counts and times: kernel.bpf_stats_enabled is 1, or a program of this
   * object has counted runs (a BPF_ENABLE_STATS holder, e.g. `xtrace trace --bpf-stats`, keeps them
   * on without the sysctl showing it); off: RUNS and NS/RUN stay 0
   */
  'bpf_stats'?: (boolean);
  'programs'?: (_xtrace_v1_InspectProgram)[];
  'links'?: (_xtrace_v1_InspectLink)[];
  'maps'?: (_xtrace_v1_InspectMap)[];
  /**
   * xtrace's kernel counters summed over CPUs (ringbuf_full, parse_fail, ...)
   */
  'counters'?: ({[key: string]: number | string | Long});
  'stage_plan'?: (_xtrace_v1_InspectStage)[];
  'ring'?: (_xtrace_v1_InspectRing | null);
}

export interface AgentInspection__Output {
  'host': (string);
  'boot_id': (string);
  /**
   * the agent did not answer or cannot inspect: the fields below are empty
   */
  'error': (string);
  /**
   * agent time, epoch ms
   */
  'inspected_at_ms': (number);
  /**
   * "kernel /sys/kernel/btf/vmlinux" or "file PATH" (--btf)
   */
  'btf': (string);
  /**
   * the kernel keeps run counts and times: kernel.bpf_stats_enabled is 1, or a program of this
   * object has counted runs (a BPF_ENABLE_STATS holder, e.g. `xtrace trace --bpf-stats`, keeps them
   * on without the sysctl showing it); off: RUNS and NS/RUN stay 0
   */
  'bpf_stats': (boolean);
  'programs': (_xtrace_v1_InspectProgram__Output)[];
  'links': (_xtrace_v1_InspectLink__Output)[];
  'maps': (_xtrace_v1_InspectMap__Output)[];
  /**
   * xtrace's kernel counters summed over CPUs (ringbuf_full, parse_fail, ...)
   */
  'counters': ({[key: string]: number});
  'stage_plan': (_xtrace_v1_InspectStage__Output)[];
  'ring': (_xtrace_v1_InspectRing__Output | null);
}
