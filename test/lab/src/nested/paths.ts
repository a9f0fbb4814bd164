/** Where the nested lab's scripts, cache and state live. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_STATE_DIR } from '../state.js';

/** test/lab/nested: the shell, Python and C side (run inside the hypervisors from the machine's root, read-only). */
export const NESTED_SCRIPTS = fileURLToPath(new URL('../../nested/', import.meta.url)).replace(/\/$/, '');
/** the checkout; a hypervisor sees it at the same path (its root is the machine's /) */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');

/** kernels, initramfs images, the VM image (fetch-kernel.sh, build-vm-image.sh) */
export const nestedCacheDir = (): string => process.env['XTRACE_NESTED_DIR'] ?? '/var/cache/xtrace/nested';

/** `<dir>/<id>.json` (state) and `<dir>/<id>/` (hypervisors' job directories and sockets) */
export const NESTED_STATE_DIR = join(LAB_STATE_DIR, 'nested');
export const nestedStateFile = (id: string): string => join(NESTED_STATE_DIR, `${id}.json`);
export const nestedLabDir = (id: string): string => join(NESTED_STATE_DIR, id);
/** shared read-write with hypervisor i at the same path: its config, logs, console */
export const hypervisorJobDir = (id: string, i: number): string => join(nestedLabDir(id), `hv${i}`);
/** kept out of the job directory, which the guest sees: the host's end of the control channel */
export const hypervisorControlSocket = (id: string, i: number): string => join(nestedLabDir(id), `hv${i}.control.sock`);
