/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sends this CPU's waiting records (XT_CFG_BATCH) to the ring. User space runs it with
 * BPF_PROG_TEST_RUN and BPF_F_TEST_RUN_ON_CPU on every CPU whose xt_batch holds records, on its
 * drain timer and before its last drain; it is never attached. On another CPU it runs in the
 * IPI's interrupt context, so it may have interrupted a program of that CPU inside the batch:
 * then it leaves the batch alone and returns 1 (flush again later); else 0.
 */
SEC("raw_tp")
int xt_flush_batch(void *ctx)
{
	struct xt_batch *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&xt_batch, &zero);
	if (!b)
		return 0;
	if (!xt_batch_enter(b))
		return 1;
	xt_batch_output(b);
	xt_batch_leave(b);
	return 0;
}
