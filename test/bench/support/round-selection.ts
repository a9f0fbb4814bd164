/**
 * Which lab rounds a throughput figure is over (paired-rounds.ts). Other tenants' load arrives in
 * bursts of seconds: a round during one ran its conditions at 35-240 % of its own untraced rate,
 * which no number of rounds averages out. So a round counts only when none of its windows lost
 * more than maxSteal of the CPU to the hypervisor; rounds run until `wanted` counted or the
 * budget of rounds is spent. With fewer than half the wanted rounds clean, the figures come from
 * every round run (a figure over 2 rounds would say less than one over all), and the selection
 * says so.
 */

/** The stolen CPU share of each window of a round. */
export interface RoundSteal {
  stealShares: readonly number[];
}

export const isCleanRound = (r: RoundSteal, maxSteal: number): boolean => Math.max(...r.stealShares) <= maxSteal;

export interface RoundChoice {
  /** indexes of the rounds the figures use, in the order run */
  used: number[];
  /** figures from every round: too few were clean */
  all: boolean;
  /** for the report */
  line: string;
}

export function chooseRounds(rounds: readonly RoundSteal[], wanted: number, maxSteal: number): RoundChoice {
  const clean = rounds.flatMap((r, i) => (isCleanRound(r, maxSteal) ? [i] : []));
  const limit = `${(maxSteal * 100).toFixed(1)} % stolen CPU`;
  if (clean.length >= Math.ceil(wanted / 2))
    return { used: clean, all: false, line: `rounds: figures from the ${clean.length} of ${rounds.length} run with every window under ${limit}` };
  return {
    used: rounds.map((_, i) => i),
    all: true,
    line: `rounds: figures from all ${rounds.length} run; only ${clean.length} had every window under ${limit} (too few: the machine's neighbours were busy)`,
  };
}
