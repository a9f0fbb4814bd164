import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, XtraceError } from '@xtrace/proto';
import { describeBtf, resolveBtfSource } from './btf-source.js';

describe('the kernel BTF an agent loads with (--btf)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-btf-src-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a readable file as given', () => {
    const file = join(dir, 'k.btf');
    writeFileSync(file, 'anything: libbpf judges the content');
    const btf = resolveBtfSource(file);
    expect(btf).toEqual({ from: 'file', path: file });
    expect(describeBtf(btf)).toBe(`file ${file}`);
  });

  it('refuses a missing file, a directory or an empty path, naming the flag and the file', () => {
    const missing = join(dir, 'missing.btf');
    const e = (() => {
      try {
        resolveBtfSource(missing);
      } catch (err: unknown) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toBe(`--btf: cannot read BTF file ${missing}: ENOENT`);
    expect(() => resolveBtfSource(dir)).toThrow(`--btf: BTF file ${dir} is not a regular file`);
    expect(() => resolveBtfSource('')).toThrow(UsageError);
  });

  it("without a file takes the kernel's, and a kernel without one is told to give --btf", () => {
    const kernel = join(dir, 'vmlinux');
    writeFileSync(kernel, 'x');
    expect(resolveBtfSource(undefined, '--btf', kernel)).toEqual({ from: 'kernel', path: kernel });
    const err = (() => {
      try {
        resolveBtfSource(undefined, '--btf', join(dir, 'none'));
      } catch (x: unknown) {
        return x;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(XtraceError);
    expect((err as XtraceError).code).toBe('bpf');
    expect((err as Error).message).toMatch(/no readable .*none .*give its BTF with --btf FILE/);
  });
});
