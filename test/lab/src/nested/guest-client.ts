/**
 * `xtrace-guest client` (test/lab/nested/guest/xtrace-guest.c) run in a VM: its command line,
 * and its output (JSON lines between marker lines) parsed.
 */
import { NestedLabError } from './errors.js';
import { VM_ECHO_PORT } from './addresses.js';
import { shellCommand } from './shell-quote.js';

export interface GuestClientOptions {
  dst: string;
  port?: number;
  count: number;
  /** requests per second (one in flight: a slow reply delays the next request) */
  rate: number;
  /** how long the echo server holds each request before replying (µs) */
  holdUs?: number;
  /** a request without a reply after this is lost (default 1000) */
  timeoutMs?: number;
  /** payload bytes, at least 20 */
  size?: number;
  perExchange?: boolean;
}

/** µs, nearest-rank percentiles; null when count is 0 */
export interface LatencySummaryUs {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export type GuestExchange =
  | { seq: number; rtt_us: number; hold_us: number; service_us: number | null }
  | { seq: number; lost: true; error?: string };

export interface GuestClientResult {
  sent: number;
  received: number;
  lost: number;
  /** replies that came after their request had timed out */
  late: number;
  /** the client's send to its receive of the reply */
  rtt_us: LatencySummaryUs;
  /** the server's kernel receive stamp to its reply's send (stack + hold) */
  service_us: LatencySummaryUs;
  /** the server's user-space receive to its reply's send */
  hold_us: LatencySummaryUs;
  /** with perExchange */
  exchanges: GuestExchange[];
}

const GUEST_CLIENT_BEGIN = 'XTG-CLIENT-BEGIN';
const GUEST_CLIENT_END = 'XTG-CLIENT-END';

export function guestClientCommand(o: GuestClientOptions): string {
  const argv = ['xtrace-guest', 'client', '--dst', o.dst, '--port', String(o.port ?? VM_ECHO_PORT), '--count', String(o.count), '--rate', String(o.rate)];
  if (o.holdUs !== undefined) argv.push('--hold-us', String(o.holdUs));
  if (o.timeoutMs !== undefined) argv.push('--timeout-ms', String(o.timeoutMs));
  if (o.size !== undefined) argv.push('--size', String(o.size));
  if (o.perExchange) argv.push('--per-exchange');
  return shellCommand(argv);
}

/** An upper bound of how long a run takes: the schedule, every hold, and every request timing out. */
export function guestClientBoundMs(o: GuestClientOptions): number {
  const scheduleMs = (o.count / o.rate) * 1000;
  const perRequestMs = (o.holdUs ?? 0) / 1000 + (o.timeoutMs ?? 1000);
  return Math.ceil(scheduleMs + o.count * perRequestMs);
}

/** Cuts the client's block out of console output and parses it. */
export function parseGuestClientOutput(text: string): GuestClientResult {
  const lines = text.split('\n').map((l) => l.trim());
  const begin = lines.indexOf(GUEST_CLIENT_BEGIN);
  const end = lines.indexOf(GUEST_CLIENT_END, begin + 1);
  if (begin < 0 || end < 0) throw new NestedLabError(`xtrace-guest client printed no ${begin < 0 ? GUEST_CLIENT_BEGIN : GUEST_CLIENT_END} line: ${text.slice(-1000)}`);
  const json = lines.slice(begin + 1, end).filter((l) => l.startsWith('{'));
  const parsed = json.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch (e: unknown) {
      throw new NestedLabError(`xtrace-guest client printed a line that is not JSON: ${l}`, { cause: e });
    }
  });
  const summary = parsed.pop();
  if (!summary || typeof summary['sent'] !== 'number') throw new NestedLabError(`xtrace-guest client printed no summary: ${text.slice(-1000)}`);
  return { ...(summary as Omit<GuestClientResult, 'exchanges'>), exchanges: parsed as GuestExchange[] };
}
