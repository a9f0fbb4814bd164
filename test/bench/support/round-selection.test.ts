import { describe, expect, it } from 'vitest';
import { chooseRounds, isCleanRound } from './round-selection.js';

const round = (...stealShares: number[]) => ({ stealShares });

describe('lab round selection by stolen CPU', () => {
  it('a round is clean only when every window stayed at or under the limit', () => {
    expect(isCleanRound(round(0, 0.01, 0.03), 0.03)).toBe(true);
    expect(isCleanRound(round(0, 0.031, 0), 0.03)).toBe(false);
  });

  it('uses the clean rounds when at least half the wanted ones are', () => {
    const rounds = [round(0.01), round(0.2), round(0.02), round(0), round(0.3), round(0.01)];
    const c = chooseRounds(rounds, 8, 0.03);
    expect(c).toMatchObject({ used: [0, 2, 3, 5], all: false });
    expect(c.line).toContain('4 of 6');
  });

  it('falls back to every round run when too few are clean, and says so', () => {
    const rounds = [round(0.01), round(0.2), round(0.25), round(0.3)];
    const c = chooseRounds(rounds, 8, 0.03);
    expect(c).toMatchObject({ used: [0, 1, 2, 3], all: true });
    expect(c.line).toContain('only 1 had');
  });
});
