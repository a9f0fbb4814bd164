/**
 * `xtrace inspect` end to end (issue 19): a real controller process and nats-server, one real
 * agent with BPF loaded inside a lab hypervisor namespace (started with --btf: the kernel's BTF
 * given as a file), and the real CLI. The inspection lists the agent's programs with kernel ids,
 * its links, its maps (xt_learned's fill rises when a VM sends from a new address), its kernel
 * counters, ring buffer and stage plan; `xtrace agents` names the BTF the agent used; an unknown
 * --host exits 2 naming the known agents.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerStack, Lab, ping, type VmInfo } from '@xtrace/lab';
import { native } from '@xtrace/native';
import type { AgentInfo, AgentInspection, InspectMap } from '@xtrace/proto';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { startLabAgent, type LabAgent } from '../support/lab-agent.js';
import { upTwoHostLab } from '../support/two-host-lab.js';

const skip = bpfUnavailableReason();

describe.skipIf(skip !== undefined)(`xtrace inspect over a real controller, NATS and BPF agent${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let stack: ControllerStack;
  let agent: LabAgent | undefined;
  let dir: string;
  let btfCopy: string;
  let hostId: string;
  let agentLog: string[] = [];

  const inspect = async (args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> =>
    stack.cli(['inspect', '--controller', stack.controllerAddress, ...args], 60_000);
  const inspectJson = async (): Promise<AgentInspection> => {
    const r = await inspect(['--host', hostId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const agents = (JSON.parse(r.stdout) as { agents: AgentInspection[] }).agents;
    expect(agents.map((a) => a.host)).toEqual([hostId]);
    return agents[0]!;
  };
  const map = (a: AgentInspection, name: string): InspectMap => {
    const m = a.maps.find((x) => x.name === name);
    if (!m) throw new Error(`no map ${name} in ${a.maps.map((x) => x.name).join(', ')}`);
    return m;
  };

  beforeAll(async () => {
    ({ lab, vmA, vmB } = await upTwoHostLab());
    dir = mkdtempSync(join(tmpdir(), 'xtrace-inspect-'));
    btfCopy = join(dir, 'vmlinux.btf');
    copyFileSync('/sys/kernel/btf/vmlinux', btfCopy);
    stack = await ControllerStack.start({ natsHost: '0.0.0.0', instance: `inspect-${lab.id}`, logDir: lab.dir });
    agent = await startLabAgent(lab, stack, 0, { args: ['--btf', btfCopy], logName: 'agent-inspect.log' });
    hostId = agent.hostId;
    agentLog = agent.stderr;
  }, 180_000);

  afterAll(async () => {
    await agent?.stop();
    await stack?.stop();
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the agent logs the BTF file it loads with, and xtrace agents names it', async () => {
    expect(agentLog.join('')).toContain(`kernel BTF: file ${btfCopy}`);
    const agents: AgentInfo[] = await stack.listAgents();
    expect(agents.find((a) => a.host === hostId)?.btf).toBe(`file ${btfCopy}`);
  });

  it('--json lists programs, links, maps, counters, ring and stage plan with kernel values; a map fills with traffic', async () => {
    const before = await inspectJson();
    expect(before.error).toBe('');
    expect(before.btf).toBe(`file ${btfCopy}`);

    // programs: the tc pair is loaded with kernel ids and attached to the VM tap
    const tcIn = before.programs.find((p) => p.name === 'xt_tc_ingress')!;
    expect(tcIn).toMatchObject({ loaded: true, type: 'sched_cls' });
    expect(tcIn.id).toBeGreaterThan(0);
    expect(tcIn.xlated_bytes).toBeGreaterThan(0);
    expect(tcIn.attached.some((t) => t.includes(vmA.hostTap))).toBe(true);
    expect(before.programs.some((p) => !p.loaded)).toBe(true); // e.g. the fallbacks this kernel did not need

    // links: every link runs a loaded program of this object
    expect(before.links.length).toBeGreaterThan(0);
    const progIds = new Set(before.programs.filter((p) => p.loaded).map((p) => p.id));
    for (const l of before.links) expect(progIds.has(l.prog_id), `${l.program} ${l.target}`).toBe(true);
    expect(before.links.some((l) => l.link_id > 0)).toBe(true);

    // maps: kernel ids, the ring sized like the agent's default, arrays not counted
    const events = map(before, 'xt_events');
    expect(events.type).toBe('ringbuf');
    expect(events.max_entries).toBe(4 << 20);
    expect(before.ring?.size_bytes).toBe(4 << 20);
    expect(map(before, 'xt_config_map').used).toBe(-1);
    for (const m of before.maps) expect(m.id).toBeGreaterThan(0);

    // counters and stage plan
    expect(Object.keys(before.counters)).toEqual(expect.arrayContaining(['ringbuf_full', 'parse_fail']));
    const tapRx = before.stage_plan.find((s) => s.stage === 'tap_rx')!;
    expect(tapRx).toMatchObject({ kind: 'device', attached: true });
    expect(tapRx.devices).toContain(`${vmA.hostTap} ingress`);
    expect(tapRx.candidates[0]).toMatch(/^(fentry|kprobe|tcx)/);
    expect(before.stage_plan.find((s) => s.stage === 'drop')?.kind).toBe('drop');

    // a source address the VM never used: learned at its tap's ingress, xt_learned holds one more key;
    // with the kernel's bpf_stats on meanwhile, the tap's ingress program counts the VM's packets
    const fresh = vmA.ip.replace(/\.\d+$/, '.201');
    await lab.exec(vmA.ns, ['ip', 'addr', 'add', `${fresh}/32`, 'dev', vmA.iface]);
    const stats = native.enableStats();
    let after: AgentInspection;
    try {
      await lab.exec(vmA.ns, ['ping', '-n', '-c', '3', '-i', '0.1', '-W', '1', '-I', fresh, vmB.ip], { allowFail: true });
      // (a reply may take seconds on a loaded machine: a 1 s wait lost one there)
      const replies = await ping(lab, vmA, vmB.ip, { count: 3, intervalMs: 50, waitS: 10 });
      expect(replies.received).toBe(3);
      after = await inspectJson();
    } finally {
      stats.close();
    }
    expect(after.bpf_stats).toBe(true);
    const tcInAfter = after.programs.find((p) => p.name === 'xt_tc_ingress')!;
    expect(tcInAfter.id).toBe(tcIn.id);
    expect(tcInAfter.run_count - tcIn.run_count).toBeGreaterThanOrEqual(6); // 6 requests at vnet0 ingress, replies at the NIC and tunnel
    expect(tcInAfter.run_time_ns).toBeGreaterThan(tcIn.run_time_ns);
    const learnedBefore = map(before, 'xt_learned');
    const learnedAfter = map(after, 'xt_learned');
    expect(learnedBefore.type).toBe('lru_hash');
    expect(learnedAfter.used).toBeGreaterThan(learnedBefore.used);
    expect(learnedAfter.used).toBeLessThanOrEqual(learnedAfter.max_entries);
    expect(after.ring!.records).toBeGreaterThanOrEqual(before.ring!.records);
  });

  it('prints a human table per agent', async () => {
    const r = await inspect(['--host', hostId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${hostId} (boot `);
    expect(r.stdout).toMatch(/bpf_stats (on|off)/);
    for (const part of ['programs:', 'links:', 'maps:', 'kernel counters', 'stage plan:', 'xt_tc_ingress', 'xt_learned']) expect(r.stdout).toContain(part);
  });

  it('--host unknown exits 2 and names the agents the controller knows', async () => {
    const r = await inspect(['--host', 'no-such-host']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no agent 'no-such-host' registered (known: ${hostId})`);
  });
});
