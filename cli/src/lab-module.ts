/**
 * @xtrace/lab, loaded only by the commands that build labs (`xtrace lab`, `xtrace demo`). The
 * release (scripts/release) leaves the lab out: it needs a checkout (relays, the nested lab's
 * kernels), so there these commands say so instead of failing on a missing package.
 */
import { XtraceError } from '@xtrace/proto';

export type LabModule = typeof import('@xtrace/lab');

export async function loadLabModule(): Promise<LabModule> {
  try {
    return await import('@xtrace/lab');
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('@xtrace/lab')) {
      throw new XtraceError('usage', 'the lab (xtrace lab, xtrace demo) is not part of the release: run it from a checkout of the repository after ./setup.sh', { cause: e });
    }
    throw e;
  }
}
