/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Open vSwitch kernel datapath: a packet entering it from a port (ovs_in), its upcall to
 * ovs-vswitchd when the flow cache misses (ovs_upcall), and its leaving through a port
 * (ovs_out). Each program's stage is fixed: a tap that is an OVS port is also the tap_rx/tap_tx
 * device, so the stage cannot come from the per-device map. The device recorded is the port's.
 */

/* ovs_vport_receive(vport, skb, tun_info): a packet enters the datapath from vport (ovs_in). */
static __always_inline void xt_ovs_in(struct vport___xt *vport, struct sk_buff *skb, __u8 hook)
{
	xt_trace_stage_skb(skb, BPF_CORE_READ(vport, dev), XT_STAGE_OVS_IN, hook);
}

XT_TRACED2(ovs_vport_receive, xt_ovs_in, struct vport___xt *, vport, struct sk_buff *, skb)

/*
 * ovs_vport_send(vport, skb, mac_proto): a packet leaves through vport (ovs_out). skb->dev is
 * still the input port here (ovs_vport_send sets it just before the port's send): the output
 * port is vport->dev.
 */
static __always_inline void xt_ovs_out(struct vport___xt *vport, struct sk_buff *skb, __u8 hook)
{
	xt_trace_stage_skb(skb, BPF_CORE_READ(vport, dev), XT_STAGE_OVS_OUT, hook);
}

XT_TRACED2(ovs_vport_send, xt_ovs_out, struct vport___xt *, vport, struct sk_buff *, skb)

/*
 * The fallback for ovs_out: the datapath executes an output action. The tracepoint does not
 * name the output port, so the record carries the input port's device.
 */
SEC("tracepoint/openvswitch/ovs_do_execute_action")
int xt_tp_ovs_do_execute_action(struct trace_event_raw_ovs_do_execute_action___xt *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);

	if (BPF_CORE_READ(ctx, action_type) != XT_OVS_ACTION_ATTR_OUTPUT)
		return 0;
	xt_trace_stage_skb(skb, BPF_CORE_READ(skb, dev), XT_STAGE_OVS_OUT, XT_HOOK_TRACEPOINT);
	return 0;
}

/*
 * ovs_dp_upcall(dp, skb, key, upcall_info, cutlen): the flow cache missed and the packet goes to
 * ovs-vswitchd (ovs_upcall). ovs-vswitchd re-injects it as a new skb (OVS_PACKET_CMD_EXECUTE),
 * whose ovs_out the same identity finds. Userspace actions (sFlow, controller) also upcall: only
 * misses are the packet's path.
 */
static __always_inline void xt_ovs_upcall(void *dp, struct sk_buff *skb, void *key, struct dp_upcall_info___xt *info, __u8 hook)
{
	if (BPF_CORE_READ(info, cmd) == XT_OVS_PACKET_CMD_MISS)
		xt_trace_stage_skb(skb, BPF_CORE_READ(skb, dev), XT_STAGE_OVS_UPCALL, hook);
}

XT_TRACED4(ovs_dp_upcall, xt_ovs_upcall, void *, dp, struct sk_buff *, skb, void *, key, struct dp_upcall_info___xt *, info)

SEC("tracepoint/openvswitch/ovs_dp_upcall")
int xt_tp_ovs_dp_upcall(struct trace_event_raw_ovs_dp_upcall___xt *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);

	if (BPF_CORE_READ(ctx, upcall_cmd) == XT_OVS_PACKET_CMD_MISS)
		xt_trace_stage_skb(skb, BPF_CORE_READ(skb, dev), XT_STAGE_OVS_UPCALL, XT_HOOK_TRACEPOINT);
	return 0;
}
