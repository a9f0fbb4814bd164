/**
 * VM names with real agents (real BPF) in the namespace lab, from fake QEMU processes: a `sh`
 * whose command line is QEMU's (`-name guest=vm-a ... -netdev tap,ifname=vnet0`) in hypervisor
 * 0's namespace, another (`-name vm-b,process=vm-b`, the plain form) in hypervisor 1's, both
 * naming `vnet0`, which exists in both namespaces (only the process in the agent's own namespace
 * counts); and a python3 process that holds an extra tap `vnet9` on hypervisor 0 through
 * /dev/net/tun, as libvirt's QEMU does (`-netdev tap,fd=3`: named by its fdinfo `iff:` line).
 * `xtrace agents` lists the names, and `xtrace pair --src vm-a --dst vm-b` probes the VMs'
 * addresses and names both in the report.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XtraceStack, ping, waitProbeRunning, type Lab, type VmInfo } from '@xtrace/lab';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { upTwoHostLab } from '../support/two-host-lab.js';

const skip = bpfUnavailableReason();

/** opens /dev/net/tun, attaches to the tap named by argv's ifname, says "ready", then waits */
const HOLD_TAP_PY = `
import fcntl, struct, sys, time
fd = open('/dev/net/tun', 'r+b', buffering=0)
fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', sys.argv[1].encode(), 0x0002 | 0x1000))  # TUNSETIFF, IFF_TAP | IFF_NO_PI
print('ready', flush=True)
time.sleep(3600)
`;

describe.skipIf(skip !== undefined)(`VM names from fake QEMU processes in the lab${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let stack: XtraceStack;
  let vmA: VmInfo;
  let vmB: VmInfo;
  const fakes: ChildProcess[] = [];

  /** a fake QEMU process inside `ns`: `argv` is what /proc/PID/cmdline shows after the program */
  const fakeQemu = (ns: string, program: string[], qemuArgv: string[]): ChildProcess => {
    const p = lab.spawnIn(ns, [...program, ...qemuArgv]);
    fakes.push(p);
    return p;
  };

  beforeAll(async () => {
    ({ lab, vmA, vmB } = await upTwoHostLab());
    const h0 = lab.hostSpec(0);
    const h1 = lab.hostSpec(1);
    // an extra VM port on hypervisor 0, held by a process as QEMU holds a tap libvirt passed it
    await lab.exec(h0.ns, ['ip', 'tuntap', 'add', 'dev', 'vnet9', 'mode', 'tap']);
    await lab.exec(h0.ns, ['ip', 'link', 'set', 'vnet9', 'master', h0.bridge, 'up']);
    const holder = fakeQemu(h0.ns, ['python3', '-c', HOLD_TAP_PY], ['vnet9', 'qemu-system-x86_64', '-name', 'guest=vm-fd,debug-threads=on', '-netdev', '{"type":"tap","fd":"3","id":"hostnet1"}']);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      holder.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      holder.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`the tap holder exited (${code}): ${err}`)));
    });
    // `sh -c CMD ARG0 ARGS...`: the command line carries QEMU's arguments, the shell ignores them
    const shell = ['sh', '-c', 'sleep 3600; :'];
    fakeQemu(h0.ns, shell, ['qemu-system-x86_64', '-name', 'guest=vm-a,debug-threads=on', '-netdev', `tap,id=net0,ifname=${vmA.hostTap},script=no,downscript=no,vhost=on`]);
    fakeQemu(h1.ns, shell, ['qemu-system-x86_64', '-name', 'vm-b,process=vm-b', '-netdev', `tap,id=net0,ifname=${vmB.hostTap},script=no,downscript=no`]);
    stack = await XtraceStack.start(lab);
  }, 180_000);

  afterAll(async () => {
    for (const p of fakes) p.kill('SIGKILL');
    await stack?.stop();
    await lab?.down();
  }, 60_000);

  it('the agents name each tap after the QEMU process in their own namespace (ifname= or an open tap fd)', async () => {
    const agents = await stack.listAgents();
    const vms = (host: number) => agents.find((a) => a.host === stack.hostId(host))?.vms.map((v) => `${v.name}@${v.tap}`).sort();
    expect(vms(0)).toEqual([`vm-a@${vmA.hostTap}`, 'vm-fd@vnet9']);
    expect(vms(1)).toEqual([`vm-b@${vmB.hostTap}`]);
  });

  it('xtrace pair --src vm-a --dst vm-b probes the VMs\' addresses and the report names both', async () => {
    const pair = stack.pair('vm-a', 'vm-b', ['--duration', '6s', '--proto', 'icmp']);
    await waitProbeRunning(stack, vmA.ip, 60_000); // (the probe lists the address its name resolved to)
    const sent = await ping(lab, vmA, vmB.ip, { count: 20, intervalMs: 50 });
    expect(sent.received, JSON.stringify(sent)).toBeGreaterThanOrEqual(15);
    const run = await pair;
    expect(run.code, run.stderr).toBe(0);
    const r = run.report!;
    expect([r.src, r.dst, r.src_vm, r.dst_vm]).toEqual([vmA.ip, vmB.ip, 'vm-a', 'vm-b']);
    expect(r.directions.forward?.hosts).toEqual([stack.hostId(0), stack.hostId(1)]);
    expect(r.directions.forward?.packets).toBeGreaterThanOrEqual(15);
  });
});
