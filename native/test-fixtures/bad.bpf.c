// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Deliberately rejected by the verifier: reads packet data without a bounds check. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int fx_bad(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	return *(volatile __u32 *)(data + 40) ? TC_ACT_OK : TC_ACT_SHOT;
}
