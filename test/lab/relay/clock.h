// Clocks of the lab's C tools: CLOCK_MONOTONIC is the clock of BPF (bpf_ktime_get_ns) and of
// every truth the lab reports; kernel socket stamps come in CLOCK_REALTIME and are converted.
#ifndef XTRACE_LAB_CLOCK_H
#define XTRACE_LAB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

// A CLOCK_REALTIME instant (ns) as CLOCK_MONOTONIC. Both clocks run from one timekeeper and
// their difference moves only when the wall clock is stepped, so sampling it now (around one
// monotonic read, error well under a µs) converts a recent stamp exactly enough.
static inline int64_t realtime_to_mono(uint64_t real_ns) {
  uint64_t r1 = clock_ns(CLOCK_REALTIME);
  uint64_t m = clock_ns(CLOCK_MONOTONIC);
  uint64_t r2 = clock_ns(CLOCK_REALTIME);
  int64_t real_minus_mono = (int64_t)(r1 / 2 + r2 / 2) - (int64_t)m;
  return (int64_t)real_ns - real_minus_mono;
}

#endif
