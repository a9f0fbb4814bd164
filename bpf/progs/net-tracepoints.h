/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Device receive/transmit tracepoints: the fallback where tc cannot attach. */

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(xt_btf_netif_receive_skb, struct sk_buff *skb)
{
	xt_btf_dev_skb(skb, skb->dev, XT_DIR_INGRESS, XT_HOOK_TP_BTF);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(xt_btf_net_dev_start_xmit, struct sk_buff *skb, struct net_device *dev)
{
	xt_btf_dev_skb(skb, dev, XT_DIR_EGRESS, XT_HOOK_TP_BTF);
	return 0;
}

SEC("tracepoint/net/netif_receive_skb")
int xt_tp_netif_receive_skb(struct trace_event_raw_net_dev_template *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->skbaddr;

	xt_trace_dev_skb(skb, BPF_CORE_READ(skb, dev), XT_DIR_INGRESS, XT_HOOK_TRACEPOINT);
	return 0;
}

SEC("tracepoint/net/net_dev_start_xmit")
int xt_tp_net_dev_start_xmit(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx->skbaddr;

	xt_trace_dev_skb(skb, BPF_CORE_READ(skb, dev), XT_DIR_EGRESS, XT_HOOK_TRACEPOINT);
	return 0;
}
