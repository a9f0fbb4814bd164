/**
 * What the running kernel offers the hook fallbacks, read from the kernel itself (its release,
 * tracefs), not from xtrace's attach attempts: kernel-path tests run on this machine's kernel
 * and, inside nested hypervisors, on Debian's (test/e2e/nested/kernel-matrix.test.ts), and
 * expect each kernel's best hooks.
 */
import { existsSync } from 'node:fs';
import { release } from 'node:os';

export interface KernelFeatures {
  release: string;
  /** tcx links (Linux 6.6): tc stages attach as tcx, else as classic clsact filters */
  tcx: boolean;
  /** kprobes built in (CONFIG_KPROBE_EVENTS: tracefs has kprobe_events) */
  kprobes: boolean;
}

export function kernelFeatures(): KernelFeatures {
  const r = release();
  const [major = 0, minor = 0] = r.split(/[.-]/).map(Number);
  return {
    release: r,
    tcx: major > 6 || (major === 6 && minor >= 6),
    kprobes: existsSync('/sys/kernel/tracing/kprobe_events') || existsSync('/sys/kernel/debug/tracing/kprobe_events'),
  };
}
