/**
 * Which BTF describes the running kernel: /sys/kernel/btf/vmlinux, or a file the operator gives
 * with `--btf` (XTRACE_BTF) on kernels built without it (the BTFHub convention). The tracer loads
 * the BPF object with it (CO-RE relocations, native openObject's btfCustomPath), the agent reads
 * its drop-reason names from it (kernel-drop-reasons.ts) and reports it (inventory.btf).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { UsageError, XtraceError } from '@xtrace/proto';

export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

export interface BtfSource {
  /** 'kernel': /sys/kernel/btf/vmlinux; 'file': given with --btf */
  from: 'kernel' | 'file';
  path: string;
}

function errnoCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : String(e);
}

/**
 * The BTF to load with. `file` (from --btf) must be a readable regular file, else a UsageError
 * naming `flag` and the file; what is inside is libbpf's to judge when the object loads. Without
 * `file`, the kernel's own; a kernel without it is an error that says to give --btf.
 */
export function resolveBtfSource(file?: string, flag = '--btf', kernelPath = KERNEL_BTF_PATH): BtfSource {
  if (file !== undefined) {
    if (file === '') throw new UsageError(flag, 'expected a BTF file path, got an empty string');
    try {
      if (!statSync(file).isFile()) throw new UsageError(flag, `BTF file ${file} is not a regular file`);
      accessSync(file, constants.R_OK);
    } catch (e: unknown) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(flag, `cannot read BTF file ${file}: ${errnoCode(e)}`, { cause: e });
    }
    return { from: 'file', path: file };
  }
  try {
    accessSync(kernelPath, constants.R_OK);
  } catch (e: unknown) {
    throw new XtraceError(
      'bpf',
      `this kernel has no readable ${kernelPath} (built without CONFIG_DEBUG_INFO_BTF?): give its BTF with ${flag} FILE (e.g. from BTFHub)`,
      { cause: e },
    );
  }
  return { from: 'kernel', path: kernelPath };
}

/** "kernel /sys/kernel/btf/vmlinux" or "file /path/x.btf" (logs and tables) */
export function describeBtf(btf: BtfSource): string {
  return `${btf.from} ${btf.path}`;
}
