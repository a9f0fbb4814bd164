/**
 * The order of conditions in each round of the lab throughput benchmarks: a Williams design
 * (a balanced Latin square). Over n rounds (2n when n is odd) every condition runs once in
 * every position and directly after every other condition equally often.
 *
 * A plain rotation gives every condition the same predecessor in every round, so whatever one
 * condition leaves behind (a tracer's exit, the kernel freeing its programs and ring, caches
 * it emptied) always lands on the same next condition and biases its figure the same way.
 */
export function balancedOrder(n: number, round: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`balancedOrder: n must be a positive integer, got ${n}`);
  // first row 0, 1, n-1, 2, n-2, ...; row r adds r (mod n)
  const first = Array.from({ length: n }, (_, j) => (j === 0 ? 0 : j % 2 === 1 ? (j + 1) / 2 : n - j / 2));
  const r = round % balancedBlock(n);
  const row = first.map((c) => (c + r) % n);
  // odd n: the second n rounds run the first n reversed, which balances the successors
  return r >= n ? row.reverse() : row;
}

/** How many rounds make whole balanced blocks of n conditions. */
export function balancedBlock(n: number): number {
  return n % 2 === 0 ? n : 2 * n;
}
