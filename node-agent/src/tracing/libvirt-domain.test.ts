import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLibvirtTapMac, parseLibvirtDomainXml } from './libvirt-domain.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseLibvirtDomainXml', () => {
  it('reads a live status file: the domain name (not the metadata\'s), each interface\'s tap and guest MAC', () => {
    expect(parseLibvirtDomainXml(fixture('libvirt-status-web-01.xml'))).toEqual({
      name: 'web-01',
      interfaces: [
        { tap: 'vnet7', mac: '52:54:00:8a:1c:02' },
        { tap: 'vnet8', mac: '52:54:00:8a:1c:03' },
      ],
    });
  });

  it('reads a persistent definition: no target while not running, entities decoded', () => {
    expect(parseLibvirtDomainXml(fixture('libvirt-config-db-02.xml'))).toEqual({ name: 'db&02', interfaces: [{ mac: '52:54:00:11:22:33' }] });
  });

  it('gives nothing for text without a named domain', () => {
    expect(parseLibvirtDomainXml('<network><name>default</name></network>')).toBeUndefined();
    expect(parseLibvirtDomainXml("<domain type='kvm'><uuid>x</uuid></domain>")).toBeUndefined();
    expect(parseLibvirtDomainXml('')).toBeUndefined();
  });
});

describe('isLibvirtTapMac', () => {
  it('matches a tap MAC fe:… to the guest MAC with the same last five bytes', () => {
    expect(isLibvirtTapMac('fe:54:00:11:22:33', '52:54:00:11:22:33')).toBe(true);
    expect(isLibvirtTapMac('FE:54:00:11:22:33', '52:54:00:11:22:33')).toBe(true);
    expect(isLibvirtTapMac('fe:54:00:11:22:34', '52:54:00:11:22:33')).toBe(false);
    expect(isLibvirtTapMac('52:54:00:11:22:33', '52:54:00:11:22:33')).toBe(false);
    expect(isLibvirtTapMac('', '52:54:00:11:22:33')).toBe(false);
  });
});
