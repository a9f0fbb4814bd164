// Latency distributions as JSON (see distribution.h).
#include "distribution.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *sorted, uint32_t n, double p) {
  if (n == 0) return 0;
  double r = ceil(p * (double)n);
  uint32_t idx = r < 1 ? 0 : (uint32_t)r - 1;
  if (idx >= n) idx = n - 1;
  return sorted[idx];
}

void dist_json(FILE *f, const char *key, const uint64_t *samples, uint32_t n) {
  uint64_t *c = NULL;
  if (n > 0) {
    c = malloc((size_t)n * sizeof *c);
    if (!c) {
      fprintf(stderr, "out of memory sorting %" PRIu32 " samples of %s\n", n, key);
      abort();
    }
    memcpy(c, samples, (size_t)n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_u64);
  }
  long double sum = 0;
  for (uint32_t i = 0; i < n; i++) sum += c[i];
  fprintf(f,
          "\"%s\":{\"count\":%" PRIu32 ",\"min\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
          ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 ",\"mean\":%.0Lf}",
          key, n, n ? c[0] : 0, pct(c, n, 0.5), pct(c, n, 0.9), pct(c, n, 0.99), n ? c[n - 1] : 0,
          n ? sum / n : 0.0L);
  free(c);
}
