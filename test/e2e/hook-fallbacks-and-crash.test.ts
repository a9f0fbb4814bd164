/**
 * Hook fallbacks and crash cleanup (issue 2): with tcx turned off the stages fall back to
 * clsact, with tc turned off to BTF tracepoints, and the records are the same; a SIGKILLed
 * tracer leaves no program or link attached (tcx and tracing links die with the process),
 * and classic clsact filters it left are removed by the next start.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, ping, scaledMs, type VmInfo } from '@xtrace/lab';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { upTwoHostLab } from '../support/two-host-lab.js';
import { TraceProcess } from '../support/trace-process.js';
import { kernelFeatures } from '../support/kernel-features.js';

const skip = bpfUnavailableReason();

/** BPF program ids a process holds open (from its fds' fdinfo). */
function programIdsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^prog_id:\s+(\d+)/m);
    if (info?.[1]) ids.push(Number(info[1]));
  }
  return [...new Set(ids)];
}

function liveProgramIds(): Set<number> {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as { id: number }[];
  return new Set(progs.map((p) => p.id));
}

function linkedProgramIds(): Set<number> {
  const links = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show']).toString()) as { prog_id: number }[];
  return new Set(links.map((l) => l.prog_id));
}

async function eventually(check: () => boolean, timeoutMs = scaledMs(5000)): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe.skipIf(skip !== undefined)(`hook fallbacks and crash cleanup${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let vmA: VmInfo;
  let vmB: VmInfo;
  const running: TraceProcess[] = [];

  const start = (host: number, disable = ''): TraceProcess => {
    const t = TraceProcess.start(
      (argv) => lab.spawnIn(lab.hostSpec(host).ns, argv, { env: { ...process.env, XTRACE_DISABLE_HOOKS: disable } }),
      ['--src', vmA.ip, '--dst', vmB.ip, '--proto', 'icmp'],
    );
    running.push(t);
    return t;
  };
  const tcFilters = async (host: number, dev: string): Promise<string> => {
    const ns = lab.hostSpec(host).ns;
    const out = await Promise.all(['ingress', 'egress'].map((d) => lab.exec(ns, ['tc', 'filter', 'show', 'dev', dev, d], { allowFail: true })));
    return out.map((o) => o.stdout).join('');
  };

  beforeAll(async () => {
    ({ lab, vmA, vmB } = await upTwoHostLab());
  }, scaledMs(120_000));

  afterAll(async () => {
    await Promise.all(running.map((t) => t.kill()));
    await lab?.down();
  });

  // fentry and kprobe off too: tap_tx takes them first where the kernel has them (Debian's), and
  // these tests walk the device hooks' chain
  for (const [disable, expectHook] of [
    ['fentry,kprobe,tcx', /^clsact /],
    ['fentry,kprobe,tcx,clsact', /^tp_btf /],
    ['fentry,kprobe,tcx,clsact,tp_btf', /^tracepoint /],
  ] as const) {
    it(`falls back when ${disable} is off and still records every stage (${expectHook.source})`, async () => {
      const [ta, tb] = [start(0, disable), start(1, disable)];
      await Promise.all([ta.ready(), tb.ready()]);
      for (const t of [ta, tb]) {
        for (const s of t.inventory!.stages.filter((x) => ['tap_rx', 'tap_tx', 'tunnel_tx', 'tunnel_rx', 'nic_tx', 'nic_rx'].includes(x.stage))) {
          expect(s.hook, `${s.stage}: ${JSON.stringify(s.fallbacks)}`).toMatch(expectHook);
          expect(s.fallbacks.some((f) => f.reason.includes('disabled by configuration'))).toBe(true);
        }
      }
      const result = await ping(lab, vmA, vmB.ip, { count: 5, intervalMs: 20 });
      expect(result.received).toBe(5);
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([ta.stop(), tb.stop()]);
      const stagesPerId = new Map<string, Set<string>>();
      for (const [host, t] of [['A', ta], ['B', tb]] as const) {
        for (const r of t.records) {
          const set = stagesPerId.get(r.pktId) ?? new Set<string>();
          set.add(`${host}:${r.stageName}`);
          stagesPerId.set(r.pktId, set);
        }
      }
      expect(stagesPerId.size).toBe(10); // 5 requests + 5 replies
      for (const set of stagesPerId.values()) expect(set.size).toBe(6);
    }, scaledMs(60_000));
  }

  it('leaves no program or link behind after SIGKILL (tcx and tracing links)', async () => {
    // without tcx (before 6.6) tc stages would be clsact filters, which outlive the process by
    // design (the next test): take their tp_btf fallback, a link
    const t = start(0, kernelFeatures().tcx ? undefined : 'clsact');
    const inv = await t.ready();
    const ids = programIdsOf(inv.pid);
    expect(ids.length).toBeGreaterThan(0);
    expect([...linkedProgramIds()].filter((id) => ids.includes(id)).length).toBeGreaterThan(0);
    await t.kill();
    const gone = await eventually(() => {
      const live = liveProgramIds();
      return ids.every((id) => !live.has(id));
    });
    expect(gone, `programs still loaded: ${ids.filter((id) => liveProgramIds().has(id))}`).toBe(true);
    expect([...linkedProgramIds()].filter((id) => ids.includes(id))).toEqual([]);
    expect(await tcFilters(0, vmA.hostTap)).toBe('');
  }, scaledMs(60_000));

  it('removes the clsact filters a SIGKILLed tracer left, on the next start', async () => {
    const crashed = start(0, 'tcx');
    await crashed.ready();
    expect(await tcFilters(0, vmA.hostTap)).toMatch(/xt_tc_(ingress|egress)/);
    await crashed.kill();
    // classic tc filters are not links: they outlive the process (why the next start cleans)
    expect(await tcFilters(0, vmA.hostTap)).toMatch(/xt_tc_(ingress|egress)/);
    // every device's filters before the next start: what a failure below needs to be read
    const stale = (await Promise.all(['nic0', 'vxlan0', vmA.hostTap].map(async (dev) => `${dev}: ${await tcFilters(0, dev)}`))).join('\n');
    const next = start(0, 'tcx');
    await next.ready();
    // which signals it catches right before it is told to stop (SIGTERM is bit 14 of SigCgt)
    const caught = /SigCgt:\s*(\w+)/.exec(readFileSync(`/proc/${next.inventory!.pid}/status`, 'utf8'))?.[1];
    const stopAt = Date.now();
    const code = await next.stop();
    const stopped = `exit ${code ?? next.signal} after ${Date.now() - stopAt} ms (SigCgt ${caught} before), summary ${next.summary ? 'printed' : 'missing'}`;
    // (its stderr is whole once it exited)
    expect(next.stderrText(), `filters before it started: ${stale}`).toMatch(new RegExp(`"device":"${vmA.hostTap}","removed":\\d+,"msg":"removed stale xtrace tc filters"`));
    const hooks = JSON.stringify(next.inventory?.stages.map((x) => [x.stage, x.hook, x.devices]));
    expect(await tcFilters(0, vmA.hostTap), `the next tracer (${stopped}) hooks ${hooks}; its output: ${next.stderrText().slice(-3000)}; filters before it started: ${stale}`).toBe('');
  }, scaledMs(60_000));
});
