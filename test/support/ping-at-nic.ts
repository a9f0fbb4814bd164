/**
 * The release tests' proof that a packaged `xtrace trace` records: `count` pings from `ns` to
 * `dst`, each request seen leaving at nic_tx and each reply coming back at nic_rx (one record per
 * packet), then the trace stops cleanly. Returns nothing; fails the test with what it saw.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { TraceProcess } from './trace-process.js';

const run = promisify(execFile);

export async function expectPingAtNic(trace: TraceProcess, ns: string, dst: string, count = 5): Promise<void> {
  const ping = await run('ip', ['netns', 'exec', ns, 'ping', '-c', String(count), '-i', '0.2', '-W', '2', dst]);
  expect(ping.stdout).toContain(`${count} received`);
  const at = (stage: string) => trace.records.filter((r) => r.stageName === stage && r.proto === 1);
  for (let i = 0; i < 200 && (at('nic_tx').length < count || at('nic_rx').length < count); i++) await new Promise((r) => setTimeout(r, 50));
  const code = await trace.stop();
  expect(code, trace.stderrText()).toBe(0);
  expect(new Set(at('nic_tx').map((r) => r.pktId)).size).toBe(count);
  expect(new Set(at('nic_rx').map((r) => r.pktId)).size).toBe(count);
}
