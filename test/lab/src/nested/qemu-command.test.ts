import { describe, expect, it } from 'vitest';
import { NESTED_QEMU_NAME_RE } from './addresses.js';
import { hypervisorQemuArgv } from './qemu-command.js';
import { envFile, shq } from './shell-quote.js';

const argv = hypervisorQemuArgv({
  index: 1,
  name: 'xnab12-hv1',
  vmlinuz: '/k/vmlinuz',
  initramfs: '/k/initramfs.gz',
  kernelRoot: '/k',
  init: '/repo/test/lab/nested/hypervisor-init.sh',
  jobDir: '/run/xtrace-lab/nested/ab12/hv1',
  controlSocket: '/run/xtrace-lab/nested/ab12/hv1.control.sock',
  consoleLog: '/run/xtrace-lab/nested/ab12/hv1/console.log',
  memoryMb: 2048,
  natsPort: 4333,
  underlay: { localPort: 40001, peerPort: 40002 },
});
const after = (flag: string): string[] => argv.flatMap((a, k) => (a === flag ? [argv[k + 1]!] : []));

describe('a hypervisor QEMU command line', () => {
  it('is tagged with the lab and hypervisor, as teardown finds it', () => {
    const m = NESTED_QEMU_NAME_RE.exec(after('-name')[0]!);
    expect([m?.[1], m?.[2]]).toEqual(['ab12', '1']);
  });

  it('lets nothing out of the management network but the NATS forward to loopback', () => {
    const user = after('-netdev').find((n) => n.startsWith('user,'))!;
    expect(user).toContain('restrict=on');
    expect(user.match(/fwd=/g)).toHaveLength(1);
    expect(user).toMatch(/guestfwd=tcp:172\.29\.0\.100:4222-cmd:socat -lpxnab12-hv1 - TCP:127\.0\.0\.1:4333$/);
    expect(user).not.toMatch(/hostfwd/);
  });

  it('joins the underlay point to point on loopback, with room for VXLAN', () => {
    expect(after('-netdev')).toContain('socket,id=underlay,udp=127.0.0.1:40002,localaddr=127.0.0.1:40001');
    expect(after('-device').find((d) => d.includes('netdev=underlay'))).toContain('host_mtu=1600');
  });

  it('runs one emulated vCPU (nested KVM needs it), root read-only, job directory read-write', () => {
    expect(after('-accel')).toEqual(['tcg,thread=single']);
    expect(after('-smp')).toEqual(['1']);
    const shares = after('-virtfs');
    expect(shares[0]).toContain('path=/,mount_tag=hostroot');
    expect(shares[0]).toContain('readonly=on');
    expect(shares[1]).toContain('path=/run/xtrace-lab/nested/ab12/hv1,mount_tag=job');
    expect(shares[1]).not.toContain('readonly');
  });
});

describe('shell quoting', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(shq('172.31.0.10/24')).toBe('172.31.0.10/24');
    expect(shq("it's a b")).toBe(`'it'\\''s a b'`);
    expect(envFile({ XN_A: 'x y', XN_B: 2 })).toBe("XN_A='x y'\nXN_B=2\n");
    expect(() => envFile({ 'bad-name': 'x' })).toThrow(/environment variable/);
  });
});
