/**
 * Log-linear histogram of non-negative values (nanoseconds), HDR-like: values below 128 are
 * exact (one bucket each); above, every power of two is split into 128 equal buckets, so a
 * bucket is at most 1/128 of its lower bound wide and the bucket midpoint is within 0.4%
 * of any value in it. Exact count, sum, min and max are kept beside the buckets.
 * Histograms merge by adding counts, so interval histograms roll up into the run's.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const TWO32 = 4294967296;

export function bucketIndex(value: number): number {
  const v = value < 0 ? 0 : Math.floor(value);
  if (v < SUB) return v;
  let e: number;
  if (v < TWO32) {
    // integer ops only (latencies below 4.29 s): this runs for every segment of every packet
    e = 31 - Math.clz32(v);
    return SUB + (e - SUB_BITS) * SUB + ((v >>> (e - SUB_BITS)) - SUB);
  } else {
    e = Math.floor(Math.log2(v));
    // guard Math.log2 rounding at exact powers of two
    if (2 ** e > v) e--;
    else if (2 ** (e + 1) <= v) e++;
  }
  const sub = Math.floor(v / 2 ** (e - SUB_BITS)); // 128..255
  return SUB + (e - SUB_BITS) * SUB + (sub - SUB);
}

/** Lower bound and width of a bucket. */
export function bucketRange(index: number): { lower: number; width: number } {
  if (index < SUB) return { lower: index, width: 1 };
  const e = SUB_BITS + Math.floor((index - SUB) / SUB);
  const sub = SUB + ((index - SUB) % SUB);
  const width = 2 ** (e - SUB_BITS);
  return { lower: sub * width, width };
}

export class LogHistogram {
  private counts: Float64Array = new Float64Array(1024);
  private maxIndex = -1;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(value: number): void {
    const i = bucketIndex(value);
    if (i >= this.counts.length) {
      let n = this.counts.length * 2;
      while (n <= i) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[i]! += 1;
    if (i > this.maxIndex) this.maxIndex = i;
    this.count++;
    const v = value < 0 ? 0 : value;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: LogHistogram): void {
    if (other.count === 0) return;
    if (other.maxIndex >= this.counts.length) {
      const grown = new Float64Array(other.counts.length);
      grown.set(this.counts);
      this.counts = grown;
    }
    for (let i = 0; i <= other.maxIndex; i++) this.counts[i]! += other.counts[i]!;
    if (other.maxIndex > this.maxIndex) this.maxIndex = other.maxIndex;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  clone(): LogHistogram {
    const h = new LogHistogram();
    h.merge(this);
    return h;
  }

  /**
   * Value at quantile q (0..1): the midpoint of the bucket holding the ceil(q*count)-th
   * smallest value, clamped to [min, max]. NaN when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i <= this.maxIndex; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const { lower, width } = bucketRange(i);
        const mid = width === 1 ? lower : lower + width / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /**
   * Counts over coarser buckets given by ascending upper `bounds` (the values' unit):
   * out[i] counts values in (bounds[i-1], bounds[i]], out[bounds.length] those above the last.
   * A bucket of this histogram counts where its midpoint falls, so only a value within one
   * bucket (< 0.8 %) of a bound may land on the other side; bounds on bucket edges (below
   * 128, or a multiple of the bucket width there) split exactly.
   */
  countsAtBounds(bounds: readonly number[]): number[] {
    const out = new Array<number>(bounds.length + 1).fill(0);
    let b = 0;
    for (let i = 0; i <= this.maxIndex; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      const { lower, width } = bucketRange(i);
      const mid = width === 1 ? lower : lower + width / 2;
      while (b < bounds.length && mid > bounds[b]!) b++;
      out[b]! += c;
    }
    return out;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}
