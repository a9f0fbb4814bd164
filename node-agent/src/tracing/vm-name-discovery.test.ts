import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverVmNames, libvirtDirsFromEnv, DEFAULT_LIBVIRT_DIRS } from './vm-name-discovery.js';

const NETNS = 4026532999;

/** a /proc tree with the files discovery reads: cmdline, ns/net, fd/N links, fdinfo/N */
function fakeProcess(proc: string, pid: number, o: { argv: string[]; netns?: number; fds?: Record<number, { target: string; fdinfo: string }> }): void {
  const dir = join(proc, String(pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  mkdirSync(join(dir, 'fd'));
  mkdirSync(join(dir, 'fdinfo'));
  writeFileSync(join(dir, 'cmdline'), `${o.argv.join('\0')}\0`);
  symlinkSync(`net:[${o.netns ?? NETNS}]`, join(dir, 'ns', 'net'));
  for (const [fd, f] of Object.entries(o.fds ?? {})) {
    symlinkSync(f.target, join(dir, 'fd', fd));
    writeFileSync(join(dir, 'fdinfo', fd), f.fdinfo);
  }
}

const tunFd = (tap: string) => ({ target: '/dev/net/tun', fdinfo: `pos:\t0\nflags:\t0104002\nmnt_id:\t26\nino:\t1093\niff:\t${tap}\n` });

describe('discoverVmNames (fixture /proc and libvirt directories)', () => {
  let root: string;
  let proc: string;
  let libvirt: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'xtrace-vm-names-'));
    proc = join(root, 'proc');
    libvirt = join(root, 'libvirt');
    mkdirSync(proc);
    mkdirSync(libvirt);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const discover = (taps: { name: string; mac: string }[]) => discoverVmNames(taps, { netns: NETNS, procRoot: proc, libvirtDirs: [libvirt, join(root, 'absent')] });

  it('names a tap from a libvirt status file, another from a QEMU process\'s fd, another from its ifname=', () => {
    copyFileSync(new URL('./fixtures/libvirt-status-web-01.xml', import.meta.url), join(libvirt, 'web-01.xml'));
    fakeProcess(proc, 4100, { argv: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=vm-fd,debug-threads=on', '-netdev', '{"type":"tap","fd":"35","id":"hostnet0"}'], fds: { 35: tunFd('tap-fd'), 36: { target: '/dev/vhost-net', fdinfo: 'pos:\t0\n' } } });
    fakeProcess(proc, 4200, { argv: ['qemu-system-x86_64', '-name', 'vm-ifname,process=vm-ifname', '-netdev', 'tap,id=n0,ifname=tap-if,vhost=on'] });
    const names = discover([
      { name: 'vnet7', mac: 'fe:54:00:8a:1c:02' },
      { name: 'tap-fd', mac: '' },
      { name: 'tap-if', mac: '' },
      { name: 'tap-none', mac: '' },
    ]);
    expect(Object.fromEntries(names)).toEqual({
      vnet7: { name: 'web-01', source: 'libvirt' },
      'tap-fd': { name: 'vm-fd', source: 'qemu' },
      'tap-if': { name: 'vm-ifname', source: 'qemu' },
    });
  });

  it('skips QEMU processes of another network namespace and processes without -name', () => {
    fakeProcess(proc, 4300, { argv: ['qemu-system-x86_64', '-name', 'guest=elsewhere', '-netdev', 'tap,ifname=tap0'], netns: NETNS + 1 });
    fakeProcess(proc, 4400, { argv: ['relay', '--tap', 'tap0'], fds: { 5: tunFd('tap0') } });
    expect(discover([{ name: 'tap0', mac: '' }]).size).toBe(0);
  });

  it('names a tap of a not-running definition by libvirt\'s fe:… tap MAC', () => {
    copyFileSync(new URL('./fixtures/libvirt-config-db-02.xml', import.meta.url), join(libvirt, 'db.xml'));
    writeFileSync(join(libvirt, 'garbage.xml'), '<not xml');
    writeFileSync(join(libvirt, 'notes.txt'), '<domain><name>ignored</name></domain>');
    expect(Object.fromEntries(discover([{ name: 'vnet3', mac: 'fe:54:00:11:22:33' }, { name: 'vnet4', mac: 'fe:54:00:11:22:34' }]))).toEqual({ vnet3: { name: 'db&02', source: 'libvirt' } });
  });

  it('leaves a VM unnamed whose name is longer than a heartbeat may carry', () => {
    fakeProcess(proc, 4600, { argv: ['qemu-system-x86_64', '-name', `guest=${'x'.repeat(257)}`, '-netdev', 'tap,ifname=tap-long'] });
    fakeProcess(proc, 4700, { argv: ['qemu-system-x86_64', '-name', `guest=${'y'.repeat(256)}`, '-netdev', 'tap,ifname=tap-max'] });
    expect([...discover([{ name: 'tap-long', mac: '' }, { name: 'tap-max', mac: '' }]).keys()]).toEqual(['tap-max']);
  });

  it('prefers libvirt\'s target over a QEMU process naming the same tap', () => {
    copyFileSync(new URL('./fixtures/libvirt-status-web-01.xml', import.meta.url), join(libvirt, 'web-01.xml'));
    fakeProcess(proc, 4500, { argv: ['qemu-system-x86_64', '-name', 'guest=other', '-netdev', 'tap,ifname=vnet7'] });
    expect(discover([{ name: 'vnet7', mac: '' }]).get('vnet7')).toEqual({ name: 'web-01', source: 'libvirt' });
  });
});

describe('libvirtDirsFromEnv', () => {
  it('takes a colon-separated list, the defaults when unset or blank', () => {
    expect(libvirtDirsFromEnv('/a: /b')).toEqual(['/a', '/b']);
    expect(libvirtDirsFromEnv(undefined)).toBe(DEFAULT_LIBVIRT_DIRS);
    expect(libvirtDirsFromEnv(' ')).toBe(DEFAULT_LIBVIRT_DIRS);
  });
});
