// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cost floors for test/bench/hook-cost.ts, on this machine:
 * - xt_bench_nop: a tc program under bpf_stats (stats read the clock twice per run); subtracted
 *   from xtrace's programs' figures.
 * - xt_bench_clock: one bpf_ktime_get_ns(), what any per-stage timestamp costs at least (the
 *   clocksource decides it: kvm-clock in a VM, the TSC on most bare-metal hosts).
 * - xt_bench_stamp: the clock read and a 64-byte record written to a per-CPU slot: the least a
 *   recorded stage can cost, whatever the record path's design.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stamp {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stamp);
} xt_bench_slot SEC(".maps");

SEC("tc")
int xt_bench_nop(struct __sk_buff *skb)
{
	return -1;
}

SEC("tc")
int xt_bench_clock(struct __sk_buff *skb)
{
	__u64 t = bpf_ktime_get_ns();

	return t == 0 ? 0 : -1; /* used, so the read stays */
}

SEC("tc")
int xt_bench_stamp(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct stamp *s = bpf_map_lookup_elem(&xt_bench_slot, &zero);
	__u64 t = bpf_ktime_get_ns();

	if (!s)
		return -1;
	s->w[0] = t;
	s->w[1] = skb->len;
	s->w[2] = skb->ifindex;
	s->w[3] = t ^ skb->hash;
	s->w[4] = 0;
	s->w[5] = 0;
	s->w[6] = 0;
	s->w[7] = 0;
	return -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
