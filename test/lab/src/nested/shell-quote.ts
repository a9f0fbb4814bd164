import { NestedLabError } from './errors.js';

/** One shell word for bash or busybox sh: single-quoted, with embedded quotes closed and escaped. */
export function shq(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv, every word quoted as needed. */
export const shellCommand = (argv: readonly string[]): string => argv.map(shq).join(' ');

/** `KEY='value'` lines a shell can source (set -a exports them). */
export function envFile(vars: Record<string, string | number>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new NestedLabError(`not an environment variable name: ${k}`);
      return `${k}=${shq(String(v))}\n`;
    })
    .join('');
}
