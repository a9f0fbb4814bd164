/**
 * The lab throughput method (packet-path, bpftrace-compare): one closed-loop client runs through
 * every round; each round attaches every condition once, in a balanced order (balanced-order.ts:
 * every position and every predecessor equally often over a block of rounds), resumes the
 * traffic, lets it settle, measures a window of the client's reply rate, pauses the traffic and
 * detaches (tools start and stop without traffic, as they did when each window had its own client:
 * what a tool captured is all inside its CPU accounting). A condition's ratio in a round
 * is its rate over the baseline's (conds[0]) rate of the same round. Per window also the share
 * of CPU time the hypervisor stole (/proc/stat) and the CPU of the condition's processes.
 * Rounds run until `rounds` of them had no window with more than maxSteal of the CPU stolen
 * (XTRACE_BENCH_MAX_STEAL, default 3 %) or maxRounds ran (XTRACE_BENCH_MAX_ROUNDS, default twice
 * `rounds`); which of them the figures use: round-selection.ts.
 */
import type { ClosedRr } from './closed-rr.js';
import { balancedBlock, balancedOrder } from './balanced-order.js';
import { chooseRounds, isCleanRound } from './round-selection.js';
import { cpuShares, cpuTimes, sleep, threadsCpuSeconds } from './report.js';

/** A condition's tools, attached and ready. */
export interface Attached {
  /** processes whose CPU during the window is reported */
  pids: readonly number[];
  /** detaches; returns a note for the round's line */
  stop(): Promise<string | undefined>;
}

export interface WindowSample {
  rrPerS: number;
  /** rrPerS over the baseline's in the same round */
  ratio: number;
  stealShare: number;
  /**
   * share of all CPU time the machine sat idle in the window. Idle CPU at saturation says the path
   * is bound by a chain of single-threaded processes (the relays), not by the machine's CPU: a
   * tool's cost inside that chain costs throughput beyond its share of the machine's CPU.
   */
  idleShare: number;
  timeouts: number;
  /** CPU of the attached processes during the window, in cores (NaN when nothing attached) */
  toolCores: number;
}

export interface PairedRoundsOptions<C extends string> {
  /** conds[0] is the baseline */
  conds: readonly C[];
  rounds: number;
  seconds: number;
  settleS: number;
  client: ClosedRr;
  /** attaches condition c's tools and resolves once they are ready (undefined: nothing to attach) */
  attach(c: C): Promise<Attached | undefined>;
  /** a round counts when no window's stolen CPU share exceeds this (default XTRACE_BENCH_MAX_STEAL or 0.03) */
  maxSteal?: number;
  /** rounds run at most, counted or not (default XTRACE_BENCH_MAX_ROUNDS or 2 x rounds) */
  maxRounds?: number;
}

export interface PairedRounds<C extends string> {
  /** every condition's samples, one per round the figures use */
  samples: Map<C, WindowSample[]>;
  roundsRun: number;
  roundsUsed: number;
  /** which rounds the figures use and why, for the report */
  selection: string;
}

const envNumber = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a non-negative number, got '${v}'`);
  return n;
};

const toolCpuS = (att: Attached | undefined): number => (att ? att.pids.reduce((x, p) => x + threadsCpuSeconds(p), 0) : NaN);

async function measure<C extends string>(o: PairedRoundsOptions<C>, c: C): Promise<{ sample: Omit<WindowSample, 'ratio'>; note?: string }> {
  const att = await o.attach(c);
  try {
    o.client.resume();
    await sleep(o.settleS * 1000);
    const cpu0 = toolCpuS(att);
    const st0 = cpuTimes();
    const t0 = process.hrtime.bigint();
    await sleep(o.seconds * 1000);
    const t1 = process.hrtime.bigint();
    const st1 = cpuTimes();
    const cpu1 = toolCpuS(att);
    const w = await o.client.rateBetween(t0, t1);
    await o.client.pause();
    const shares = cpuShares(st0, st1);
    const sample = {
      rrPerS: w.rrPerS,
      stealShare: shares.steal,
      idleShare: shares.idle,
      timeouts: w.timeouts,
      toolCores: (cpu1 - cpu0) / (Number(t1 - t0) / 1e9),
    };
    const note = await att?.stop();
    return note ? { sample, note } : { sample };
  } catch (e) {
    await att?.stop().catch(() => undefined);
    throw e;
  }
}

/** Runs the rounds (printing one line each) and returns every condition's samples, one per round used. */
export async function runPairedRounds<C extends string>(o: PairedRoundsOptions<C>): Promise<PairedRounds<C>> {
  const maxSteal = o.maxSteal ?? envNumber('XTRACE_BENCH_MAX_STEAL') ?? 0.03;
  const maxRounds = Math.max(o.rounds, o.maxRounds ?? envNumber('XTRACE_BENCH_MAX_ROUNDS') ?? 2 * o.rounds);
  const base = o.conds[0]!;
  const block = balancedBlock(o.conds.length);
  if (o.rounds % block !== 0) console.log(`  (${o.rounds} rounds: the order is balanced over multiples of ${block} rounds)`);
  const rounds: { samples: Map<C, WindowSample>; stealShares: number[] }[] = [];
  const cleanCount = (): number => rounds.filter((r) => isCleanRound(r, maxSteal)).length;
  await o.client.pause();
  for (let round = 0; round < maxRounds && cleanCount() < o.rounds; round++) {
    const order = balancedOrder(o.conds.length, round).map((i) => o.conds[i]!);
    const got = new Map<C, { sample: Omit<WindowSample, 'ratio'>; note?: string }>();
    for (const c of order) got.set(c, await measure(o, c));
    const baseRate = got.get(base)!.sample.rrPerS;
    const samples = new Map<C, WindowSample>();
    const parts = order.map((c) => {
      const { sample, note } = got.get(c)!;
      const ratio = sample.rrPerS / baseRate;
      samples.set(c, { ...sample, ratio });
      const extra = [c === base ? '' : `${(ratio * 100).toFixed(1)} %`, `steal ${(sample.stealShare * 100).toFixed(1)} %`, `idle ${(sample.idleShare * 100).toFixed(1)} %`, sample.timeouts ? `${sample.timeouts} timeouts` : '', note ?? ''];
      return `${c} ${sample.rrPerS.toFixed(0)} RR/s (${extra.filter(Boolean).join(', ')})`;
    });
    const r = { samples, stealShares: [...samples.values()].map((x) => x.stealShare) };
    rounds.push(r);
    const counted = isCleanRound(r, maxSteal) ? '' : ` (not counted: steal ${(Math.max(...r.stealShares) * 100).toFixed(1)} % > ${(maxSteal * 100).toFixed(1)} %)`;
    console.log(`  round ${round + 1}${counted}: ${parts.join('; ')}`);
  }
  const choice = chooseRounds(rounds, o.rounds, maxSteal);
  const samples = new Map<C, WindowSample[]>(o.conds.map((c) => [c, choice.used.map((i) => rounds[i]!.samples.get(c)!)]));
  return { samples, roundsRun: rounds.length, roundsUsed: choice.used.length, selection: choice.line };
}
