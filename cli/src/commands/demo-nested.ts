/**
 * `xtrace demo --kernel debian-6.12`: the virtualization layer end to end on one machine. Two
 * Debian kernels boot as hypervisors under QEMU (Open vSwitch, VXLAN, a KVM guest each on a
 * vhost-net tap, an xtrace agent each; test/lab/README.md "Nested hypervisors"); `xtrace pair`
 * traces UDP request/reply from VM A to VM B while VM B's echo service holds every request a known
 * time, and the report is printed next to what the VM measured itself: the hold lands on the
 * guest segment (kvm_irq -> guest_kick), the vhost worker and OVS get theirs.
 */
import { NestedSession } from './nested-session.js';
import { withTeardown } from './with-teardown.js';

interface NestedDemoOptions {
  kernel: string;
  /** how long VM B's echo service holds each request, µs */
  holdUs: number;
  durationMs: number;
}

const say = (line: string): void => void process.stderr.write(`xtrace demo: ${line}\n`);

export async function runNestedDemo(o: NestedDemoOptions): Promise<number> {
  const session = await NestedSession.open('demo');
  return withTeardown(say, () => session.teardown(), async () => {
    const stack = await session.startStack('demo-nested');
    say(`booting two ${o.kernel} hypervisors under QEMU (OVS, VXLAN, a vhost-net KVM guest and an agent each): 1-2 min`);
    const lab = (session.lab = await session.labModule.NestedLab.up({ kernel: o.kernel, hosts: 2, natsPort: stack.nats.port, agent: { start: true } }));
    const [a, b] = [lab.vm(0, 0), lab.vm(1, 0)];
    const nudge = () => lab.vmExec(0, 0, `ping -c 2 -i 0.2 -W 2 ${b.ip} > /dev/null; echo done`, { timeoutMs: 20_000 });
    await stack.waitAgents({ hosts: [lab.hostId(0), lab.hostId(1)], vmAddresses: [a.ip, b.ip] }, 180_000, nudge);
    const rate = 20;
    const count = Math.max(10, Math.floor(((o.durationMs - 4000) / 1000) * rate));
    say(`tracing ${a.ip} (${lab.hostId(0)}) -> ${b.ip} (${lab.hostId(1)}): ${count} UDP requests, each held ${o.holdUs} µs in VM B`);
    const pair = stack.cli(
      ['pair', '--src', a.ip, '--dst', b.ip, '--proto', 'udp', '--port', '7000', '--duration', `${Math.round(o.durationMs / 1000)}s`, '--controller', stack.controllerAddress],
      o.durationMs + 120_000,
    );
    await new Promise((r) => setTimeout(r, 2500));
    const client = await lab.guestClient(0, 0, { dst: b.ip, count, rate, holdUs: o.holdUs, timeoutMs: 3000 });
    const result = await pair;
    process.stdout.write(result.stdout);
    if (result.code !== 0) process.stderr.write(result.stderr);
    const us = (v: number | null): string => (v === null ? '-' : `${(v / 1000).toFixed(2)} ms`);
    process.stdout.write(
      [
        '',
        `What VM B measured itself (xtrace-guest, ${client.received} of ${client.sent} exchanges):`,
        `  held each request          configured ${(o.holdUs / 1000).toFixed(2)} ms  ->  p50 ${us(client.hold_us.p50)}`,
        `  its kernel's receive to its reply's send  p50 ${us(client.service_us.p50)}`,
        `  VM A's round trip                          p50 ${us(client.rtt_us.p50)}`,
        "xtrace's guest part (kvm_irq -> guest_kick) sits above the second line by the interrupt's delivery into",
        "the guest kernel and the kick's exit out of it: 1-2 ms for a KVM guest nested in TCG, as measured by",
        'test/e2e/nested/vm-path.test.ts. The hold itself is in the guest part and nowhere else.',
        '',
      ].join('\n'),
    );
    return result.code;
  });
}
