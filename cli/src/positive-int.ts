/** A whole number >= 1 from a command-line flag; a UsageError naming the flag otherwise. */
import { UsageError } from '@xtrace/proto';

export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(flag, `expected a whole number >= 1, got '${text}'`);
  return n;
}
