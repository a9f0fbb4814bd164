/**
 * valibot -> the project's errors. Every schema (commands.ts, envelope.ts, the controller's
 * schedules, alert rules and gRPC requests) words its own messages ("expected ..., got ...");
 * these helpers only attach the field path, so an error reads "schedule.every: must be at
 * most 24h, got 48h" whatever library found it. Objects and the other building blocks are in schema-builders.ts.
 */
import * as v from 'valibot';
import { UsageError } from './errors.js';

/** One offending field of an untrusted value, and what was expected there. */
export interface FieldError {
  field: string;
  message: string;
}

/** What a failed parse reports: valibot's issues, each with its path from the value's root. */
export type SchemaIssues = readonly v.BaseIssue<unknown>[];

/** `root` plus an issue's path: ("schedule", pairs > pairs > 1 > src) -> "schedule.pairs.pairs[1].src". */
function fieldPath(root: string, path: readonly { key: unknown }[] | undefined, whole = '(value)'): string {
  let out = root;
  for (const { key } of path ?? []) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? whole : out;
}

/**
 * Every issue of a failed parse as field errors, in the order valibot found them (the schema's
 * key order; an unknown key of a strict object is one "unknown field" issue of its own:
 * schema-builders.ts). `whole` names the value itself when it is wrong as a whole and `root` is empty.
 */
export function fieldErrors(issues: SchemaIssues, root = '', whole?: string): FieldError[] {
  return issues.map((issue) => ({ field: fieldPath(root, issue.path, whole), message: issue.message }));
}

/** The first issue as a UsageError naming its field (a ValiError of all of them is the cause). */
function usageErrorOf(issues: SchemaIssues, root = ''): UsageError {
  const first = fieldErrors(issues, root)[0] ?? { field: fieldPath(root, []), message: 'invalid' };
  return new UsageError(first.field, first.message, { cause: new v.ValiError(issues as [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]) });
}

/** Parse an untrusted value or throw a UsageError naming the first bad field under `root`. */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, value: unknown, root = ''): v.InferOutput<S> {
  const r = v.safeParse(schema, value);
  if (!r.success) throw usageErrorOf(r.issues, root);
  return r.output;
}

/** Longest value an error message quotes: a reply must not echo a megabyte of garbage back. */
export const MAX_DESCRIBED_CHARS = 80;

/** `s`, or its first MAX_DESCRIBED_CHARS characters and how long it was. */
export function clipForMessage(s: string): string {
  return s.length <= MAX_DESCRIBED_CHARS ? s : `${s.slice(0, MAX_DESCRIBED_CHARS)}…(${s.length} chars)`;
}

/** A value for an error message: strings quoted ('x'), undefined as "nothing", the rest as JSON; clipped (clipForMessage). */
export function describeValue(x: unknown): string {
  if (typeof x === 'string') return `'${clipForMessage(x)}'`;
  if (x === undefined) return 'nothing';
  try {
    return clipForMessage(JSON.stringify(x) ?? String(x));
  } catch {
    return clipForMessage(String(x));
  }
}

/**
 * A valibot message built out of the offending input, so every check of one field (type,
 * integer, bounds) says the same thing: `v.number(expecting((x) => ...))`.
 */
export function expecting(message: (input: unknown) => string): (issue: { input: unknown }) => string {
  return (issue) => message(issue.input);
}

/** Whether an earlier check of an object already failed on its key `key` (for cross-field checks). */
export function hasIssueAt(issues: SchemaIssues | undefined, ...keys: string[]): boolean {
  return issues?.some((i) => keys.includes(i.path?.[0]?.key as string)) ?? false;
}
