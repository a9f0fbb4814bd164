import { describe, expect, it } from 'vitest';
import { table, tableLines } from './table.js';

describe('table', () => {
  const rows = [
    ['name', 'n', 'note'],
    ['a', '10', 'x'],
    ['long name', '2', ''],
  ];
  it('pads columns to their widest cell, two spaces apart, left by default, trailing blanks trimmed', () => {
    expect(table(rows)).toBe('name       n   note\na          10  x\nlong name  2');
  });
  it('aligns right per column, or from a column on', () => {
    expect(tableLines(rows, ['l', 'r', 'l'])).toEqual(['name        n  note', 'a          10  x', 'long name   2']);
    expect(tableLines(rows, { rightFrom: 1 })).toEqual(['name        n  note', 'a          10     x', 'long name   2']);
  });
  it('no rows: nothing', () => {
    expect(table([])).toBe('');
  });
});
