import { describe, expect, it } from 'vitest';
import { BatchSequence } from './batch-sequence.js';

describe('BatchSequence', () => {
  it('counts gaps, late arrivals, duplicates and trailing loss', () => {
    const s = new BatchSequence();
    expect(s.accept('b', 1)).toBe('ok');
    expect(s.accept('b', 2)).toBe('ok');
    expect(s.accept('b', 5)).toBe('gap');
    expect(s.lost).toBe(2);
    expect(s.accept('b', 3)).toBe('late');
    expect(s.lost).toBe(1);
    expect(s.accept('b', 5)).toBe('duplicate');
    expect(s.duplicates).toBe(1);
    s.reconcile(8);
    expect(s.lost).toBe(4);
    expect(s.received).toBe(4);
  });
  it('restarts on a new boot id', () => {
    const s = new BatchSequence();
    s.accept('b1', 1);
    s.accept('b1', 2);
    expect(s.accept('b2', 1)).toBe('restart');
    expect(s.lost).toBe(0);
    expect(s.duplicates).toBe(0);
  });
  it('counts a seq far ahead at once (a garbage envelope cannot stall the controller)', () => {
    const s = new BatchSequence();
    s.accept('b', 1);
    const t = Date.now();
    expect(s.accept('b', Number.MAX_SAFE_INTEGER)).toBe('gap');
    expect(Date.now() - t).toBeLessThan(1000);
    expect(s.lost).toBe(Number.MAX_SAFE_INTEGER - 2);
    expect(s.accept('b', 3)).toBe('late');
    expect(s.accept('b', 2)).toBe('late');
  });
});

describe('BatchSequence record counting', () => {
  it('counts the records of a gap exactly from where each batch says its records start', () => {
    const s = new BatchSequence();
    expect(s.accept('b', 1, { first: 0, count: 10 })).toBe('ok');
    expect(s.accept('b', 2, { first: 10, count: 5 })).toBe('ok');
    expect(s.lostRecords).toBe(0);
    // batches 3 (7 records) and 4 (8 records) are missing
    expect(s.accept('b', 5, { first: 30, count: 4 })).toBe('gap');
    expect(s.lost).toBe(2);
    expect(s.lostRecords).toBe(15);
    // batch 3 comes late: its records are no longer lost
    expect(s.accept('b', 3, { first: 15, count: 7 })).toBe('late');
    expect(s.lostRecords).toBe(8);
    // empty batches lost: no records
    expect(s.accept('b', 7, { first: 34, count: 0 })).toBe('gap');
    expect(s.lost).toBe(2);
    expect(s.lostRecords).toBe(8);
    // the agent published 9 batches and 40 records: the last two (6 records) never came
    s.reconcile(9, 40);
    expect(s.lost).toBe(4);
    expect(s.lostRecords).toBe(14);
  });
  it('starts over on a new boot id and keeps what was lost before', () => {
    const s = new BatchSequence();
    s.accept('b1', 1, { first: 0, count: 3 });
    s.accept('b1', 3, { first: 5, count: 3 });
    expect(s.lostRecords).toBe(2);
    expect(s.accept('b2', 2, { first: 4, count: 1 })).toBe('restart');
    expect(s.lost).toBe(2);
    expect(s.lostRecords).toBe(6);
  });
  it('says null while a batch is missing and the envelopes did not say where records start (older agents)', () => {
    const s = new BatchSequence();
    s.accept('b', 1);
    s.accept('b', 3);
    expect(s.lostRecords).toBeNull();
    s.accept('b', 2);
    expect(s.lost).toBe(0);
    expect(s.lostRecords).toBe(0);
    s.reconcile(5);
    expect(s.lostRecords).toBeNull();
  });

  it('an agent that never said what it published (stop reply failed) has unknown lost records, not 0', () => {
    const q = new BatchSequence();
    q.accept('b', 1, { first: 0, count: 10 });
    q.accept('b', 2, { first: 10, count: 10 });
    expect(q.lostRecords).toBe(0);
    q.unreconciled();
    expect(q.lostRecords).toBeNull();
    expect(q.lost).toBe(0); // no gap it saw
  });
});
