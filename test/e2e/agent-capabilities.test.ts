/**
 * The agent's systemd unit (deploy/xtrace-agent.service) gives it CAP_BPF, CAP_PERFMON and
 * CAP_NET_ADMIN instead of full root: this proves that list on the running kernel. Under
 * exactly the unit's CapabilityBoundingSet (as the unit runs it: uid 0, ambient = bounding,
 * no new privileges, applied by setpriv), `xtrace trace` gets the same hook on every stage as
 * with full root, and real agents in a two-hypervisor lab attach, register and publish
 * records that `xtrace pair` matches across both hosts. One capability fewer (CAP_NET_ADMIN)
 * and the hooks are not full root's (here the object no longer loads: the verifier refuses
 * the tc programs' pointer compares): the comparison catches a short list.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping, type Lab, type VmInfo, XtraceStack } from '@xtrace/lab';
import type { Inventory } from '@xtrace/node-agent/tracing';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { upTwoHostLab } from '../support/two-host-lab.js';
import { TraceProcess } from '../support/trace-process.js';

const skip = bpfUnavailableReason();
const UNIT = readFileSync(new URL('../../deploy/xtrace-agent.service', import.meta.url), 'utf8');

/** capability numbers (linux/capability.h) of the names the unit may use */
const CAP_NUMBERS: Record<string, number> = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_SYS_RESOURCE: 24, CAP_PERFMON: 38, CAP_BPF: 39 };

function unitCapabilities(key: string): string[] {
  const line = [...UNIT.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].at(-1);
  if (line === undefined) throw new Error(`deploy/xtrace-agent.service has no ${key}=`);
  return line[1]!.split(/\s+/).filter((c) => c !== '');
}

const mask = (caps: string[]): bigint =>
  caps.reduce((m, c) => {
    const n = CAP_NUMBERS[c];
    if (n === undefined) throw new Error(`capability ${c}: add its number to CAP_NUMBERS`);
    return m | (1n << BigInt(n));
  }, 0n);

/** setpriv argv limiting what follows to `caps`, the way systemd applies the unit (uid 0 kept) */
function limitedTo(caps: string[]): string[] {
  const list = ['-all', ...caps.map((c) => `+${c.toLowerCase().replace(/^cap_/, '')}`)].join(',');
  return ['setpriv', `--inh-caps=${list}`, `--ambient-caps=${list}`, `--bounding-set=${list}`, '--no-new-privs', '--'];
}

function capabilityMask(pid: number, field: 'CapEff' | 'CapBnd'): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return BigInt(`0x${m[1]}`);
}

/** stage -> the hook it got ('' when none), from `xtrace trace`'s ready line */
const hookPlan = (inv: Inventory): Record<string, string> => Object.fromEntries(inv.stages.map((s) => [s.stage, s.attached ? (s.hook ?? '?') : '']));

describe.skipIf(skip !== undefined)(`the agent under its unit's capabilities only${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const caps = unitCapabilities('CapabilityBoundingSet');
  let lab: Lab;
  let vmA: VmInfo;
  let vmB: VmInfo;
  let stack: XtraceStack | undefined;

  beforeAll(async () => {
    // the unit's list can only be proven where this process holds every capability of it
    const missing = caps.filter((c) => (capabilityMask(process.pid, 'CapBnd') & mask([c])) === 0n);
    if (missing.length > 0) throw new Error(`this test runs without ${missing.join(', ')} in its own bounding set: cannot grant them to the agent`);
    ({ lab, vmA, vmB } = await upTwoHostLab());
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await lab?.down();
  });

  const tracePlan = async (wrapper: string[]): Promise<Record<string, string> | Error> => {
    const t = TraceProcess.start((argv) => lab.spawnIn(lab.hostSpec(0).ns, [...wrapper, ...argv]), ['--src', vmA.ip, '--dst', vmB.ip]);
    try {
      return hookPlan(await t.ready());
    } catch (e: unknown) {
      return e as Error;
    } finally {
      await t.stop();
    }
  };

  it('agrees with the unit: ambient = bounding, and no CAP_SYS_ADMIN', () => {
    expect(unitCapabilities('AmbientCapabilities').sort()).toEqual([...caps].sort());
    expect(caps).not.toContain('CAP_SYS_ADMIN');
    expect(UNIT).toMatch(/^NoNewPrivileges=yes$/m);
  });

  it('gets the same hook on every stage as full root; without CAP_NET_ADMIN it does not', async () => {
    const root = await tracePlan([]);
    expect(root).not.toBeInstanceOf(Error);
    const limited = await tracePlan(limitedTo(caps));
    expect(limited).toEqual(root);
    // the hooks that matter here: tc on the tap, tunnel and NIC, and the drop tracepoint
    expect(Object.values(limited).filter((h) => h.startsWith('tcx ') || h.startsWith('clsact ')).length).toBeGreaterThanOrEqual(6);
    expect((limited as Record<string, string>)['drop']).not.toBe('');
    const short = await tracePlan(limitedTo(caps.filter((c) => c !== 'CAP_NET_ADMIN')));
    expect(short).not.toEqual(root);
  }, 120_000);

  it('attaches, registers and publishes records the controller matches on both hosts', async () => {
    stack = await XtraceStack.start(lab, { agentWrapper: limitedTo(caps) });
    for (const host of [0, 1]) {
      const pid = stack.agentPid(host);
      expect(pid, `agent ${host} pid`).toBeDefined();
      // the agent process itself (setpriv and ip netns exec exec it): exactly the unit's set
      expect(capabilityMask(pid!, 'CapEff'), `agent ${host} CapEff`).toBe(mask(caps));
      expect(capabilityMask(pid!, 'CapBnd'), `agent ${host} CapBnd`).toBe(mask(caps));
    }
    const agents = await stack.listAgents();
    expect(agents.map((a) => a.host).sort()).toEqual([stack.hostId(0), stack.hostId(1)]);

    // traffic for as long as the probe runs, however late it starts on a busy machine
    let probing = true;
    const pair = stack.pair(vmA.ip, vmB.ip, ['--duration', '4s']).finally(() => (probing = false));
    const traffic = (async () => {
      // a ping that fails is the report's to show (no traffic), not this loop's
      while (probing) await ping(lab, vmA, vmB.ip, { count: 10, intervalMs: 25 }).catch(() => undefined);
    })();
    const run = await pair;
    await traffic;
    expect(run.code, run.stderr).toBe(0);
    const report = run.report!;
    expect(report.no_traffic).toBe(false);
    for (const host of [stack.hostId(0), stack.hostId(1)]) {
      const h = report.hosts.find((x) => x.host === host);
      expect(h?.records ?? 0, `records published by ${host}`).toBeGreaterThan(0);
    }
    const forward = report.directions['forward']!;
    expect(forward.packets).toBeGreaterThan(0);
    expect(forward.segments.some((s) => s.kind === 'wire'), 'a wire segment: both hosts saw the same packets').toBe(true);
  }, 180_000);
});
