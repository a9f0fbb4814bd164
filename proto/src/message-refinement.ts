/**
 * How this package turns a generated message type (proto/src/generated/, the `__Output` form a
 * gRPC peer decodes) into the type the code reads: report.ts (the probe report),
 * fleet-config.ts (schedules, alert rules) and history-record.ts (history records) narrow the
 * fields the .proto documents as enumerations, and the messages the sender always sets, and
 * keep every other field as generated, so a field added to proto/xtrace.proto appears in them
 * after `npm run gen:proto -w @xtrace/proto`.
 */

/**
 * A decoded message in the report JSON's shape: a proto3 `optional` field, absent from the
 * decoded message when unknown, is present and null.
 */
export type NullWhenAbsent<T> = { [K in keyof T]-?: undefined extends T[K] ? Exclude<T[K], undefined> | null : T[K] };

/** `T` with the fields of `R` replaced (narrowed strings, nested refined messages) */
export type Refine<T, R> = Omit<T, keyof R> & R;
