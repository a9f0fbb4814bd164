/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef XTRACE_COMMON_H
#define XTRACE_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "xtrace_abi.h"
#include "maps.h"
#include "packet.h"
#include "probe.h"

#define XT_DIR_INGRESS 0
#define XT_DIR_EGRESS 1
#define XT_TC_NEXT -1 /* TCX_NEXT / TC_ACT_UNSPEC: let the packet go on untouched */

static __always_inline __u32 xt_dev_netns(const struct net_device *dev)
{
	return BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

/* A reader over an skb's linear area from its network header (tracing programs). */
static __always_inline int xt_skb_reader(struct sk_buff *skb, struct xt_reader *r, __u16 *ethertype)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u32 tail = BPF_CORE_READ(skb, tail);

	*ethertype = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	if (!head || tail <= nh)
		return -1;
	r->tc = NULL;
	r->base = head + nh;
	r->limit = tail - nh;
	return 0;
}

/*
 * Tracing programs (tracepoint, tp_btf, fentry, kprobe) on a device-scoped packet event:
 * observe when the device is a stage owned by this hook kind in the agent's namespace.
 */
static __always_inline void xt_trace_dev_skb(struct sk_buff *skb, struct net_device *dev, __u32 dir, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct xt_reader r;
	struct xt_where w = { .hook = hook };
	__u16 ethertype;

	if (!cfg || !cfg->active_probes || !dev)
		return;
	w.netns = xt_dev_netns(dev);
	if (w.netns != cfg->netns)
		return;
	w.ifindex = BPF_CORE_READ(dev, ifindex);
	w.stage = xt_stage_of(w.netns, w.ifindex, dir, hook);
	if (!w.stage)
		return;
	if (xt_skb_reader(skb, &r, &ethertype)) {
		xt_count(XT_C_PARSE_FAIL);
		return;
	}
	w.len = BPF_CORE_READ(skb, len);
	xt_observe(&r, 0, ethertype, &w);
}

#endif
