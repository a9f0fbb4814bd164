import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { chosenSchema, crossCheck, objectSchema, strictObjectSchema } from './schema-builders.js';
import { fieldErrors, hasIssueAt } from './schema-error.js';

const errors = (schema: v.GenericSchema, value: unknown) => {
  const r = v.safeParse(schema, value);
  return r.success ? 'accepted' : fieldErrors(r.issues, 'x').map((e) => `${e.field}: ${e.message}`);
};

describe('schema builders', () => {
  const port = v.pipe(
    v.number((i) => `expected a number, got ${String(i.input)}`),
    v.maxValue(9, 'expected at most 9'),
  );
  const pair = objectSchema({ a: port, b: v.optional(port) }, 'expected {a, b}');

  it('checks an absent key with its own schema, and refuses an array as a map', () => {
    expect(errors(pair, {})).toEqual(['x.a: expected a number, got undefined']);
    expect(errors(pair, { a: 1 })).toEqual('accepted');
    expect(errors(pair, [1])).toEqual(['x: expected {a, b}']);
  });

  it('reports every unknown key of a strict object, after the known keys, "constructor" too', () => {
    const strict = strictObjectSchema({ a: port });
    expect(errors(strict, { z: 1, a: 'q', constructor: 2 })).toEqual(['x.a: expected a number, got q', 'x.z: unknown field', 'x.constructor: unknown field']);
    expect(v.parse(strict, { a: 3 })).toEqual({ a: 3 });
  });

  it('runs a cross-field check past a failed bound, not past a wrong type', () => {
    const ordered = v.pipe(
      objectSchema({ a: port, b: port, c: port }),
      crossCheck(({ a, b }, issues, fail) => {
        if (!hasIssueAt(issues, 'a', 'b') && a > b) fail('b', `expected >= a (${a})`);
      }),
    );
    expect(errors(ordered, { a: 2, b: 1, c: 50 })).toEqual(['x.c: expected at most 9', 'x.b: expected >= a (2)']);
    expect(errors(ordered, { a: 2, b: 1, c: 'q' })).toEqual(['x.c: expected a number, got q']);
    expect(errors(ordered, { a: 2, b: 30, c: 1 })).toEqual(['x.b: expected at most 9']);
  });

  it('checks a value by the schema it picks, or refuses it at the key that picks', () => {
    const forms = { one: objectSchema({ kind: v.literal('one'), a: port }) };
    const picked = chosenSchema((input) => {
      const kind = (input as { kind?: unknown }).kind;
      return kind === 'one' ? forms.one : { message: `no form ${String(kind)}`, key: 'kind' };
    });
    expect(errors(picked, { kind: 'one', a: 12 })).toEqual(['x.a: expected at most 9']);
    expect(errors(picked, { kind: 'two' })).toEqual(['x.kind: no form two']);
    expect(v.parse(picked, { kind: 'one', a: 1, extra: 2 })).toEqual({ kind: 'one', a: 1 });
  });
});
