import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UsageError, XtraceError, errorMessage, isSubjectToken, toSubjectToken } from '@xtrace/proto';

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

export async function readBootId(path = BOOT_ID_PATH): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e: unknown) {
    throw new XtraceError('internal', `cannot read boot id from ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/** --host-id, else the hostname made into a subject token. */
export function resolveHostId(flag: string | undefined): string {
  if (flag === undefined) return toSubjectToken(hostname());
  if (!isSubjectToken(flag)) throw new UsageError('--host-id', `expected 1-128 characters of [A-Za-z0-9_-], got '${flag}'`);
  return flag;
}

/**
 * TEST ONLY: XTRACE_CLOCK_SKEW_NS (integer ns, may be negative) is added to every record
 * timestamp and to the envelope's clock.monoNs, so a lab can simulate a host whose
 * monotonic clock differs. Never set it on a real hypervisor.
 */
export function clockSkewFromEnv(env: NodeJS.ProcessEnv = process.env): bigint {
  const v = env.XTRACE_CLOCK_SKEW_NS;
  if (v === undefined || v === '') return 0n;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError('XTRACE_CLOCK_SKEW_NS', `expected an integer number of ns, got '${v}'`);
  return BigInt(v.trim());
}
