import { describe, expect, it } from 'vitest';
import { parseQemuCmdline, parseTunFdinfo, splitCmdline, splitQemuOptions } from './qemu-cmdline.js';

/** libvirt 9 on Debian 12: keyval -name, JSON -netdev with the tap passed as fd */
const LIBVIRT_ARGV = [
  '/usr/bin/qemu-system-x86_64',
  '-name', 'guest=web-01,debug-threads=on',
  '-S',
  '-object', '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-3-web-01/master-key.aes"}',
  '-machine', 'pc-q35-7.2,usb=off,vmport=off,dump-guest-core=off,memory-backend=pc.ram',
  '-accel', 'kvm',
  '-cpu', 'host,migratable=on',
  '-m', '2048',
  '-uuid', '6f6a3b1e-2f0c-4d8e-9a6a-2b9f0c1d7e55',
  '-netdev', '{"type":"tap","fd":"35","vhost":true,"vhostfd":"37","id":"hostnet0"}',
  '-device', '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:8a:1c:02","bus":"pci.1","addr":"0x0"}',
  '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
  '-msg', 'timestamp=on',
];

/** the nested lab's guests (test/lab/nested/hypervisor-vm.sh): plain -name, ifname= */
const NESTED_ARGV = [
  'qemu-system-x86_64',
  '-name', 'xnab12-hv0-vm0,process=xnab12-hv0-vm0,debug-threads=on',
  '-machine', 'q35,accel=kvm',
  '-m', '256',
  '-netdev', 'tap,id=net0,ifname=vnet0,script=no,downscript=no,vhost=on',
  '-device', 'virtio-net-pci,netdev=net0,mac=02:78:6e:00:00:00',
  '-pidfile', '/run/xtrace-nested/vm0.pid',
  '-daemonize',
];

describe('parseQemuCmdline', () => {
  it('reads libvirt\'s -name guest=NAME and finds no tap name in a JSON -netdev that passes an fd', () => {
    expect(parseQemuCmdline(LIBVIRT_ARGV)).toEqual({ name: 'web-01', taps: [] });
  });

  it('reads the plain -name NAME,process=... form and -netdev tap,ifname=', () => {
    expect(parseQemuCmdline(NESTED_ARGV)).toEqual({ name: 'xnab12-hv0-vm0', taps: ['vnet0'] });
  });

  it('reads a bare -name, a JSON -netdev with ifname, -nic and -net tap, and skips other netdevs', () => {
    const argv = [
      'qemu-system-x86_64', '-name', 'vm-a',
      '-netdev', '{"type":"tap","ifname":"tap-json","id":"n0"}',
      '-nic', 'tap,ifname=tap-nic,model=virtio-net-pci',
      '-net', 'tap,ifname=tap-net',
      '-netdev', 'user,id=mgmt,ifname=not-a-tap',
      '-netdev', 'type=tap,id=n3,ifname=tap-typed',
    ];
    expect(parseQemuCmdline(argv)).toEqual({ name: 'vm-a', taps: ['tap-json', 'tap-typed', 'tap-nic', 'tap-net'] });
  });

  it('takes a doubled comma as a literal one, --name and -name=, the last -name, and no name from process= alone', () => {
    expect(parseQemuCmdline(['qemu', '-name', 'guest=a,,b,debug-threads=on']).name).toBe('a,b');
    expect(parseQemuCmdline(['qemu', '--name', 'guest=c']).name).toBe('c');
    expect(parseQemuCmdline(['qemu', '-name=d']).name).toBe('d');
    expect(parseQemuCmdline(['qemu', '-name', 'e', '-name', 'guest=f']).name).toBe('f');
    expect(parseQemuCmdline(['qemu', '-name', 'process=p']).name).toBeUndefined();
    expect(parseQemuCmdline(['qemu', '-m', '256']).name).toBeUndefined();
    // argv[0] is never a flag: a program named -name names nothing
    expect(parseQemuCmdline(['-name', 'x']).name).toBeUndefined();
  });

  it('splits QEMU option strings', () => {
    expect(splitQemuOptions('tap,id=n0,,x,ifname=t')).toEqual(['tap', 'id=n0,x', 'ifname=t']);
    expect(splitQemuOptions('')).toEqual(['']);
  });
});

describe('splitCmdline', () => {
  it('splits /proc/PID/cmdline at NUL bytes, without the trailing empty part', () => {
    expect(splitCmdline('qemu-system-x86_64\0-name\0guest=vm-a\0')).toEqual(['qemu-system-x86_64', '-name', 'guest=vm-a']);
  });
});

describe('parseTunFdinfo', () => {
  it('reads the tap of a /dev/net/tun descriptor', () => {
    expect(parseTunFdinfo('pos:\t0\nflags:\t0104002\nmnt_id:\t26\nino:\t1093\niff:\tvnet7\n')).toBe('vnet7');
  });

  it('finds none in a descriptor not attached to a device, or another file', () => {
    expect(parseTunFdinfo('pos:\t0\nflags:\t0104002\nmnt_id:\t26\nino:\t1093\n')).toBeUndefined();
    expect(parseTunFdinfo('pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t7\neventfd-count:    0\neventfd-id: 3\n')).toBeUndefined();
  });
});
