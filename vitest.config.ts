import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `xtrace-source` condition and
// their compiled dist/ by default: tests run the sources, production processes the build.
const SOURCE_CONDITIONS = ['xtrace-source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS, externalConditions: ['xtrace-source'] } },
  test: {
    include: ['**/src/**/*.test.ts', 'test/**/*.test.ts', 'bpf/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // BPF and namespace tests share the kernel; keep files in separate processes, two at a time.
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
  },
});
