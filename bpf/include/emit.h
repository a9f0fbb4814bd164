/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How a finished record reaches the ring buffer: through the CPU's batch (XT_CFG_BATCH), or on
 * its own. A batch leaves as one ring entry when it is full, or when user space runs
 * xt_flush_batch on its CPU (progs/batch-flush.h). A program that finds the batch busy, because
 * it interrupted another program of this CPU inside it (a softirq's tc program over a process
 * context tracepoint, or the flush), emits on its own: every path stays lock-free and per CPU.
 */
#ifndef XTRACE_EMIT_H
#define XTRACE_EMIT_H

/*
 * How to submit n records. The reader is woken once a batch's worth of records waits, never
 * per record: a wake-up per record costs more CPU than the tracing. The fill level is looked
 * at whenever this CPU's count of written records is about to pass a multiple of 64 (the
 * query is a helper call): a stalled reader, which leaves the ring above the mark, then costs
 * one wake-up per 64 records, not per record. The reader also drains on a timer, so records
 * never wait for a wake-up longer than its flush interval.
 */
static __always_inline __u64 xt_wakeup_flags(__u32 n)
{
	__u32 zero = 0;
	struct xt_counter_set *cs = bpf_map_lookup_elem(&xt_counters, &zero);
	__u64 before;

	if (!cs)
		return BPF_RB_NO_WAKEUP;
	before = cs->c[XT_C_EMITTED];
	if (((before + n) >> 6) != (before >> 6) && bpf_ringbuf_query(&xt_events, BPF_RB_AVAIL_DATA) >= XT_WAKEUP_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void xt_emit_one(const struct xt_record *rec)
{
	struct xt_record *out = bpf_ringbuf_reserve(&xt_events, sizeof(*out), 0);

	if (!out) {
		xt_count(XT_C_RINGBUF_FULL);
		return;
	}
	__builtin_memcpy(out, rec, sizeof(*out));
	bpf_ringbuf_submit(out, xt_wakeup_flags(1));
	xt_count(XT_C_EMITTED);
}

/* The batch's records as one ring entry; the batch is empty afterwards. Call with b->busy set. */
static __always_inline void xt_batch_output(struct xt_batch *b)
{
	__u32 n = b->n;

	if (n == 0)
		return;
	if (n > XT_BATCH_RECORDS)
		n = XT_BATCH_RECORDS; /* cannot happen; the bound is for the verifier */
	if (bpf_ringbuf_output(&xt_events, b->r, n * sizeof(struct xt_record), xt_wakeup_flags(n)) == 0)
		xt_count_n(XT_C_EMITTED, n);
	else
		xt_count_n(XT_C_RINGBUF_FULL, n);
	b->n = 0;
}

/* `busy` is this CPU's own flag: a compiler barrier orders it, as only this CPU's programs read it. */
#define xt_barrier() asm volatile("" ::: "memory")

/* Takes the CPU's batch for this program; false when another program of this CPU is inside it. */
static __always_inline bool xt_batch_enter(struct xt_batch *b)
{
	if (b->busy)
		return false;
	b->busy = 1;
	xt_barrier();
	return true;
}

static __always_inline void xt_batch_leave(struct xt_batch *b)
{
	xt_barrier();
	b->busy = 0;
}

static __always_inline void xt_emit(const struct xt_record *rec, int batched)
{
	struct xt_batch *b;
	__u32 zero = 0;

	if (!batched) {
		xt_emit_one(rec);
		return;
	}
	b = bpf_map_lookup_elem(&xt_batch, &zero);
	if (!b || !xt_batch_enter(b)) {
		xt_emit_one(rec);
		return;
	}
	__builtin_memcpy(&b->r[b->n & (XT_BATCH_RECORDS - 1)], rec, sizeof(*rec));
	b->n = (b->n & (XT_BATCH_RECORDS - 1)) + 1;
	if (b->n == XT_BATCH_RECORDS)
		xt_batch_output(b);
	xt_batch_leave(b);
}

#endif
