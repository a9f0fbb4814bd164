import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it('reads sizes in units of 1024 and bare bytes', () => {
    expect(parseByteSize('256MB', 'f')).toBe(256 * 1024 ** 2);
    expect(parseByteSize('1gb', 'f')).toBe(1024 ** 3);
    expect(parseByteSize('1.5GB', 'f')).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize(' 64 kb ', 'f')).toBe(64 * 1024);
    expect(parseByteSize('4096', 'f')).toBe(4096);
  });
  it('names the flag on bad input and below the minimum', () => {
    expect(() => parseByteSize('1GiB', '--history-max-bytes')).toThrow("--history-max-bytes: expected a size such as 256MB or 1GB (units of 1024), got '1GiB'");
    expect(() => parseByteSize('-5MB', 'f')).toThrow(UsageError);
    expect(() => parseByteSize('', 'f')).toThrow(UsageError);
    expect(() => parseByteSize('lots', 'f')).toThrow(UsageError);
    expect(() => parseByteSize('512kb', '--history-max-bytes', 1024 ** 2)).toThrow("--history-max-bytes: expected at least 1MB, got '512kb'");
  });
});
