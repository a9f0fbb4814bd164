/**
 * Controller -> agent commands (request/reply on Subjects.agentCmd, JSON) and their replies.
 * validateAgentCommand() checks an untrusted payload and returns field-precise errors, so an
 * agent never acts on a half-valid command.
 */
import { isIP } from 'node:net';
import type { ErrorCode } from './errors.js';
import { isSubjectToken } from './subjects.js';

export type ProbeProto = 'icmp' | 'udp' | 'tcp';
export const PROBE_PROTOS: readonly ProbeProto[] = ['icmp', 'udp', 'tcp'];

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

export type AgentCommand = StartProbeCommand | StopProbeCommand | UpdateProbeCommand | RenewCommand | StatusCommand;
export type AgentCommandOp = AgentCommand['op'];

export interface FieldError {
  field: string;
  message: string;
}

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
}
export interface RenewResult {
  renewed: string[];
  unknown: string[];
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const DEFAULT_LEASE_MS = 10_000;
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

class Checker {
  readonly errors: FieldError[] = [];
  constructor(readonly input: Record<string, unknown>) {}
  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  probeId(field = 'probeId'): string {
    const v = this.input[field];
    if (!isSubjectToken(v)) this.fail(field, `expected 1-128 characters of [A-Za-z0-9_-], got ${describe(v)}`);
    return v as string;
  }
  address(field: string): string {
    const v = this.input[field];
    if (typeof v !== 'string' || isIP(v) === 0) this.fail(field, `expected an IPv4 or IPv6 address, got ${describe(v)}`);
    return v as string;
  }
  optInt(field: string, min: number, max: number, v: unknown = this.input[field]): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `expected an integer in ${min}..${max}, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  optSample(field = 'sample'): SampleSpec | undefined {
    const v = this.input[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.fail(field, `expected {k, n}, got ${describe(v)}`);
      return undefined;
    }
    const o = v as Record<string, unknown>;
    const before = this.errors.length;
    const n = this.optInt(`${field}.n`, 1, 0xffffffff, o.n ?? Number.NaN);
    const k = this.optInt(`${field}.k`, 1, 0xffffffff, o.k ?? Number.NaN);
    if (this.errors.length > before || n === undefined || k === undefined) return undefined;
    if (k > n) {
      this.fail(`${field}.k`, `expected k <= n, got k=${k} n=${n}`);
      return undefined;
    }
    return { k, n };
  }
  unknownKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.input)) {
      if (!allowed.includes(key)) this.fail(key, 'unknown field');
    }
  }
}

export function validateAgentCommand(input: unknown): Validation<AgentCommand> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '(command)', message: `expected a JSON object, got ${describe(input)}` }] };
  }
  const c = new Checker(input as Record<string, unknown>);
  const op = c.input.op;
  switch (op) {
    case 'startProbe': {
      c.unknownKeys(['op', 'probeId', 'src', 'dst', 'proto', 'port', 'sample', 'durationMs', 'leaseMs', 'controllerId']);
      const probeId = c.probeId();
      const src = c.address('src');
      const dst = c.address('dst');
      if (c.errors.length === 0) {
        if (isIP(src) !== isIP(dst)) c.fail('dst', `address family differs from src (${src} vs ${dst})`);
        else if (src === dst) c.fail('dst', `must differ from src (${src})`);
      }
      let proto: ProbeProto | undefined;
      if (c.input.proto !== undefined && c.input.proto !== null) {
        if (!PROBE_PROTOS.includes(c.input.proto as ProbeProto)) {
          c.fail('proto', `expected one of ${PROBE_PROTOS.join('|')}, got ${describe(c.input.proto)}`);
        } else proto = c.input.proto as ProbeProto;
      }
      const port = c.optInt('port', 1, 65535);
      if (port !== undefined && proto === 'icmp') c.fail('port', 'not allowed with proto icmp');
      const sample = c.optSample();
      const durationMs = c.optInt('durationMs', 1, MAX_DURATION_MS);
      const leaseMs = c.optInt('leaseMs', 100, MAX_DURATION_MS);
      const controllerId = c.input.controllerId;
      if (controllerId !== undefined && typeof controllerId !== 'string') c.fail('controllerId', `expected a string, got ${describe(controllerId)}`);
      if (c.errors.length > 0) return { ok: false, errors: c.errors };
      const cmd: StartProbeCommand = { op, probeId, src, dst };
      if (proto !== undefined) cmd.proto = proto;
      if (port !== undefined) cmd.port = port;
      if (sample !== undefined) cmd.sample = sample;
      if (durationMs !== undefined) cmd.durationMs = durationMs;
      if (leaseMs !== undefined) cmd.leaseMs = leaseMs;
      if (typeof controllerId === 'string') cmd.controllerId = controllerId;
      return { ok: true, value: cmd };
    }
    case 'stopProbe': {
      c.unknownKeys(['op', 'probeId']);
      const probeId = c.probeId();
      return c.errors.length > 0 ? { ok: false, errors: c.errors } : { ok: true, value: { op, probeId } };
    }
    case 'updateProbe': {
      c.unknownKeys(['op', 'probeId', 'sample', 'durationMs']);
      const probeId = c.probeId();
      const sample = c.optSample();
      const durationMs = c.optInt('durationMs', 1, MAX_DURATION_MS);
      if (c.errors.length > 0) return { ok: false, errors: c.errors };
      const cmd: UpdateProbeCommand = { op, probeId };
      if (sample !== undefined) cmd.sample = sample;
      if (durationMs !== undefined) cmd.durationMs = durationMs;
      return { ok: true, value: cmd };
    }
    case 'renew': {
      c.unknownKeys(['op', 'probeIds', 'leaseMs']);
      const ids = c.input.probeIds;
      if (!Array.isArray(ids)) c.fail('probeIds', `expected an array of probe ids, got ${describe(ids)}`);
      else ids.forEach((id, i) => {
        if (!isSubjectToken(id)) c.fail(`probeIds[${i}]`, `expected 1-128 characters of [A-Za-z0-9_-], got ${describe(id)}`);
      });
      const leaseMs = c.optInt('leaseMs', 100, MAX_DURATION_MS);
      if (c.errors.length > 0) return { ok: false, errors: c.errors };
      const cmd: RenewCommand = { op, probeIds: ids as string[] };
      if (leaseMs !== undefined) cmd.leaseMs = leaseMs;
      return { ok: true, value: cmd };
    }
    case 'status':
      c.unknownKeys(['op']);
      return c.errors.length > 0 ? { ok: false, errors: c.errors } : { ok: true, value: { op } };
    default:
      return {
        ok: false,
        errors: [{ field: 'op', message: `expected one of startProbe|stopProbe|updateProbe|renew|status, got ${describe(op)}` }],
      };
  }
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
