// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto

import type { Long } from '@grpc/proto-loader';

export interface InspectProgram {
  'name'?: (string);
  /**
   * ELF section: the program's kind and default target
   */
  'section'?: (string);
  /**
   * false: this kernel or this host's plan did not need it
   */
  'loaded'?: (boolean);
  /**
   * kernel program id (bpftool prog show id N)
   */
  'id'?: (number);
  /**
   * sched_cls, tracing, tracepoint, kprobe, raw_tracepoint, ...
   */
  'type'?: (string);
  /**
   * since load, while bpf_stats was on
   */
  'run_count'?: (number | string | Long);
  'run_time_ns'?: (number | string | Long);
  'recursion_misses'?: (number | string | Long);
  'xlated_bytes'?: (number);
  'jited_bytes'?: (number);
  /**
   * its attachments: "tcx ingress vnet0", "tracepoint skb:kfree_skb"
   */
  'attached'?: (string)[];
}

export interface InspectProgram__Output {
  'name': (string);
  /**
   * ELF section: the program's kind and default target
   */
  'section': (string);
  /**
   * false: this kernel or this host's plan did not need it
   */
  'loaded': (boolean);
  /**
   * kernel program id (bpftool prog show id N)
   */
  'id': (number);
  /**
   * sched_cls, tracing, tracepoint, kprobe, raw_tracepoint, ...
   */
  'type': (string);
  /**
   * since load, while bpf_stats was on
   */
  'run_count': (number);
  'run_time_ns': (number);
  'recursion_misses': (number);
  'xlated_bytes': (number);
  'jited_bytes': (number);
  /**
   * its attachments: "tcx ingress vnet0", "tracepoint skb:kfree_skb"
   */
  'attached': (string)[];
}
