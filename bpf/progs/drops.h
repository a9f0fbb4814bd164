/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* skb:kfree_skb: a probe's packet freed as a drop, with the kernel's reason and location. */

static __always_inline void xt_drop(struct sk_buff *skb, void *location, __u32 reason, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct net_device *dev;
	struct xt_reader r;
	struct xt_where w = { .hook = hook, .stage = XT_STAGE_DROP };
	__u16 ethertype;

	if (!cfg || !cfg->active_probes)
		return;
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		w.netns = xt_dev_netns(dev);
		w.ifindex = BPF_CORE_READ(dev, ifindex);
	} else {
		struct sock *sk = BPF_CORE_READ(skb, sk);

		if (!sk) {
			xt_count(XT_C_DROP_NO_DEV);
			return;
		}
		w.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
		w.ifindex = BPF_CORE_READ(skb, skb_iif);
	}
	if (w.netns != cfg->netns)
		return;
	xt_where_config(&w, cfg);
	if (xt_skb_reader(skb, &r, &ethertype)) {
		xt_count(XT_C_PARSE_FAIL);
		return;
	}
	w.len = BPF_CORE_READ(skb, len);
	w.drop_reason = reason;
	w.drop_location = (__u64)location;
	xt_observe(&r, 0, ethertype, &w);
}

/* The same with plain loads for the BTF-typed skb of tp_btf (kfree_skb fires for every drop on the host). */
static __always_inline void xt_btf_drop(struct sk_buff *skb, void *location, __u32 reason)
{
	struct xt_config *cfg = xt_config();
	struct net_device *dev;
	struct xt_where w = { .hook = XT_HOOK_TP_BTF, .stage = XT_STAGE_DROP };
	struct net *net;

	if (!cfg || !cfg->active_probes)
		return;
	dev = skb->dev;
	if (dev) {
		net = dev->nd_net.net;
		w.ifindex = dev->ifindex;
	} else {
		struct sock *sk = skb->sk;

		if (!sk) {
			xt_count(XT_C_DROP_NO_DEV);
			return;
		}
		net = sk->__sk_common.skc_net.net;
		w.ifindex = skb->skb_iif;
	}
	if (!xt_btf_in_scope(cfg, net, &w))
		return;
	w.drop_reason = reason;
	w.drop_location = (__u64)location;
	xt_btf_observe(skb, &w);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(xt_btf_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	xt_btf_drop(skb, location, reason);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int xt_tp_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	__u32 reason = 0;

	if (bpf_core_field_exists(ctx->reason))
		reason = BPF_CORE_READ(ctx, reason);
	xt_drop((struct sk_buff *)ctx->skbaddr, ctx->location, reason, XT_HOOK_TRACEPOINT);
	return 0;
}
