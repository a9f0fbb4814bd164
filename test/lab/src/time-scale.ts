/**
 * Waits of tests that start real processes, scaled for slow machines: XTRACE_TEST_TIME_SCALE
 * (default 1) multiplies them. A nested hypervisor under QEMU TCG runs node and its tests ~10x
 * slower (test/e2e/nested/kernel-matrix.test.ts sets 10); a ceiling raised this way never slows a
 * passing test down. The lab's traffic helpers scale their waits for a result line with it
 * (traffic/script-runner.ts).
 */
export function scaledMs(ms: number): number {
  const scale = Number(process.env['XTRACE_TEST_TIME_SCALE'] ?? '1');
  return Number.isFinite(scale) && scale > 0 ? ms * scale : ms;
}
