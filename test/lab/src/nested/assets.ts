/**
 * What a nested lab boots: a fetched Debian kernel with its hypervisor initramfs, and the VM image.
 * Both come from the cache ($XTRACE_NESTED_DIR, filled by ./setup.sh); the scripts behind them are
 * idempotent and fast when it is warm, and fetch or rebuild what is missing or stale.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../shell.js';
import { NestedPrerequisiteError } from './errors.js';
import { nestedCacheDir, NESTED_SCRIPTS } from './paths.js';

/** 'debian-6.1' | 'debian-6.12' (the newest of that series, as fetched) or an exact kver */
export type NestedKernel = 'debian-6.1' | 'debian-6.12' | (string & {});

export interface HypervisorKernel {
  kver: string;
  /** dpkg -x of the package: boot/, lib/modules/<kver>/ */
  root: string;
  vmlinuz: string;
  initramfs: string;
}

export interface VmImage {
  dir: string;
  /** uncompressed ELF, booted through its PVH entry */
  vmlinux: string;
  initrd: string;
}

export async function prepareKernel(kernel: NestedKernel): Promise<HypervisorKernel> {
  const r = await run([join(NESTED_SCRIPTS, 'fetch-kernel.sh'), '--cached', kernel], { allowFail: true, timeoutMs: 600_000 });
  const kver = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || kver === '') {
    throw new NestedPrerequisiteError(`cannot prepare kernel ${kernel} (test/lab/nested/fetch-kernel.sh exited ${r.code ?? r.signal}): ${r.stderr.trim().slice(-1500)}`);
  }
  const root = join(nestedCacheDir(), 'kernels', kver);
  const k = { kver, root, vmlinuz: join(root, 'boot', `vmlinuz-${kver}`), initramfs: join(root, 'hypervisor-initramfs.gz') };
  for (const f of [k.vmlinuz, k.initramfs]) if (!existsSync(f)) throw new NestedPrerequisiteError(`fetch-kernel.sh ${kernel} left no ${f}`);
  return k;
}

export async function prepareVmImage(): Promise<VmImage> {
  const r = await run([join(NESTED_SCRIPTS, 'build-vm-image.sh')], { allowFail: true, timeoutMs: 600_000 });
  if (r.code !== 0) {
    throw new NestedPrerequisiteError(`cannot build the VM image (test/lab/nested/build-vm-image.sh exited ${r.code ?? r.signal}): ${r.stderr.trim().slice(-1500)}`);
  }
  const dir = join(nestedCacheDir(), 'vm');
  return { dir, vmlinux: join(dir, 'vmlinux'), initrd: join(dir, 'initrd.gz') };
}
