import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { checkRingBufferBytes, DEFAULT_RING_BUFFER_BYTES } from './tracer.js';

describe('ring buffer size', () => {
  it('accepts powers of two from 64 KiB to 1 GiB', () => {
    expect(checkRingBufferBytes(DEFAULT_RING_BUFFER_BYTES)).toBe(4 << 20);
    expect(checkRingBufferBytes(64 << 10)).toBe(64 << 10);
    for (const bad of [0, 3 << 20, 32 << 10, 2 << 30, 1.5]) expect(() => checkRingBufferBytes(bad)).toThrow(UsageError);
  });
});
