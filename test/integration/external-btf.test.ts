/**
 * Kernels without /sys/kernel/btf/vmlinux (issue 19): `--btf FILE` loads the BPF object with the
 * kernel's BTF from a file. Given this kernel's own BTF as a copy, `xtrace trace` attaches and
 * records a real ping on a veth pair, and says which BTF it used; a missing file is a usage error
 * naming the flag and the file; a truncated copy fails in libbpf's BTF parsing, which proves the
 * file is what libbpf reads.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { runCli } from '../support/cli.js';
import { TraceProcess } from '../support/trace-process.js';
import { createVethLab, type VethLab } from '../../native/src/testing/netns-lab.js';

const skip = bpfUnavailableReason();

describe.skipIf(skip !== undefined)(`--btf FILE (xtrace trace, xtrace agent)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let pair: VethLab;
  let dir: string;
  let btfCopy: string;
  const running: TraceProcess[] = [];

  const trace = (args: string[], env?: NodeJS.ProcessEnv): TraceProcess => {
    const t = TraceProcess.start(
      (argv) => spawn('ip', ['netns', 'exec', pair.nsA, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
      ['--src', pair.addrA, '--dst', pair.addrB, '--proto', 'icmp', '--nic', pair.ifA, ...args],
    );
    running.push(t);
    return t;
  };

  beforeAll(async () => {
    pair = createVethLab();
    dir = mkdtempSync(join(tmpdir(), 'xtrace-btf-'));
    btfCopy = join(dir, 'vmlinux.btf');
    copyFileSync('/sys/kernel/btf/vmlinux', btfCopy);
  });

  afterAll(async () => {
    await Promise.all(running.map((t) => t.kill()));
    pair?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads with the running kernel's BTF given as a file, reports it, and records a ping at nic_tx and nic_rx", async () => {
    const t = trace(['--btf', btfCopy]);
    const inv = await t.ready();
    expect(inv.btf).toEqual({ from: 'file', path: btfCopy });
    const attached = inv.stages.filter((s) => s.attached).map((s) => s.stage);
    expect(attached).toEqual(expect.arrayContaining(['nic_tx', 'nic_rx']));
    pair.ping(3); // from B: throws unless every reply came back
    await new Promise((r) => setTimeout(r, 400)); // the drain thread flushes every 100 ms
    expect(await t.stop()).toBe(0);
    // 3 requests reach A (nic_rx) and 3 replies leave it (nic_tx), each a packet of its own
    const byStage = (name: string): Set<string> => new Set(t.records.filter((r) => r.stageName === name).map((r) => r.pktId));
    expect(byStage('nic_tx').size).toBe(3);
    expect(byStage('nic_rx').size).toBe(3);
    expect(t.summary?.records).toBe(t.records.length);
  });

  it('without --btf reports the kernel BTF it used', async () => {
    const t = trace([]);
    const inv = await t.ready();
    expect(inv.btf).toEqual({ from: 'kernel', path: '/sys/kernel/btf/vmlinux' });
    expect(await t.stop()).toBe(0);
  });

  it('a missing file (XTRACE_BTF) is a usage error naming the flag and the file, before any BPF is loaded', async () => {
    const missing = join(dir, 'no-such.btf');
    const t = trace([], { XTRACE_BTF: missing });
    const code = await t.exit();
    expect(code).toBe(2);
    expect(t.stderrText()).toContain(`--btf: cannot read BTF file ${missing}: ENOENT`);
    expect(t.inventory).toBeUndefined();
  });

  it('xtrace agent refuses a missing --btf file before it tries NATS', async () => {
    const missing = join(dir, 'gone.btf');
    const r = await runCli(['agent', '--nats', 'nats://127.0.0.1:1', '--btf', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--btf: cannot read BTF file ${missing}: ENOENT`);
  });

  it('a truncated BTF file fails in libbpf parsing it: the file is what the loader reads', async () => {
    const truncated = join(dir, 'truncated.btf');
    writeFileSync(truncated, readFileSync(btfCopy).subarray(0, 4096));
    const t = trace(['--btf', truncated]);
    const code = await t.exit();
    expect(code).toBe(3);
    const stderr = t.stderrText();
    expect(stderr).toContain(`loading with the kernel BTF from --btf ${truncated} failed`);
    expect(stderr).toMatch(/libbpf: failed to parse target BTF/);
    expect(t.inventory).toBeUndefined();
  });
});
