#!/usr/bin/env node
// Entry point. Runs the compiled build (build/cli/src/main.js, made by `npm run build`, which
// setup.sh and the test scripts run) when it matches the sources byte for byte; otherwise it
// runs the TypeScript sources through tsx and says why on stderr, so old code never runs
// silently. `lab` and `demo` always run the sources: they drive the lab (@xtrace/lab, test/lab),
// which is not compiled and runs through tsx. XTRACE_FROM_SOURCE=1 forces the sources quietly.
import { compiledUrl } from '../../tools/build-state.mjs';

const command = process.argv[2];
let entry;
if (process.env.XTRACE_FROM_SOURCE !== '1' && command !== 'lab' && command !== 'demo') {
  const c = compiledUrl('cli/src/main.ts');
  if (c.url !== undefined) entry = c.url;
  else process.stderr.write(`xtrace: ${c.reason}; running the TypeScript sources through tsx (more memory, slower start): run 'npm run build'\n`);
}
if (entry !== undefined) {
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
