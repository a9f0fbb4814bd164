/**
 * zod -> the project's errors. Every schema (commands.ts, envelope.ts, the controller's
 * schedules, alert rules and gRPC requests) words its own messages ("expected ..., got ...");
 * these helpers only attach the field path, so an error reads "schedule.every: must be at
 * most 24h, got 48h" whatever library found it.
 */
import type { z } from 'zod';
import { UsageError } from './errors.js';

/** One offending field of an untrusted value, and what was expected there. */
export interface FieldError {
  field: string;
  message: string;
}

/** `root` plus a zod path: ("schedule", ["pairs", "pairs", 1, "src"]) -> "schedule.pairs.pairs[1].src". */
function fieldPath(root: string, path: readonly PropertyKey[], whole = '(value)'): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? whole : out;
}

/**
 * Every issue of a failed parse as field errors, in the order zod found them (the schema's key
 * order); unknown keys of a strict object become one "unknown field" error each. `whole` names
 * the value itself when it is wrong as a whole and `root` is empty.
 */
export function fieldErrors(error: z.ZodError, root = '', whole?: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: fieldPath(root, [...issue.path, key], whole), message: 'unknown field' });
    } else {
      out.push({ field: fieldPath(root, issue.path, whole), message: issue.message });
    }
  }
  return out;
}

/** The first issue as a UsageError naming its field (the ZodError is the cause). */
function usageErrorOf(error: z.ZodError, root = ''): UsageError {
  const first = fieldErrors(error, root)[0] ?? { field: fieldPath(root, []), message: 'invalid' };
  return new UsageError(first.field, first.message, { cause: error });
}

/** Parse an untrusted value or throw a UsageError naming the first bad field under `root`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw usageErrorOf(r.error, root);
  return r.data;
}

/** Longest value an error message quotes: a reply must not echo a megabyte of garbage back. */
export const MAX_DESCRIBED_CHARS = 80;

/** `s`, or its first MAX_DESCRIBED_CHARS characters and how long it was. */
export function clipForMessage(s: string): string {
  return s.length <= MAX_DESCRIBED_CHARS ? s : `${s.slice(0, MAX_DESCRIBED_CHARS)}…(${s.length} chars)`;
}

/** A value for an error message: strings quoted ('x'), undefined as "nothing", the rest as JSON; clipped (clipForMessage). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${clipForMessage(v)}'`;
  if (v === undefined) return 'nothing';
  try {
    return clipForMessage(JSON.stringify(v) ?? String(v));
  } catch {
    return clipForMessage(String(v));
  }
}

/**
 * zod's `{ error }` parameter from a message built out of the offending input, so every check
 * of one field (type, integer, bounds) says the same thing: `z.number(expecting((v) => ...))`.
 */
export function expecting(message: (input: unknown) => string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => message(issue.input) };
}

/**
 * Inside a transform that dispatches to another schema by hand (a choice zod's unions cannot
 * word precisely): report that schema's issues as this one's, paths kept.
 */
export function forwardIssues(ctx: { issues: unknown[] }, error: z.ZodError): void {
  for (const issue of error.issues) ctx.issues.push({ ...issue, input: undefined });
}

/** Whether an earlier check of an object already failed on its key `key` (for cross-field checks). */
export function hasIssueAt(issues: readonly { path?: readonly PropertyKey[] }[], ...keys: string[]): boolean {
  return issues.some((i) => keys.includes(i.path?.[0] as string));
}
