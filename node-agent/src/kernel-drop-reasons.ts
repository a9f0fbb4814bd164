/**
 * The running kernel's drop-reason names, read from its BTF: `enum skb_drop_reason` in
 * vmlinux, and the openvswitch module's `ovs_drop_reason` when that module is loaded. The
 * agent reports them with its status, so the controller names this host's drops by this
 * kernel's own enum (values move between kernels, stable point releases included). With
 * `vmlinux` (the agent's --btf file) the kernel's enum comes from that file instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDropReasonsFromBtf } from '@xtrace/native/btf-drop-reasons';

const KERNEL_BTF_DIR = '/sys/kernel/btf';
/** BTF blobs that may define drop reasons: the kernel's, then modules' */
const BTF_BLOBS = ['vmlinux', 'openvswitch'];

/** [value, name] sorted by value; null when no blob could be read or none defines drop reasons. */
export function readKernelDropReasons(btfDir: string = KERNEL_BTF_DIR, vmlinux?: string): [number, string][] | null {
  const all = new Map<number, string>();
  for (const blob of BTF_BLOBS) {
    const path = blob === 'vmlinux' && vmlinux !== undefined ? vmlinux : join(btfDir, blob);
    if (!existsSync(path)) continue;
    let table: Map<number, string> | null;
    try {
      table = parseDropReasonsFromBtf(readFileSync(path));
    } catch {
      table = null; // unreadable: the controller falls back to its built-in table
    }
    for (const [value, name] of table ?? []) all.set(value, name);
  }
  return all.size > 0 ? [...all].sort((a, b) => a[0] - b[0]) : null;
}
