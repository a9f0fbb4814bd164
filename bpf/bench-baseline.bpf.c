// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of a tc program under bpf_stats on this machine (stats read the clock
 * twice per run): test/bench/hook-cost.ts subtracts it from xtrace's programs' figures.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int xt_bench_nop(struct __sk_buff *skb)
{
	return -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
