/**
 * A stage's hook detached by someone else mid-probe (issue 17): real agents with real BPF in a
 * two-hypervisor lab, `xtrace pair` running, and another process detaches host 1's tcx link on
 * its NIC's ingress (`bpftool link detach`, what an operator or another tool could do). The
 * agent finds it on its next look at its hooks (node-agent tracing/hook-manager.ts lostHooks()),
 * reports the fault, and the pair report, JSON and table, names the stage, its hook and what was
 * found. On kernels without tcx the tc stages are clsact filters and the same fault comes from
 * `tc filter del`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping, XtraceStack, type Lab, type VmInfo } from '@xtrace/lab';
import type { ProbeInfo } from '@xtrace/proto';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { kernelFeatures } from '../support/kernel-features.js';
import { upTwoHostLab } from '../support/two-host-lab.js';
import { waitFor } from '../support/agents.js';

const skip = bpfUnavailableReason();
const NIC = 'nic0';
const TCX_INGRESS = 46;

/** BPF link ids of tcx links on (ifindex, ingress) held by the processes of a namespace (their fdinfo) */
function tcxIngressLinks(pids: number[], ifindex: number): number[] {
  const ids: number[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue; // exited
    }
    for (const fd of fds) {
      let info: string;
      try {
        info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      } catch {
        continue;
      }
      if (!/^link_type:\s+tcx$/m.test(info)) continue;
      const field = (name: string): number => Number(info.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? -1);
      if (field('ifindex') === ifindex && field('attach_type') === TCX_INGRESS) ids.push(field('link_id'));
    }
  }
  return ids;
}

describe.skipIf(skip !== undefined)(`a hook detached by someone else mid-probe${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let stack: XtraceStack;
  let vmA: VmInfo;
  let vmB: VmInfo;

  beforeAll(async () => {
    ({ lab, vmA, vmB } = await upTwoHostLab());
    stack = await XtraceStack.start(lab);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await lab?.down();
  }, 60_000);

  it('the agent reports the detached stage and xtrace pair (JSON and table) names it', async () => {
    const ns = lab.hostSpec(1).ns;
    const host = stack.hostId(1);
    // two probes of the pair at once: one prints JSON, the other the table
    const json = stack.pair(vmA.ip, vmB.ip, ['--duration', '8s', '--interval', '1s', '--proto', 'icmp']);
    const table = stack.cli(['pair', '--src', vmA.ip, '--dst', vmB.ip, '--controller', stack.controllerAddress, '--duration', '8s', '--interval', '1s', '--proto', 'icmp']);
    // traffic until both runs end (rounds of ping, so a slow machine cannot make it end early)
    let running = true;
    const traffic = (async () => {
      while (running) await ping(lab, vmA, vmB.ip, { count: 25, intervalMs: 20, deadlineS: 60 });
    })();
    const ended = Promise.all([json, table]).finally(() => {
      running = false;
    });
    await waitFor(
      async () => {
        const r = await stack.cli(['probes', '--json', '--controller', stack.controllerAddress]);
        const { probes } = JSON.parse(r.stdout || '{"probes":[]}') as { probes: ProbeInfo[] };
        return probes.filter((p) => p.state === 'running').length === 2;
      },
      60_000,
      'both probes running',
    );

    let detached: string;
    if (kernelFeatures().tcx) {
      const ifindex = (JSON.parse((await lab.exec(ns, ['ip', '-j', 'link', 'show', NIC])).stdout) as { ifindex: number }[])[0]!.ifindex;
      const pids = (await lab.exec(ns, ['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
      const links = tcxIngressLinks(pids, ifindex);
      expect(links, `the agent's tcx ingress link on ${NIC}`).toHaveLength(1);
      execFileSync('bpftool', ['link', 'detach', 'id', String(links[0])]);
      detached = `its tcx link (id ${links[0]},`;
    } else {
      await lab.exec(ns, ['tc', 'filter', 'del', 'dev', NIC, 'ingress', 'pref', String(0x7874)]);
      detached = 'no xtrace filter (handle and priority 0x7874) on the clsact ingress hook';
    }
    const hook = kernelFeatures().tcx ? `tcx ingress ${NIC}` : `clsact ingress ${NIC}`;
    const fault = `agent ${host}: stage nic_rx (${hook}) failed: ${detached}`;

    const [[run, printed]] = await Promise.all([ended, traffic]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.message).toContain(fault);
    expect(run.report?.message.match(/ failed: /g), `one fault only: ${run.report?.message}`).toHaveLength(1);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`fault: ${fault}`);
  }, 120_000);

  it('a VM tap deleted mid-probe (its VM shut down) is said as a removed device, not as a detached hook', async () => {
    const ns = lab.hostSpec(1).ns;
    const host = stack.hostId(1);
    const run = stack.pair(vmA.ip, vmB.ip, ['--duration', '5s', '--interval', '1s', '--proto', 'icmp']);
    await waitFor(
      async () => {
        const r = await stack.cli(['probes', '--json', '--controller', stack.controllerAddress]);
        const { probes } = JSON.parse(r.stdout || '{"probes":[]}') as { probes: ProbeInfo[] };
        return probes.some((p) => p.state === 'running');
      },
      60_000,
      'the probe running',
    );
    // the lab's VM B ends here: this is the file's last test
    await lab.exec(ns, ['ip', 'link', 'del', vmB.hostTap]);
    const r = await run;
    const removed = `agent ${host}: stage tap_tx (${kernelFeatures().tcx ? 'tcx' : 'clsact'} egress ${vmB.hostTap}) failed: its device was removed`;
    expect(r.report?.message, r.stderr).toContain(removed);
    expect(r.report?.message).not.toMatch(/detached/);
  }, 120_000);
});
