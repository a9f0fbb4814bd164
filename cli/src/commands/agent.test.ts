import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { parseRingBufferMb } from './agent.js';

describe('xtrace agent flags', () => {
  it('xtrace agent --ring-buffer-mb takes MiB, a power of two', () => {
    expect(parseRingBufferMb('4')).toBe(4 << 20);
    expect(() => parseRingBufferMb('3')).toThrow(/--ring-buffer-mb: expected a power of two/);
    expect(() => parseRingBufferMb('x')).toThrow(UsageError);
  });
});
