/**
 * The OCI image (issue 19): `npm run release -- --image` builds deploy/Containerfile with podman
 * FROM a Debian root made from Debian's packages (deploy/debian-rootfs.sh, imported once, no
 * registry image), and the image runs as the privileged agent container: `agent --help`, and
 * `trace` inside a network namespace this test makes, seeing a ping on its veth NIC.
 * The image gets a tag of this run's own, removed afterwards; the base stays cached.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { TraceProcess } from '../support/trace-process.js';
import { expectPingAtNic } from '../support/ping-at-nic.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');

function skipReason(): string | undefined {
  const bpf = bpfUnavailableReason();
  if (bpf) return bpf;
  const missing = ['podman', 'mmdebstrap'].filter((c) => !existsSync(join('/usr/bin', c)));
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(', ')} not installed (./setup.sh installs them)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}: CI must run the image test`);
  return reason;
}
const skip = skipReason();

describe.skipIf(skip !== undefined)(`release OCI image${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'xtrace-image-'));
  const tag = `xrimg${process.pid % 100000}`;
  const image = `localhost/xtrace-test:${tag}`;
  const container = `${tag}-trace`;
  const nsA = `${tag}-a`;
  const nsB = `${tag}-b`;
  const [ipA, ipB] = ['10.231.78.1', '10.231.78.2'];
  let trace: TraceProcess | undefined;
  let built = '';

  beforeAll(async () => {
    const t0 = performance.now();
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/release/build-release.ts'), '--out', work, '--image'], {
      cwd: REPO,
      env: { ...process.env, XTRACE_IMAGE: image },
      maxBuffer: 16 << 20,
    });
    process.stderr.write(`release image test: npm run release -- --image took ${Math.round(performance.now() - t0)} ms\n`);
    built = out.stderr;
    await run('ip', ['netns', 'add', nsA]);
    await run('ip', ['netns', 'add', nsB]);
    await run('ip', ['-n', nsA, 'link', 'add', 'xiA', 'type', 'veth', 'peer', 'name', 'xiB', 'netns', nsB]);
    for (const [ns, dev, ip] of [[nsA, 'xiA', ipA], [nsB, 'xiB', ipB]] as const) {
      await run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
      await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  }, 15 * 60_000);

  afterAll(async () => {
    await trace?.kill();
    await run('podman', ['rm', '-f', '--ignore', container]).catch(() => undefined);
    await run('podman', ['rmi', '-f', image]).catch(() => undefined);
    for (const ns of [nsA, nsB]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('is built FROM the imported Debian base, with Node >= 20 and no compiler', async () => {
    const base = /FROM (localhost\/xtrace-base:\S+)/.exec(built)?.[1];
    expect(base, built).toBeDefined();
    // the image's first layer is the imported Debian root
    const firstLayer = async (name: string) => (await run('podman', ['image', 'inspect', '--format', '{{index .RootFS.Layers 0}}', name])).stdout.trim();
    expect(await firstLayer(image)).toBe(await firstLayer(base!));
    const { stdout } = await run('podman', ['run', '--rm', '--entrypoint', 'sh', image, '-c', 'node -p process.versions.node; for t in cc gcc clang make; do command -v $t || true; done']);
    const [node, ...tools] = stdout.trim().split('\n');
    expect(Number(node!.split('.')[0])).toBeGreaterThanOrEqual(20);
    expect(tools).toEqual([]);
  });

  it('agent --help', async () => {
    const { stdout } = await run('podman', ['run', '--rm', image, 'agent', '--help']);
    expect(stdout).toMatch(/^Usage: xtrace agent/m);
  });

  it('trace in the privileged container sees a ping on a veth NIC', async () => {
    const child = spawn(
      'podman',
      ['run', '--rm', '--name', container, '--privileged', '--network', `ns:/run/netns/${nsA}`,
        '-v', '/sys/kernel/tracing:/sys/kernel/tracing', '-v', '/sys/fs/bpf:/sys/fs/bpf',
        image, 'trace', '--src', ipA, '--dst', ipB, '--proto', 'icmp', '--nic', 'xiA'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    trace = new TraceProcess(child);
    const inventory = await trace.ready(120_000);
    expect(inventory.stages.filter((s) => s.stage === 'nic_tx' || s.stage === 'nic_rx').map((s) => [s.stage, s.attached])).toEqual([
      ['nic_tx', true],
      ['nic_rx', true],
    ]);
    await expectPingAtNic(trace, nsA, ipB);
    trace = undefined;
  }, 180_000);
});
