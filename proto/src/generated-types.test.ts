/**
 * The committed types of proto/src/generated/ are what proto-loader-gen-types makes of
 * proto/xtrace.proto today: a .proto edited without `npm run gen:proto -w @xtrace/proto` fails here.
 */
import { describe, expect, it } from 'vitest';
import { generateTypes, readGeneratedTypes } from '../scripts/gen-types.js';

describe('proto/src/generated', () => {
  it('matches a fresh generation from proto/xtrace.proto (else run: npm run gen:proto -w @xtrace/proto)', () => {
    const fresh = generateTypes();
    const committed = readGeneratedTypes();
    expect([...committed.keys()], 'generated file names').toEqual([...fresh.keys()]);
    for (const [rel, text] of fresh) expect(committed.get(rel), `proto/src/generated/${rel}`).toBe(text);
  }, 60_000);
});
