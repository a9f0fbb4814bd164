// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { AgentVm as _xtrace_v1_AgentVm, AgentVm__Output as _xtrace_v1_AgentVm__Output } from '../../xtrace/v1/AgentVm.js';
import type { Long } from '@grpc/proto-loader';

export interface AgentInfo {
  'host'?: (string);
  'boot_id'?: (string);
  /**
   * up | down
   */
  'state'?: (string);
  /**
   * epoch ms of the last heartbeat
   */
  'last_seen_ms'?: (number | string | Long);
  'started_at_ms'?: (number | string | Long);
  'version'?: (string);
  'vms'?: (_xtrace_v1_AgentVm)[];
  'probes'?: (string)[];
  'stages_attached'?: (number);
  'stages_total'?: (number);
  /**
   * the kernel BTF it loaded with: "kernel /sys/kernel/btf/vmlinux" or "file PATH" (--btf); "": unknown
   */
  'btf'?: (string);
}

export interface AgentInfo__Output {
  'host': (string);
  'boot_id': (string);
  /**
   * up | down
   */
  'state': (string);
  /**
   * epoch ms of the last heartbeat
   */
  'last_seen_ms': (number);
  'started_at_ms': (number);
  'version': (string);
  'vms': (_xtrace_v1_AgentVm__Output)[];
  'probes': (string)[];
  'stages_attached': (number);
  'stages_total': (number);
  /**
   * the kernel BTF it loaded with: "kernel /sys/kernel/btf/vmlinux" or "file PATH" (--btf); "": unknown
   */
  'btf': (string);
}
