import { ConclaveError } from '../domain/errors.js';
import { mulberry32 } from '../ml/prng.js';
import { runParallel } from '../research/thread-pool.js';

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
  checkInput(tradeReturns, opts);
  const chunk = monteCarloChunk({ tradeReturns, method: opts.method, seed: opts.seed, firstRun: 0, runs: opts.runs });
  return summarise(tradeReturns.length, opts, [chunk]);
}

/** Runs below which worker threads cost more than they save (resampled trades: runs x trades). */
const PARALLEL_MIN_DRAWS = 2_000_000;

/**
 * monteCarlo split into `threads` chunks of runs on worker threads (src/research); the result is identical to
 * monteCarlo's, since every chunk continues the one seeded sequence where the previous chunk stops. Small jobs
 * run in this thread.
 * @throws ConclaveError VALIDATION_ERROR as monteCarlo.
 */
export async function monteCarloParallel(
  tradeReturns: ArrayLike<number>,
  opts: MonteCarloOptions,
  threads: number,
): Promise<MonteCarloResult> {
  checkInput(tradeReturns, opts);
  const n = tradeReturns.length;
  if (threads <= 1 || opts.runs * n < PARALLEL_MIN_DRAWS) return monteCarlo(tradeReturns, opts);
  const returns = Float64Array.from(tradeReturns);
  const per = Math.ceil(opts.runs / threads);
  const inputs: MonteCarloChunkInput[] = [];
  for (let first = 0; first < opts.runs; first += per) {
    inputs.push({ tradeReturns: returns, method: opts.method, seed: opts.seed, firstRun: first, runs: Math.min(per, opts.runs - first) });
  }
  const chunks = await runParallel('monte-carlo-chunk', inputs, threads);
  return summarise(n, opts, chunks);
}

export interface MonteCarloChunkInput {
  readonly tradeReturns: ArrayLike<number>;
  readonly method: MonteCarloMethod;
  readonly seed: number;
  /** Index of the chunk's first run in the whole job. */
  readonly firstRun: number;
  readonly runs: number;
}

export interface MonteCarloChunk {
  readonly finals: Float64Array;
  readonly dds: Float64Array;
  readonly losses: number;
}

/** Runs [firstRun, firstRun + runs) of a Monte Carlo job (a research task: pure, runs on any thread). */
export function monteCarloChunk(input: MonteCarloChunkInput): MonteCarloChunk {
  const { tradeReturns, method, runs } = input;
  const n = tradeReturns.length;
  // Each run draws n values (bootstrap) or n - 1 (Fisher-Yates shuffle): skip the earlier runs' draws.
  const drawsPerRun = method === 'shuffle' ? n - 1 : n;
  const rand = mulberry32(input.seed, input.firstRun * drawsPerRun);
  const finals = new Float64Array(runs);
  const dds = new Float64Array(runs);
  const order = new Int32Array(n);
  let losses = 0;
  for (let run = 0; run < runs; run++) {
    if (method === 'shuffle') {
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
  return { finals, dds, losses };
}

function checkInput(tradeReturns: ArrayLike<number>, opts: MonteCarloOptions): void {
  if (tradeReturns.length === 0)
    throw new ConclaveError('VALIDATION_ERROR', 'Monte Carlo needs at least one closed trade; the run had none');
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `Monte Carlo runs must be a positive integer, got ${opts.runs}`, { field: 'runs' });
  }
}

function summarise(trades: number, opts: MonteCarloOptions, chunks: readonly MonteCarloChunk[]): MonteCarloResult {
  const finals = new Float64Array(opts.runs);
  const dds = new Float64Array(opts.runs);
  let losses = 0;
  let at = 0;
  for (const c of chunks) {
    finals.set(c.finals, at);
    dds.set(c.dds, at);
    at += c.finals.length;
    losses += c.losses;
  }
  const pcts = opts.percentiles ?? DEFAULT_PERCENTILES;
  return {
    method: opts.method,
    runs: opts.runs,
    trades,
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
