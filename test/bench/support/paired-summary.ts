/** What the paired rounds (support/paired-rounds.ts) add up to per condition, printed and as #BENCH figures. */
import type { Figures } from './report.js';
import type { WindowSample } from './paired-rounds.js';
import { median, spread, type Spread } from './quantiles.js';

export interface CondSummary {
  /** median over rounds */
  rrPerS: number;
  ratio: Spread;
  /** median over rounds of the window's stolen share of CPU time */
  stealShare: number;
  /** median over rounds of the window's idle share of CPU time */
  idleShare: number;
  /** median over rounds (NaN when nothing was attached) */
  toolCores: number;
}

export function summarize(samples: readonly WindowSample[]): CondSummary {
  return {
    rrPerS: median(samples.map((s) => s.rrPerS)),
    ratio: spread(samples.map((s) => s.ratio)),
    stealShare: median(samples.map((s) => s.stealShare)),
    idleShare: median(samples.map((s) => s.idleShare)),
    toolCores: median(samples.map((s) => s.toolCores)),
  };
}

const pct = (x: number): string => (x * 100).toFixed(1);

/** "95.6 % (CI 91.0-98.2, IQR 93.1-97.0, 88.0-101.2)": median of the rounds' ratios, its 95 % confidence interval, interquartile range, min-max */
export const fmtRatio = (r: Spread): string =>
  `${pct(r.median)} % (${Number.isNaN(r.ciLo) ? '' : `CI ${pct(r.ciLo)}-${pct(r.ciHi)}, `}IQR ${pct(r.p25)}-${pct(r.p75)}, ${pct(r.min)}-${pct(r.max)})`;

/** `${prefix}Ratio`, ...Min, ...Max, ...P25, ...P75, ...CiLo, ...CiHi (the median's 95 % confidence interval) */
export function ratioFigures(prefix: string, r: Spread): Figures {
  return {
    [`${prefix}Ratio`]: r.median,
    [`${prefix}RatioMin`]: r.min,
    [`${prefix}RatioMax`]: r.max,
    [`${prefix}RatioP25`]: r.p25,
    [`${prefix}RatioP75`]: r.p75,
    [`${prefix}RatioCiLo`]: r.ciLo,
    [`${prefix}RatioCiHi`]: r.ciHi,
  };
}

/** The baseline's own range over the rounds (max / min: the `untracedSpread` figure). */
export function baselineRange(samples: readonly WindowSample[]): { line: string; spread: number } {
  const rates = samples.map((s) => s.rrPerS);
  const [lo, hi] = [Math.min(...rates), Math.max(...rates)];
  const steal = samples.map((s) => s.stealShare);
  return {
    line: `untraced throughput over the rounds: ${lo.toFixed(0)}-${hi.toFixed(0)} RR/s; steal ${pct(Math.min(...steal))}-${pct(Math.max(...steal))} % of CPU time (other load on the machine moves it)`,
    spread: hi / lo,
  };
}
