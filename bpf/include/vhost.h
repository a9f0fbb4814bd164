/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vhost-net workers: the state that ties a worker's steps together (struct xt_vhost_task), and
 * how to find a VM's tap from the socket vhost-net drives.
 *
 * A frame leaving a guest: the guest kicks its TX virtqueue (vhost_poll_wakeup in the vCPU's
 * thread: the kick is remembered per tap socket), the worker wakes and calls tun_sendmsg for the
 * frame (remembered per worker: vhost_tx, plus the kick it takes), and tun_get_user builds the
 * skb and runs the tap's receive path inline, in the worker (tun_rx_batched with the default
 * rx_batched = 0), where tap_rx finds both times in the worker's state and records them with the
 * frame's identity. A frame reaching a guest: tun_recvmsg hands the worker the skb the tap
 * queued (vhost_rx), the worker copies it and, after a batch, signals the guest
 * (vhost_add_used_and_signal_n -> eventfd -> irqfd_wakeup, all in the worker): the frames of the
 * batch wait in the worker's state for that interrupt (kvm_irq).
 */
#ifndef XTRACE_VHOST_H
#define XTRACE_VHOST_H

/* The calling task's vhost worker state; created when `create` and missing (counted when that fails). */
static __always_inline struct xt_vhost_task *xt_vhost_task(bool create)
{
	__u64 task = bpf_get_current_task();
	struct xt_vhost_task *st = bpf_map_lookup_elem(&xt_vhost_tasks, &task);
	struct xt_vhost_task *blank;
	__u32 zero = 0;

	if (st || !create)
		return st;
	blank = bpf_map_lookup_elem(&xt_vhost_blank, &zero);
	if (blank)
		bpf_map_update_elem(&xt_vhost_tasks, &task, blank, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&xt_vhost_tasks, &task);
	if (!st)
		xt_count(XT_C_VHOST_STATE);
	return st;
}

/* The tap behind a tun socket (vhost-net's backend), or NULL. */
static __always_inline struct net_device *xt_tun_socket_dev(void *sock)
{
	struct tun_file___xt *tfile = (void *)((char *)sock - bpf_core_field_offset(struct tun_file___xt, socket));
	struct tun_struct___xt *tun = BPF_CORE_READ(tfile, tun);

	return tun ? BPF_CORE_READ(tun, dev) : NULL;
}

/* The vhost_net a vhost_dev is embedded in (vhost-net's devices only: callers check). */
static __always_inline char *xt_vhost_net_of(void *vhost_dev)
{
	return (char *)vhost_dev - bpf_core_field_offset(struct vhost_net___xt, dev);
}

/* Whether ifindex is a VM's tap in the agent's scope: its ingress is the tap_rx stage, by any hook. */
static __always_inline bool xt_is_vm_tap(__u32 netns, __u32 ifindex)
{
	if (ifindex < XT_DEV_STAGE_SLOTS) {
		struct xt_dev_stage *d = bpf_map_lookup_elem(&xt_dev_stages, &ifindex);

		return d && d->stage[XT_DIR_INGRESS] == XT_STAGE_TAP_RX;
	}
	struct xt_stage_key key = { .netns = netns, .ifindex = ifindex, .dir = XT_DIR_INGRESS };
	struct xt_stage_value *v = bpf_map_lookup_elem(&xt_stages, &key);

	return v && v->stage == XT_STAGE_TAP_RX;
}

/*
 * tap_rx: when the frame is one a vhost worker is writing to this tap (the calling task's
 * current tun_sendmsg), `w` gets the frame's vhost_tx time and the kick that woke the worker.
 * Called for every frame of the tap (matched or not), so a call's frames are counted off in
 * order; a kick belongs to the call's first frame.
 */
static __always_inline void xt_vhost_take_send(struct xt_where *w)
{
	struct xt_vhost_task *st;

	if (!w->vhost)
		return;
	st = xt_vhost_task(false);
	if (!st || !st->send_left || st->send_ifindex != w->ifindex)
		return;
	st->send_left--;
	w->vhost_send_ts = st->send_ts;
	w->vhost_kick_ts = st->kick_ts;
	w->vhost_hook = st->send_hook;
	st->kick_ts = 0;
}

/*
 * The worker signals the guest for the frames in irq[]: they get their kvm_irq stage at `ts`,
 * and the list is empty again.
 */
static __always_inline void xt_vhost_irq_flush(struct xt_vhost_task *st, __u64 ts, __u8 hook, int batched)
{
	__u32 n = st->irq_n;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XT_IRQ_BATCH; i++) {
		if (i >= n)
			break;
		struct xt_record *rec = &st->irq[i];

		rec->ts_ns = ts;
		rec->stage = XT_STAGE_KVM_IRQ;
		rec->hook = hook;
		xt_emit(rec, batched);
	}
	st->irq_n = 0;
	st->irq_armed = 0;
}

/* The worker's frames waiting for an interrupt that never came (the guest polled): counted, dropped. */
static __always_inline void xt_vhost_irq_forget(struct xt_vhost_task *st)
{
	if (st->irq_n)
		xt_count_n(XT_C_IRQ_SUPPRESSED, st->irq_n);
	st->irq_n = 0;
	st->irq_armed = 0;
}

#endif
