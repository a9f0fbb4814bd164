/**
 * `xtrace pair --pcap FILE` refuses a FILE it could not write before it starts anything: a usage
 * error (exit 2) naming --pcap, not an unreachable controller (exit 3: nothing listens at the
 * address given) and not a probe whose packets are lost at its end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xtrace-pcap-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pair = (pcap: string) => runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--controller', '127.0.0.1:1', '--pcap', pcap]);

describe('xtrace pair --pcap FILE', () => {
  it('refuses a file in a directory that does not exist, or a directory, as a usage error naming --pcap', async () => {
    for (const bad of [join(dir, 'missing', 'x.pcapng'), dir]) {
      const r = await pair(bad);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--pcap: /);
    }
  });

  it('a writable path gets past the check (to the controller, unreachable here: exit 3)', async () => {
    const r = await pair(join(dir, 'ok.pcapng'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toMatch(/--pcap/);
  });
});
