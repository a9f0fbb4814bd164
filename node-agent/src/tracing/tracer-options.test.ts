import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { checkRingBufferBytes, DEFAULT_RING_BUFFER_BYTES } from './tracer.js';

describe('ring buffer size', () => {
  it('accepts powers of two from 1 MiB to 1 GiB', () => {
    expect(checkRingBufferBytes(DEFAULT_RING_BUFFER_BYTES)).toBe(4 << 20);
    expect(checkRingBufferBytes(1 << 20)).toBe(1 << 20);
    for (const bad of [0, 3 << 20, 512 << 10, 2 << 30, 1.5]) expect(() => checkRingBufferBytes(bad)).toThrow(UsageError);
  });
});
