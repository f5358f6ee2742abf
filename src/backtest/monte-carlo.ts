import { ConclaveError } from '../domain/errors.js';
import { mulberry32 } from '../ml/prng.js';

export type MonteCarloMethod = 'bootstrap' | 'shuffle';

export interface MonteCarloOptions {
  /** `bootstrap` draws trades with replacement (varies the outcome); `shuffle` permutes them (same final return, varies the path). */
  readonly method: MonteCarloMethod;
  readonly runs: number;
  readonly seed: number;
  /** Percentiles reported, 0..100. */
  readonly percentiles?: readonly number[];
}

export interface Distribution {
  readonly mean: number;
  /** Percentile -> value, e.g. `{ p5: ..., p50: ... }`. */
  readonly percentiles: Readonly<Record<string, number>>;
}

export interface MonteCarloResult {
  readonly method: MonteCarloMethod;
  readonly runs: number;
  readonly trades: number;
  readonly seed: number;
  /** Final compounded return of each resampled sequence (fraction). */
  readonly finalReturn: Distribution;
  /** Max drawdown of each resampled equity path (fraction of the peak). */
  readonly maxDrawdown: Distribution;
  /** Share of runs that lost money. */
  readonly probabilityOfLoss: number;
}

const DEFAULT_PERCENTILES = [5, 25, 50, 75, 95] as const;

/**
 * Resamples a run's trade sequence: each trade is a return on equity (RoundTrip.returnOnEquity) applied in
 * the drawn order to an account starting at 1. Seeded, so the same input gives the same distribution.
 * @throws ConclaveError VALIDATION_ERROR without trades or with runs < 1.
 */
export function monteCarlo(tradeReturns: ArrayLike<number>, opts: MonteCarloOptions): MonteCarloResult {
  const n = tradeReturns.length;
  if (n === 0) throw new ConclaveError('VALIDATION_ERROR', 'Monte Carlo needs at least one closed trade; the run had none');
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `Monte Carlo runs must be a positive integer, got ${opts.runs}`, { field: 'runs' });
  }
  const rand = mulberry32(opts.seed);
  const finals = new Float64Array(opts.runs);
  const dds = new Float64Array(opts.runs);
  const order = new Int32Array(n);
  let losses = 0;
  for (let run = 0; run < opts.runs; run++) {
    if (opts.method === 'shuffle') {
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    } else {
      for (let i = 0; i < n; i++) order[i] = Math.floor(rand() * n);
    }
    let equity = 1;
    let peak = 1;
    let maxDd = 0;
    for (let i = 0; i < n; i++) {
      equity *= 1 + tradeReturns[order[i]];
      if (equity > peak) peak = equity;
      else maxDd = Math.max(maxDd, 1 - equity / peak);
    }
    finals[run] = equity - 1;
    dds[run] = maxDd;
    if (equity < 1) losses++;
  }
  const pcts = opts.percentiles ?? DEFAULT_PERCENTILES;
  return {
    method: opts.method,
    runs: opts.runs,
    trades: n,
    seed: opts.seed,
    finalReturn: distribution(finals, pcts),
    maxDrawdown: distribution(dds, pcts),
    probabilityOfLoss: losses / opts.runs,
  };
}

/** Mean and linear-interpolation percentiles (numpy's default) of `values`. */
export function distribution(values: Float64Array, percentiles: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const out: Record<string, number> = {};
  for (const p of percentiles) out[`p${p}`] = percentile(sorted, p);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { mean: sum / sorted.length, percentiles: out };
}

/** Percentile of already sorted values with linear interpolation between closest ranks. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 1) return sorted[0];
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
