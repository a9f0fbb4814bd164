/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vhost-net's side of a VM's frames (bpf/include/vhost.h tells the whole story): the guest's
 * kick (guest_kick), the worker taking a frame from the guest (vhost_tx, recorded by the tap's
 * tap_rx once the frame is an skb), the worker taking a frame for the guest (vhost_rx), and the
 * worker asking to signal the guest, whose interrupt gives the batch its kvm_irq (kvm-irq.h).
 * Each has an fentry and a kprobe form; the agent attaches the first that loads.
 */

/*
 * vhost_poll_wakeup(wait, mode, sync, key): an eventfd or socket a vhost worker polls was
 * signalled, in the signaller's context. For a vhost_net TX virtqueue's kick (the guest's
 * notification, through KVM's ioeventfd, in the vCPU's thread) the time is kept per tap socket
 * until the worker takes a frame from that socket. The latest kick wins: the worker takes the
 * frame after the last notification it woke for.
 */
static __always_inline void xt_vhost_kick(wait_queue_entry_t *wait, unsigned mode, int sync, void *key, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct vhost_poll___xt *poll;
	char *net, *tx_poll;
	__u64 sock = 0, now;
	void *dev;

	if (!cfg || !cfg->active_probes)
		return;
	poll = (void *)((char *)wait - bpf_core_field_offset(struct vhost_poll___xt, wait));
	if (!((__u32)(unsigned long)key & BPF_CORE_READ(poll, mask)))
		return; /* vhost_poll_wakeup ignores it too */
	dev = BPF_CORE_READ(poll, dev);
	if (!dev)
		return;
	net = xt_vhost_net_of(dev);
	tx_poll = net + bpf_core_field_offset(struct vhost_net___xt, vqs[1].vq.poll);
	if ((char *)poll != tx_poll)
		return; /* another virtqueue's or device's wake-up, or vhost-net's socket polls */
	bpf_probe_read_kernel(&sock, sizeof(sock), net + bpf_core_field_offset(struct vhost_net___xt, vqs[1].vq.private_data));
	if (!sock)
		return;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&xt_vhost_kicks, &sock, &now, BPF_ANY);
}

XT_TRACED4(vhost_poll_wakeup, xt_vhost_kick, wait_queue_entry_t *, wait, unsigned, mode, int, sync, void *, key)

/*
 * tun_sendmsg(sock, m, total_len): a vhost worker hands the tap a frame it took from the guest
 * (vhost_tx), or a batch of XDP buffers (tun_msg_ctl). The frame becomes an skb and reaches
 * tap_rx inside this call; until then the worker's state holds the time and the kick.
 */
static __always_inline void xt_vhost_send(void *sock, struct msghdr *m, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct tun_msg_ctl___xt *ctl;
	struct xt_vhost_task *st;
	struct net_device *dev;
	__u64 key = (__u64)sock, *kick;
	__u32 netns, ifindex;
	__u16 frames = 1;

	if (!cfg || !cfg->active_probes)
		return;
	dev = xt_tun_socket_dev(sock);
	if (!dev)
		return;
	netns = xt_dev_netns(dev);
	ifindex = BPF_CORE_READ(dev, ifindex);
	if (netns != cfg->netns || !xt_is_vm_tap(netns, ifindex))
		return;
	st = xt_vhost_task(true);
	if (!st)
		return;
	if (BPF_CORE_READ(m, msg_controllen) == sizeof(struct tun_msg_ctl___xt)) {
		ctl = BPF_CORE_READ(m, msg_control);
		if (ctl && BPF_CORE_READ(ctl, type) == XT_TUN_MSG_PTR)
			frames = BPF_CORE_READ(ctl, num);
	}
	kick = bpf_map_lookup_elem(&xt_vhost_kicks, &key);
	st->kick_ts = kick ? *kick : 0;
	if (kick)
		bpf_map_delete_elem(&xt_vhost_kicks, &key);
	st->send_ts = bpf_ktime_get_ns();
	st->send_ifindex = ifindex;
	st->send_left = frames;
	st->send_hook = hook;
}

XT_TRACED2(tun_sendmsg, xt_vhost_send, struct socket *, sock, struct msghdr *, m)

/*
 * tun_recvmsg(sock, m, total_len, flags): the vhost worker takes the next frame the tap queued
 * for the guest (vhost_rx). vhost-net passes the tap ring's entry in msg_control: an skb, or an
 * XDP frame (tagged pointer) that has no skb to identify (counted). Plain reads have no control.
 * The frame's record then waits in the worker's state for the batch's interrupt.
 */
static __always_inline void xt_vhost_recv(void *sock, struct msghdr *m, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct xt_where w = { .hook = hook, .stage = XT_STAGE_VHOST_RX };
	struct xt_record rec = {};
	struct xt_vhost_task *st;
	struct net_device *dev;
	struct sk_buff *skb;
	struct xt_reader r;
	__u16 ethertype;
	void *ptr;

	if (!cfg || !cfg->active_probes)
		return;
	ptr = BPF_CORE_READ(m, msg_control);
	if (!ptr)
		return;
	dev = xt_tun_socket_dev(sock);
	if (!dev)
		return;
	w.netns = xt_dev_netns(dev);
	w.ifindex = BPF_CORE_READ(dev, ifindex);
	if (w.netns != cfg->netns || !xt_is_vm_tap(w.netns, w.ifindex))
		return;
	if ((unsigned long)ptr & XT_TUN_XDP_FLAG) {
		xt_count(XT_C_VHOST_XDP);
		return;
	}
	xt_where_config(&w, cfg);
	skb = ptr;
	if (xt_skb_reader(skb, &r, &ethertype)) {
		xt_count(XT_C_PARSE_FAIL);
		return;
	}
	w.len = BPF_CORE_READ(skb, len);
	if (!xt_keep(&r, 0, ethertype, &w, &rec, NULL))
		return;
	xt_emit(&rec, w.batch);
	st = xt_vhost_task(true);
	if (!st)
		return;
	if (st->irq_armed)
		xt_vhost_irq_forget(st); /* the last batch's signal raised no interrupt */
	if (st->irq_n >= XT_IRQ_BATCH) {
		xt_count(XT_C_IRQ_OVERFLOW);
		return;
	}
	__builtin_memcpy(&st->irq[st->irq_n & (XT_IRQ_BATCH - 1)], &rec, sizeof(rec));
	st->irq_n++;
}

XT_TRACED2(tun_recvmsg, xt_vhost_recv, struct socket *, sock, struct msghdr *, m)

/*
 * vhost_add_used_and_signal_n(dev, vq, heads, count): the worker returns buffers to the guest
 * and signals it if the guest wants an interrupt. For the RX virtqueue the frames waiting in the
 * worker's state are now this signal's: the interrupt that follows in this call (irqfd_wakeup)
 * is theirs. A signal that found the list still armed follows one that raised no interrupt.
 */
static __always_inline void xt_vhost_signal(void *dev, void *vq, __u8 hook)
{
	struct xt_vhost_task *st = xt_vhost_task(false);
	char *rx_vq;

	if (!st)
		return;
	if (st->irq_armed)
		xt_vhost_irq_forget(st);
	rx_vq = xt_vhost_net_of(dev) + bpf_core_field_offset(struct vhost_net___xt, vqs[0].vq);
	if (st->irq_n && (char *)vq == rx_vq)
		st->irq_armed = 1;
}

XT_TRACED2(vhost_add_used_and_signal_n, xt_vhost_signal, void *, dev, void *, vq)
