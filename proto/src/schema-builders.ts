/**
 * valibot building blocks that check an untrusted value as the project words it:
 *
 * - an object must be a map: not null, not an array (`message` otherwise);
 * - a required key that is absent is checked by its own schema, as `undefined` (valibot alone
 *   would report it with the object's message; this way it reads "src: expected an IPv4 or IPv6
 *   address, got nothing");
 * - each unknown key of a strict object is one "unknown field" issue at that key, after the
 *   known keys' issues (valibot alone reports the first only);
 * - a check across fields (crossCheck) runs unless a field failed a schema (a type, a picklist,
 *   a custom predicate); a failed value check (a bound, a pattern, an unknown key) lets it run,
 *   and it sees the issues found so far (hasIssueAt, schema-error.ts);
 * - a value whose schema depends on the value itself (a command by its op, a sink by its type)
 *   is checked by the schema `pick` chooses (chosenSchema).
 */
import * as v from 'valibot';
import type { SchemaIssues } from './schema-error.js';

/** A valibot error message: fixed, or built from the issue (expecting(), schema-error.ts). */
export type Message = string | ((issue: v.BaseIssue<unknown>) => string);

/** What a strict object says of each key it does not know. */
export const UNKNOWN_FIELD = 'unknown field';

/** valibot's schema types that may be absent from an object */
const MAY_BE_ABSENT = new Set(['optional', 'nullish', 'exact_optional']);

type Dataset = { value: unknown; typed: boolean; issues?: v.BaseIssue<unknown>[] };

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pathItem(input: Record<string, unknown>, key: string): v.ObjectPathItem {
  return { type: 'object', origin: 'value', input, key, value: input[key] };
}

/** The map with every required key it lacks set to undefined: a copy, made only when one lacks. */
function withRequiredKeys(entries: v.ObjectEntries): (input: Record<string, unknown>) => Record<string, unknown> {
  const required = Object.keys(entries).filter((k) => !MAY_BE_ABSENT.has(entries[k]!.type));
  return (input) => {
    let out = input;
    for (const key of required) {
      if (key in input) continue;
      if (out === input) out = { ...input };
      out[key] = undefined;
    }
    return out;
  };
}

/** The "unknown field" issue of `key`: a value check, as a failed bound (checks across fields still run: crossCheck). */
function unknownField(input: Record<string, unknown>, key: string): v.BaseIssue<unknown> {
  return { kind: 'validation', type: 'strict_object', input: key, expected: 'never', received: `"${key}"`, message: UNKNOWN_FIELD, path: [pathItem(input, key)] };
}

/** A map (not an array: valibot's v.record takes one) of any keys to values that `value` checks. */
export function recordSchema<T>(value: v.GenericSchema<unknown, T>, message?: Message): v.GenericSchema<unknown, Record<string, T>> {
  return v.pipe(v.custom<Record<string, unknown>>(isMap, message), v.record(v.string(), value));
}

/** A map checked by `entries`; keys it does not name are left out of the output. */
export function objectSchema<E extends v.ObjectEntries>(entries: E, message?: Message): v.GenericSchema<unknown, v.InferOutput<v.ObjectSchema<E, undefined>>> {
  return v.pipe(v.custom<Record<string, unknown>>(isMap, message), v.transform(withRequiredKeys(entries)), v.object(entries));
}

/** A map checked by `entries`; other keys are kept as they are. */
export function looseObjectSchema<E extends v.ObjectEntries>(entries: E, message?: Message): v.GenericSchema<unknown, v.InferOutput<v.LooseObjectSchema<E, undefined>>> {
  return v.pipe(v.custom<Record<string, unknown>>(isMap, message), v.transform(withRequiredKeys(entries)), v.looseObject(entries));
}

/** A map checked by `entries`; any other key (own, as Object.keys lists them) is an "unknown field". */
export function strictObjectSchema<E extends v.ObjectEntries>(entries: E, message?: Message): v.GenericSchema<unknown, v.InferOutput<v.ObjectSchema<E, undefined>>> {
  const known = v.object(entries);
  const fill = withRequiredKeys(entries);
  return v.pipe(
    v.custom<Record<string, unknown>>(isMap, message),
    // valibot's own strictObject and looseObject pass over keys such as "constructor"; this looks at the input itself
    v.rawTransform(({ dataset, NEVER }) => {
      const input = dataset.value;
      const r = v.safeParse(known, fill(input));
      const issues: v.BaseIssue<unknown>[] = [...(r.issues ?? [])];
      for (const key of Object.keys(input)) if (!Object.hasOwn(entries, key)) issues.push(unknownField(input, key));
      if (issues.length === 0) return r.output;
      const d = dataset as Dataset;
      (d.issues ??= []).push(...issues);
      d.value = r.output;
      return NEVER;
    }),
  ) as v.GenericSchema<unknown, unknown> as v.GenericSchema<unknown, v.InferOutput<typeof known>>;
}

/** Whether an issue stops checks across fields: a failed schema (a type, a picklist, v.custom), not a failed value check (a bound, a pattern, v.check). */
function stopsCrossChecks(issue: v.BaseIssue<unknown>): boolean {
  return issue.kind !== 'validation';
}

/** A finite number (valibot's v.number() takes Infinity). */
export function finiteNumber(message?: Message): v.GenericSchema<unknown, number> {
  return v.custom<number>((x) => typeof x === 'number' && Number.isFinite(x), message);
}

/** A safe integer (a number; a bigint is not one). */
export function safeInteger(message: Message): v.GenericSchema<unknown, number> {
  return v.custom<number>((x) => Number.isSafeInteger(x), message);
}

/**
 * A check across an object's fields (in v.pipe after the object): `check` runs unless a field
 * failed a schema (stopsCrossChecks), sees the issues found so far (hasIssueAt), and reports
 * with `fail`, at a key or (key undefined) at the object itself.
 */
export function crossCheck<T extends object>(check: (value: T, issues: SchemaIssues, fail: (key: string | undefined, message: string) => void) => void): v.RawCheckAction<T> {
  return v.rawCheck(({ dataset, addIssue }) => {
    const d = dataset as Dataset;
    const issues = d.issues ?? [];
    if (!isMap(d.value) || issues.some(stopsCrossChecks)) return;
    const value = d.value;
    check(value as T, issues, (key, message) => addIssue({ message, input: key === undefined ? value : value[key], ...(key !== undefined ? { path: [pathItem(value, key)] } : {}) }));
  });
}

/**
 * A value checked by the schema `pick` chooses for it (the issues are that schema's, paths
 * kept), or, when `pick` returns a message, refused with it (at `key` when given).
 */
export function chosenSchema<T>(pick: (input: unknown) => v.GenericSchema<unknown, T> | { message: string; key?: string }): v.GenericSchema<unknown, T> {
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const input = dataset.value;
      const schema = pick(input);
      if (!('~run' in schema)) {
        addIssue({ message: schema.message, input, ...(schema.key !== undefined && isMap(input) ? { path: [pathItem(input, schema.key)] } : {}) });
        return NEVER;
      }
      const r = v.safeParse(schema, input);
      if (r.success) return r.output;
      const d = dataset as Dataset;
      (d.issues ??= []).push(...r.issues);
      return NEVER;
    }),
  );
}
