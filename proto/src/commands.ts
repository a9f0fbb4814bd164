/**
 * Controller -> agent commands (request/reply on Subjects.agentCmd, JSON) and their replies.
 * validateAgentCommand() checks an untrusted payload against agentCommandSchema (valibot) and
 * returns field-precise errors (schema-error.ts), so an agent never acts on a half-valid command.
 */
import { isIP } from 'node:net';
import * as v from 'valibot';
import type { ErrorCode } from './errors.js';
import { chosenSchema, crossCheck, safeInteger, strictObjectSchema } from './schema-builders.js';
import { describeValue, expecting, fieldErrors, hasIssueAt, type FieldError } from './schema-error.js';
import { isSubjectToken } from './subjects.js';
import { CAPTURE_BYTES } from './capture-layout.js';

export type { FieldError } from './schema-error.js';

export const PROBE_PROTOS = ['icmp', 'udp', 'tcp'] as const;
export type ProbeProto = (typeof PROBE_PROTOS)[number];

export interface SampleSpec {
  /** keep K out of every N packets (by packet-id hash, the same on every host) */
  k: number;
  n: number;
}

export interface StartProbeCommand {
  op: 'startProbe';
  probeId: string;
  src: string;
  dst: string;
  proto?: ProbeProto;
  port?: number;
  sample?: SampleSpec;
  /** capture the first `snaplen` bytes (1..CAPTURE_BYTES) of every kept packet at tc stages (`xtrace pair --pcap`) */
  capture?: { snaplen: number };
  /** agent stops the probe on its own after this long (safety net) */
  durationMs?: number;
  /** agent stops the probe when no renew arrives within this long (default 10 s) */
  leaseMs?: number;
  /** who started it (diagnostics) */
  controllerId?: string;
}

export interface StopProbeCommand {
  op: 'stopProbe';
  probeId: string;
}

export interface UpdateProbeCommand {
  op: 'updateProbe';
  probeId: string;
  sample?: SampleSpec;
  durationMs?: number;
}

/** Extends the lease of every listed probe. Unknown ids are reported back, not an error. */
export interface RenewCommand {
  op: 'renew';
  probeIds: string[];
  leaseMs?: number;
}

export interface StatusCommand {
  op: 'status';
}

/** What the agent has loaded: programs, links, maps, counters, stage plan (reply: agent-inspection.ts). */
export interface InspectCommand {
  op: 'inspect';
}

export type AgentCommand = StartProbeCommand | StopProbeCommand | UpdateProbeCommand | RenewCommand | StatusCommand | InspectCommand;
export type AgentCommandOp = AgentCommand['op'];

export interface CommandErrorBody {
  code: ErrorCode;
  message: string;
  /** first offending field, when the command was malformed */
  field?: string;
  errors?: FieldError[];
}

export type CommandReply<T = unknown> = { ok: true; result: T } | { ok: false; error: CommandErrorBody };

export interface StartProbeResult {
  probeId: string;
  slot: number;
  host: string;
  bootId: string;
}
export interface StopProbeResult {
  probeId: string;
  /** the probe is stopped on this agent, now or before (a repeated stop, its own duration or lease end), and the counts are its; false: it never ran there */
  stopped: boolean;
  /** envelopes this probe published in all on this agent (the last seq) */
  batches: number;
  /** records in them (absent from older agents): the controller counts the records of batches that never came */
  records?: number;
}
export interface RenewResult {
  renewed: string[];
  unknown: string[];
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const DEFAULT_LEASE_MS = 10_000;
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;
/** Largest command an agent reads; a bigger one is refused before it is parsed (the real ones are a few hundred bytes). */
export const MAX_COMMAND_BYTES = 64 * 1024;
/** Most probe ids one renew lists (a controller renews its probes on the host, at most MAX_PROBES). */
export const MAX_RENEW_IDS = 1024;
/** Longest controllerId kept (diagnostics only). */
export const MAX_CONTROLLER_ID_CHARS = 256;

/** Drops the null-valued keys: on the wire an optional field may be absent or null. */
function withoutNulls<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}

const probeId = v.custom<string>(isSubjectToken, expecting((x) => `expected 1-128 characters of [A-Za-z0-9_-], got ${describeValue(x)}`));

const address = v.custom<string>((x) => typeof x === 'string' && isIP(x) !== 0, expecting((x) => `expected an IPv4 or IPv6 address, got ${describeValue(x)}`));

function intIn(min: number, max: number) {
  const e = expecting((x) => `expected an integer in ${min}..${max}, got ${describeValue(x)}`);
  return v.pipe(
    safeInteger(e),
    v.check((n) => n >= min && n <= max, e),
  );
}

const sample = v.pipe(
  strictObjectSchema({ n: intIn(1, 0xffffffff), k: intIn(1, 0xffffffff) }, expecting((x) => `expected {k, n}, got ${describeValue(x)}`)),
  crossCheck(({ k, n }, issues, fail) => {
    if (issues.length === 0 && k > n) fail('k', `expected k <= n, got k=${k} n=${n}`);
  }),
);

const durationMs = v.nullish(intIn(1, MAX_DURATION_MS));
const leaseMs = v.nullish(intIn(100, MAX_DURATION_MS));

const startProbe = v.pipe(
  strictObjectSchema({
    op: v.literal('startProbe'),
    probeId,
    src: address,
    dst: address,
    proto: v.nullish(v.picklist(PROBE_PROTOS, expecting((x) => `expected one of ${PROBE_PROTOS.join('|')}, got ${describeValue(x)}`))),
    port: v.nullish(intIn(1, 65535)),
    sample: v.nullish(sample),
    capture: v.nullish(strictObjectSchema({ snaplen: intIn(1, CAPTURE_BYTES) }, expecting((x) => `expected {snaplen}, got ${describeValue(x)}`))),
    durationMs,
    leaseMs,
    controllerId: v.nullish(
      v.pipe(
        v.string(expecting((x) => `expected a string, got ${describeValue(x)}`)),
        v.maxLength(MAX_CONTROLLER_ID_CHARS, `expected at most ${MAX_CONTROLLER_ID_CHARS} characters`),
      ),
    ),
  }),
  crossCheck((c, issues, fail) => {
    if (!hasIssueAt(issues, 'probeId', 'src', 'dst')) {
      if (isIP(c.src) !== isIP(c.dst)) fail('dst', `address family differs from src (${c.src} vs ${c.dst})`);
      else if (c.src === c.dst) fail('dst', `must differ from src (${c.src})`);
    }
    if (c.port != null && !hasIssueAt(issues, 'port') && c.proto === 'icmp') fail('port', 'not allowed with proto icmp');
  }),
  v.transform(withoutNulls),
);

const stopProbe = strictObjectSchema({ op: v.literal('stopProbe'), probeId });

const updateProbe = v.pipe(strictObjectSchema({ op: v.literal('updateProbe'), probeId, sample: v.nullish(sample), durationMs }), v.transform(withoutNulls));

const renew = v.pipe(
  strictObjectSchema({
    op: v.literal('renew'),
    // the count first: a list too long is refused as that, whatever its ids
    probeIds: v.pipe(
      v.array(v.unknown(), expecting((x) => `expected an array of probe ids, got ${describeValue(x)}`)),
      v.maxLength(MAX_RENEW_IDS, `expected at most ${MAX_RENEW_IDS} probe ids`),
      v.array(probeId),
    ),
    leaseMs,
  }),
  v.transform(withoutNulls),
);

const status = strictObjectSchema({ op: v.literal('status') });

const inspect = strictObjectSchema({ op: v.literal('inspect') });

/** each op's schema */
const OP_SCHEMAS = { startProbe, stopProbe, updateProbe, renew, status, inspect } satisfies Record<AgentCommandOp, v.GenericSchema>;
const OPS = Object.keys(OP_SCHEMAS);

/** An untrusted command: its op picks the shape; the output keeps only known, non-null fields. */
export const agentCommandSchema: v.GenericSchema<unknown, AgentCommand> = chosenSchema((input) => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { message: `expected a JSON object, got ${describeValue(input)}` };
  const op = (input as { op?: unknown }).op;
  if (typeof op === 'string' && Object.hasOwn(OP_SCHEMAS, op)) return OP_SCHEMAS[op as AgentCommandOp] as v.GenericSchema<unknown, AgentCommand>;
  return { message: `expected one of ${OPS.join('|')}, got ${describeValue(op)}`, key: 'op' };
});

export function validateAgentCommand(input: unknown): Validation<AgentCommand> {
  const r = v.safeParse(agentCommandSchema, input);
  return r.success ? { ok: true, value: r.output } : { ok: false, errors: fieldErrors(r.issues, '', '(command)') };
}

/** One line for logs and the CLI: "src: expected ..., port: expected ...". */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

export function okReply<T>(result: T): CommandReply<T> {
  return { ok: true, result };
}

export function errorReply(code: ErrorCode, message: string, errors?: FieldError[]): CommandReply<never> {
  const error: CommandErrorBody = { code, message };
  if (errors && errors.length > 0) {
    error.errors = errors;
    error.field = errors[0]!.field;
  }
  return { ok: false, error };
}
