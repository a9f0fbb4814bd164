/** Reading logs the hypervisors write into their job directories (shared with this machine). */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { LogTail } from './errors.js';

/** A file's size now (0 when it does not exist yet): where to read what comes next from. */
export const fileSize = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/** A file's text from byte `offset` on ('' when it does not exist). */
export function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a log ('' when it does not exist yet). */
export function tailOf(path: string, lines: number): LogTail {
  if (!existsSync(path)) return { path, tail: '' };
  return { path, tail: readFileSync(path, 'utf8').split('\n').slice(-lines - 1).join('\n') };
}
