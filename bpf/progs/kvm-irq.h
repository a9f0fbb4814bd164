/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvm_irq: the interrupt a vhost worker requests for the frames it just copied to the guest.
 * vhost signals the virtqueue's call eventfd, which KVM registered as an irqfd: irqfd_wakeup
 * runs in the worker and injects the MSI at once (kvm_arch_set_irq_inatomic, which fires
 * kvm:kvm_msi_set_irq) or defers it to a work queue. The frames waiting in the worker's state
 * (progs/vhost-net.h) get this time. An injection deferred to the work queue runs outside the
 * worker: the tracepoint form does not see it, the irqfd_wakeup forms record the request.
 */

static __always_inline void xt_kvm_irq(void *key, __u8 hook)
{
	struct xt_config *cfg = xt_config();
	struct xt_vhost_task *st;

	if (!cfg || !((__u32)(unsigned long)key & XT_EPOLLIN))
		return; /* EPOLLHUP: the irqfd is shutting down */
	st = xt_vhost_task(false);
	if (!st || !st->irq_armed)
		return;
	xt_vhost_irq_flush(st, bpf_ktime_get_ns(), hook, (cfg->flags & XT_CFG_BATCH) != 0);
}

/* irqfd_wakeup(wait, mode, sync, key): KVM's irqfd was signalled */
static __always_inline void xt_irqfd_wakeup(wait_queue_entry_t *wait, unsigned mode, int sync, void *key, __u8 hook)
{
	xt_kvm_irq(key, hook);
}

XT_TRACED4(irqfd_wakeup, xt_irqfd_wakeup, wait_queue_entry_t *, wait, unsigned, mode, int, sync, void *, key)

SEC("tracepoint/kvm/kvm_msi_set_irq")
int xt_tp_kvm_msi_set_irq(void *ctx)
{
	xt_kvm_irq((void *)XT_EPOLLIN, XT_HOOK_TRACEPOINT);
	return 0;
}
