import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKernelDropReasons } from './kernel-drop-reasons.js';

const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

describe.skipIf(!existsSync(KERNEL_BTF))('drop-reason names from a --btf file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-drop-btf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the kernel's enum from the given file instead of /sys/kernel/btf/vmlinux", () => {
    const copy = join(dir, 'vmlinux.btf');
    copyFileSync(KERNEL_BTF, copy);
    const fromFile = readKernelDropReasons(join(dir, 'no-btf-dir'), copy);
    expect(fromFile).not.toBeNull();
    expect(fromFile!.find(([, name]) => name === 'NO_SOCKET')).toBeDefined();
    // the kernel's own (modules included) has at least every value the file has, with the same names
    const kernel = new Map(readKernelDropReasons() ?? []);
    for (const [value, name] of fromFile!) expect(kernel.get(value)).toBe(name);
  });

  it('a file that is not BTF gives no names', () => {
    const junk = join(dir, 'junk.btf');
    writeFileSync(junk, Buffer.alloc(64, 7));
    expect(readKernelDropReasons(join(dir, 'no-btf-dir'), junk)).toBeNull();
  });
});
