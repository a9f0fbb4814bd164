/**
 * Controller -> agent commands (request/reply on Subjects.agentCmd, JSON) and their replies.
 * validateAgentCommand() checks an untrusted payload against agentCommandSchema (zod) and
 * returns field-precise errors (schema-error.ts), so an agent never acts on a half-valid command.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ErrorCode } from './errors.js';
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

const probeId = z.custom<string>(isSubjectToken, expecting((v) => `expected 1-128 characters of [A-Za-z0-9_-], got ${describeValue(v)}`));

const address = z.custom<string>((v) => typeof v === 'string' && isIP(v) !== 0, expecting((v) => `expected an IPv4 or IPv6 address, got ${describeValue(v)}`));

function intIn(min: number, max: number) {
  const e = expecting((v) => `expected an integer in ${min}..${max}, got ${describeValue(v)}`);
  return z.number(e).int(e).min(min, e).max(max, e);
}

const sample = z
  .strictObject({ n: intIn(1, 0xffffffff), k: intIn(1, 0xffffffff) }, expecting((v) => `expected {k, n}, got ${describeValue(v)}`))
  .check((ctx) => {
    const { k, n } = ctx.value;
    if (ctx.issues.length === 0 && k > n) ctx.issues.push({ code: 'custom', path: ['k'], message: `expected k <= n, got k=${k} n=${n}`, input: ctx.value });
  });

const durationMs = intIn(1, MAX_DURATION_MS).nullish();
const leaseMs = intIn(100, MAX_DURATION_MS).nullish();

const startProbe = z
  .strictObject({
    op: z.literal('startProbe'),
    probeId,
    src: address,
    dst: address,
    proto: z.enum(PROBE_PROTOS, expecting((v) => `expected one of ${PROBE_PROTOS.join('|')}, got ${describeValue(v)}`)).nullish(),
    port: intIn(1, 65535).nullish(),
    sample: sample.nullish(),
    capture: z.strictObject({ snaplen: intIn(1, CAPTURE_BYTES) }, expecting((v) => `expected {snaplen}, got ${describeValue(v)}`)).nullish(),
    durationMs,
    leaseMs,
    controllerId: z
      .string(expecting((v) => `expected a string, got ${describeValue(v)}`))
      .max(MAX_CONTROLLER_ID_CHARS, expecting(() => `expected at most ${MAX_CONTROLLER_ID_CHARS} characters`))
      .nullish(),
  })
  .check((ctx) => {
    const c = ctx.value;
    if (!hasIssueAt(ctx.issues, 'probeId', 'src', 'dst')) {
      if (isIP(c.src) !== isIP(c.dst)) ctx.issues.push({ code: 'custom', path: ['dst'], message: `address family differs from src (${c.src} vs ${c.dst})`, input: c.dst });
      else if (c.src === c.dst) ctx.issues.push({ code: 'custom', path: ['dst'], message: `must differ from src (${c.src})`, input: c.dst });
    }
    if (c.port != null && !hasIssueAt(ctx.issues, 'port') && c.proto === 'icmp') ctx.issues.push({ code: 'custom', path: ['port'], message: 'not allowed with proto icmp', input: c.port });
  })
  .transform(withoutNulls);

const stopProbe = z.strictObject({ op: z.literal('stopProbe'), probeId });

const updateProbe = z.strictObject({ op: z.literal('updateProbe'), probeId, sample: sample.nullish(), durationMs }).transform(withoutNulls);

const renew = z
  .strictObject({
    op: z.literal('renew'),
    probeIds: z
      .array(probeId, expecting((v) => `expected an array of probe ids, got ${describeValue(v)}`))
      .max(MAX_RENEW_IDS, expecting(() => `expected at most ${MAX_RENEW_IDS} probe ids`)),
    leaseMs,
  })
  .transform(withoutNulls);

const status = z.strictObject({ op: z.literal('status') });

const inspect = z.strictObject({ op: z.literal('inspect') });

const OPS = ['startProbe', 'stopProbe', 'updateProbe', 'renew', 'status', 'inspect'] as const satisfies readonly AgentCommandOp[];

/** An untrusted command: its op picks the shape; the output keeps only known, non-null fields. */
export const agentCommandSchema: z.ZodType<AgentCommand> = z.discriminatedUnion('op', [startProbe, stopProbe, updateProbe, renew, status, inspect], {
  error: ({ input }) =>
    typeof input !== 'object' || input === null || Array.isArray(input)
      ? `expected a JSON object, got ${describeValue(input)}`
      : `expected one of ${OPS.join('|')}, got ${describeValue((input as { op?: unknown }).op)}`,
});

export function validateAgentCommand(input: unknown): Validation<AgentCommand> {
  const r = agentCommandSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: fieldErrors(r.error, '', '(command)') };
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
