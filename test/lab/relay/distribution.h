// Latency distributions of the lab's C tools, printed as JSON objects
// {"count","min","p50","p90","p99","max","mean"} (ns, nearest-rank percentiles).
#ifndef XTRACE_LAB_DISTRIBUTION_H
#define XTRACE_LAB_DISTRIBUTION_H

#include <stdint.h>
#include <stdio.h>

// Writes "key":{...} for n samples (the samples are not modified).
void dist_json(FILE *f, const char *key, const uint64_t *samples, uint32_t n);

#endif
