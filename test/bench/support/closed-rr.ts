/**
 * One long-running closed-loop RR client (support/udp-rr-closed-main.ts) in a VM namespace of the
 * lab, measured in windows: rateBetween(t0, t1) is the reply rate over its ticks inside that span
 * of this process's process.hrtime.bigint() (the same CLOCK_MONOTONIC as the client's). Between
 * windows it can pause (nothing in flight), so starting and stopping a tool is not measured by,
 * nor slowed down by, the traffic.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { Lab, VmInfo } from '@xtrace/lab';

const SCRIPT = fileURLToPath(new URL('./udp-rr-closed-main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TICK_MS = 50;

interface Tick {
  tNs: bigint;
  replies: number;
  timeouts: number;
  inflight: number;
}

export interface WindowRate {
  rrPerS: number;
  /** requests resent after no reply within the client's timeout */
  timeouts: number;
  /** seconds between the first and last tick inside the window */
  spanS: number;
}

export interface ClosedRr {
  /** waits for the first tick after t1Ns; throws if the ticks inside [t0Ns, t1Ns] cover less than half of it */
  rateBetween(t0Ns: bigint, t1Ns: bigint): Promise<WindowRate>;
  /** stops sending; resolves once nothing is in flight */
  pause(): Promise<void>;
  /** sends again (the window refilled at once) */
  resume(): void;
  stop(): Promise<void>;
}

/** Starts the client (running at most `maxSeconds`) and resolves once its first tick arrived. */
export async function startClosedLoopRr(
  lab: Lab,
  from: VmInfo,
  dst: string,
  port: number,
  o: { inflight: number; size?: number; maxSeconds?: number },
): Promise<ClosedRr> {
  const args = { dst, port, inflight: o.inflight, size: o.size, seconds: o.maxSeconds ?? 3600, tickMs: TICK_MS };
  const child = lab.spawnIn(from.ns, [process.execPath, '--import', TSX, SCRIPT, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdin!.on('error', () => undefined); // written after it died: reported by the next wait (`ended`)
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const ticks: Tick[] = [];
  let waiter: (() => void) | undefined;
  let ended: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{"event":"tick"')) return;
    const v = JSON.parse(line) as Omit<Tick, 'tNs'> & { tNs: string };
    ticks.push({ ...v, tNs: BigInt(v.tNs) });
    waiter?.();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, sig) => {
      ended = `closed-loop RR client exited (${code ?? sig}): ${stderr.trim()}`;
      waiter?.();
      resolve();
    }),
  );
  /** resolves once the latest tick is at or after tNs and satisfies `also` */
  const tickAfter = (tNs: bigint, timeoutMs: number, also: (t: Tick) => boolean = () => true): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`closed-loop RR client: not the tick awaited within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
      const done = (e?: Error): void => {
        clearTimeout(timer);
        waiter = undefined;
        if (e) reject(e);
        else resolve();
      };
      waiter = () => {
        const last = ticks.at(-1);
        if (last && last.tNs >= tNs && also(last)) done();
        else if (ended) done(new Error(ended));
      };
      waiter();
    });
  await tickAfter(0n, 20_000);
  return {
    async rateBetween(t0Ns, t1Ns) {
      await tickAfter(t1Ns, 5000);
      const inside = ticks.filter((t) => t.tNs >= t0Ns && t.tNs <= t1Ns);
      const first = inside[0];
      const last = inside.at(-1);
      const spanNs = first && last ? last.tNs - first.tNs : 0n;
      if (!first || !last || spanNs * 2n < t1Ns - t0Ns) {
        throw new Error(`closed-loop RR client: ${inside.length} ticks cover ${Number(spanNs) / 1e6} ms of a ${Number(t1Ns - t0Ns) / 1e6} ms window (client starved?)`);
      }
      const spanS = Number(spanNs) / 1e9;
      return { rrPerS: (last.replies - first.replies) / spanS, timeouts: last.timeouts - first.timeouts, spanS };
    },
    async pause() {
      const at = process.hrtime.bigint();
      child.stdin!.write('pause\n');
      await tickAfter(at, 5000, (t) => t.inflight === 0);
    },
    resume() {
      child.stdin!.write('resume\n');
    },
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
  };
}
