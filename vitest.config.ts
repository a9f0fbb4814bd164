import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/src/**/*.test.ts', 'test/**/*.test.ts', 'bpf/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'build/**', '.build/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // BPF and namespace tests share the kernel; keep files in separate processes, two at a time.
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
  },
});
