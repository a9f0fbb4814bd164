#!/usr/bin/env node
// Entry point: runs the compiled CLI (cli/dist, made by `npm run build`, which is `tsc -b`;
// setup.sh and the test and bench scripts run it, and it only recompiles what changed).
// XTRACE_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (development).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (process.env.XTRACE_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write("xtrace: the compiled CLI (cli/dist) is missing: run 'npm run build' (tsc -b) in the checkout, or set XTRACE_FROM_SOURCE=1\n");
  process.exit(2);
}
