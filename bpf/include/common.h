/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef XTRACE_COMMON_H
#define XTRACE_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "xtrace_abi.h"

#define XT_DIR_INGRESS 0
#define XT_DIR_EGRESS 1
#define XT_TC_NEXT -1 /* TCX_NEXT / TC_ACT_UNSPEC: let the packet go on untouched */

#include "maps.h"
#include "packet.h"
#include "emit.h"
#include "probe.h"
#include "kernel-types.h"
#include "vhost.h"

static __always_inline __u32 xt_dev_netns(const struct net_device *dev)
{
	return BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

/*
 * A reader over an skb's linear area from its network header (tracing programs), given what
 * the caller read of the skb: its first XT_HDR_COPY bytes are copied once into xt_hdr.
 */
static __always_inline int xt_reader_at(struct xt_reader *r, unsigned char *head, __u16 nh, __u32 tail)
{
	__u32 zero = 0, n;
	struct xt_hdr_buf *hb;

	if (!head || tail <= nh)
		return -1;
	r->tc = NULL;
	r->base = head + nh;
	r->limit = tail - nh;
	r->hdr = NULL;
	r->copied = 0;
	hb = bpf_map_lookup_elem(&xt_hdr, &zero);
	n = r->limit < XT_HDR_COPY ? r->limit : XT_HDR_COPY;
	/* the barrier keeps clang from folding the mask away: it is the bound the verifier needs */
	asm volatile("" : "+r"(n));
	n &= 0xff;
	if (hb && n > 0 && !bpf_probe_read_kernel(hb->b, n, r->base)) {
		r->hdr = hb->b;
		r->copied = n;
	}
	return 0;
}

/* The reader for any skb pointer (kprobe, classic tracepoint: every field by probe read). */
static __always_inline int xt_skb_reader(struct sk_buff *skb, struct xt_reader *r, __u16 *ethertype)
{
	*ethertype = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	return xt_reader_at(r, BPF_CORE_READ(skb, head), BPF_CORE_READ(skb, network_header), BPF_CORE_READ(skb, tail));
}

/*
 * Tracing programs that read the skb by probe reads (kprobe, classic tracepoint, module-type
 * hooks): records the packet at `w` (stage, hook, netns and ifindex set; in scope).
 */
static __always_inline void xt_trace_skb_at(struct sk_buff *skb, struct xt_where *w)
{
	struct xt_reader r;
	__u16 ethertype;

	if (xt_skb_reader(skb, &r, &ethertype)) {
		xt_count(XT_C_PARSE_FAIL);
		return;
	}
	w->len = BPF_CORE_READ(skb, len);
	xt_observe(&r, 0, ethertype, w);
}

/*
 * Whether a probe is active and `dev` (probe-read) is in the agent's namespace: fills w's netns,
 * ifindex and what it takes from the configuration.
 */
static __always_inline bool xt_trace_in_scope(const struct xt_config *cfg, struct net_device *dev, struct xt_where *w)
{
	if (!cfg || !cfg->active_probes || !dev)
		return false;
	w->netns = xt_dev_netns(dev);
	if (w->netns != cfg->netns)
		return false;
	xt_where_config(w, cfg);
	w->ifindex = BPF_CORE_READ(dev, ifindex);
	return true;
}

/*
 * A packet event of a function whose stage is fixed (an OVS port's receive, ...): records it
 * when `dev` is in the agent's namespace.
 */
static __always_inline void xt_trace_stage_skb(struct sk_buff *skb, struct net_device *dev, __u16 stage, __u8 hook)
{
	struct xt_where w = { .hook = hook, .stage = stage };

	if (skb && xt_trace_in_scope(xt_config(), dev, &w))
		xt_trace_skb_at(skb, &w);
}

/*
 * Tracing programs (tracepoint, kprobe) on a device-scoped packet event: observe when the
 * device is a stage owned by this hook kind in the agent's namespace.
 */
static __always_inline void xt_trace_dev_skb(struct sk_buff *skb, struct net_device *dev, __u32 dir, __u8 hook)
{
	struct xt_where w = { .hook = hook };

	if (!xt_trace_in_scope(xt_config(), dev, &w))
		return;
	w.stage = xt_stage_of(w.netns, w.ifindex, dir, hook);
	if (!w.stage)
		return;
	if (w.stage == XT_STAGE_TAP_RX)
		xt_vhost_take_send(&w);
	xt_trace_skb_at(skb, &w);
}

/*
 * An fentry and a kprobe program on one kernel function (xt_fentry_<fn>, xt_kprobe_<fn>), both
 * calling handler(arguments..., hook): the agent attaches the first that loads (fentry where the
 * kernel has trampolines, a kprobe where it refuses them). The handler reads through probe reads,
 * which both kinds allow. XT_TRACED2 passes the function's first two arguments, XT_TRACED4 four.
 */
#define XT_TRACED2(fn, handler, t1, a1, t2, a2)                                  \
	SEC("fentry/" #fn)                                                         \
	int BPF_PROG(xt_fentry_##fn, t1 a1, t2 a2)                                 \
	{                                                                          \
		handler(a1, a2, XT_HOOK_FENTRY);                                   \
		return 0;                                                          \
	}                                                                          \
	SEC("kprobe/" #fn)                                                         \
	int BPF_KPROBE(xt_kprobe_##fn, t1 a1, t2 a2)                               \
	{                                                                          \
		handler(a1, a2, XT_HOOK_KPROBE);                                   \
		return 0;                                                          \
	}

#define XT_TRACED4(fn, handler, t1, a1, t2, a2, t3, a3, t4, a4)                  \
	SEC("fentry/" #fn)                                                         \
	int BPF_PROG(xt_fentry_##fn, t1 a1, t2 a2, t3 a3, t4 a4)                   \
	{                                                                          \
		handler(a1, a2, a3, a4, XT_HOOK_FENTRY);                           \
		return 0;                                                          \
	}                                                                          \
	SEC("kprobe/" #fn)                                                         \
	int BPF_KPROBE(xt_kprobe_##fn, t1 a1, t2 a2, t3 a3, t4 a4)                 \
	{                                                                          \
		handler(a1, a2, a3, a4, XT_HOOK_KPROBE);                           \
		return 0;                                                          \
	}

/*
 * The same for BTF-typed programs (tp_btf, fentry), whose skb and device are trusted kernel
 * pointers: their fields are plain loads, not a bpf_probe_read_kernel call each. That matters
 * most for the packets rejected early: a device tracepoint runs for every packet of every
 * namespace on the host, and most are not the agent's.
 */
/* Whether `net` is the agent's namespace (the scope of tracing programs); fills w's netns. */
static __always_inline bool xt_btf_in_scope(const struct xt_config *cfg, struct net *net, struct xt_where *w)
{
	if (!net)
		return false;
	w->netns = net->ns.inum;
	if (w->netns != cfg->netns)
		return false;
	xt_where_config(w, cfg);
	return true;
}

/* Parses a BTF-typed skb from its network header and records it at `w`. */
static __always_inline void xt_btf_observe(struct sk_buff *skb, struct xt_where *w)
{
	struct xt_reader r;

	if (xt_reader_at(&r, skb->head, skb->network_header, skb->tail)) {
		xt_count(XT_C_PARSE_FAIL);
		return;
	}
	w->len = skb->len;
	xt_observe(&r, 0, bpf_ntohs(skb->protocol), w);
}

static __always_inline void xt_btf_dev_skb(struct sk_buff *skb, struct net_device *dev, __u32 dir, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct xt_where w = { .hook = hook };

	if (!cfg || !cfg->active_probes || !dev)
		return;
	if (!xt_btf_in_scope(cfg, dev->nd_net.net, &w))
		return;
	w.ifindex = dev->ifindex;
	w.stage = xt_stage_of(w.netns, w.ifindex, dir, hook);
	if (!w.stage)
		return;
	if (w.stage == XT_STAGE_TAP_RX)
		xt_vhost_take_send(&w);
	xt_btf_observe(skb, &w);
}

#endif
