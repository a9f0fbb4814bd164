/**
 * A size from a command-line flag, as the `bytes` package reads it: `512MB`, `1GB`, `1.5GB`,
 * `16mb` (units of 1024: kb, mb, gb, tb) or a bare number of bytes. A UsageError naming the
 * flag otherwise, or when it is under `min`.
 */
import bytes from 'bytes';
import { UsageError } from '@xtrace/proto';

export function parseByteSize(text: string, flag: string, min = 1): number {
  const n = /^\s*\d+(\.\d+)?\s*([kmgtp]b)?\s*$/i.test(text) ? bytes.parse(text.trim()) : null;
  if (n === null || !Number.isSafeInteger(n)) throw new UsageError(flag, `expected a size such as 256MB or 1GB (units of 1024), got '${text}'`);
  if (n < min) throw new UsageError(flag, `expected at least ${bytes.format(min)}, got '${text}'`);
  return n;
}

/** The way parseByteSize reads it back: 64MB, 1GB (n is a finite number of bytes). */
export function formatByteSize(n: number): string {
  return bytes.format(n) ?? String(n);
}
