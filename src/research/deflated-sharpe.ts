/**
 * The deflated Sharpe ratio (Bailey and López de Prado, "The Deflated Sharpe Ratio: Correcting for Selection
 * Bias, Backtest Overfitting and Non-Normality", J. Portfolio Management 40(5), 2014).
 *
 * Picking the best of N trials inflates its Sharpe ratio: even with no skill anywhere, the maximum of N noisy
 * estimates is positive. The DSR is the probabilistic Sharpe ratio (PSR) of the selected trial measured against
 * the Sharpe ratio one expects from the best of N skill-less trials, instead of against zero:
 *
 *   E[max SR] = √V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))        γ = Euler–Mascheroni
 *   PSR(SR*)  = Φ( (SR − SR*) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 · SR²) )
 *   DSR       = PSR(E[max SR])
 *
 * All Sharpe ratios are per period (not annualised), T is the number of return observations, γ₃ the skewness and
 * γ₄ the kurtosis (3 for normal returns) of the selected trial's returns, V the variance of the trials' Sharpe ratios.
 */
import { ConclaveError } from '../domain/errors.js';
import { normalCdf, normalQuantile } from './normal.js';

export const EULER_MASCHERONI = 0.5772156649015329;

/**
 * Expected maximum per-period Sharpe ratio of `trials` independent skill-less trials whose Sharpe ratios have
 * variance `sharpeVariance`. One trial is not a selection: its expected maximum is the mean, 0.
 * @throws ConclaveError VALIDATION_ERROR when trials is not a positive integer or the variance is negative.
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `expected max Sharpe needs a positive whole number of trials, got ${trials}`);
  }
  if (!(sharpeVariance >= 0) || !Number.isFinite(sharpeVariance)) {
    throw new ConclaveError('VALIDATION_ERROR', `the variance of the trials' Sharpe ratios must be >= 0, got ${sharpeVariance}`);
  }
  if (trials === 1) return 0;
  return (
    Math.sqrt(sharpeVariance) *
    ((1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials) + EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

export interface PsrInput {
  /** Observed per-period Sharpe ratio. */
  readonly sharpe: number;
  /** Per-period Sharpe ratio to beat. */
  readonly benchmark: number;
  /** Number of return observations T (>= 2). */
  readonly observations: number;
  readonly skewness: number;
  /** Kurtosis, not excess (3 for a normal). */
  readonly kurtosis: number;
}

/**
 * Probability that the true Sharpe ratio exceeds `benchmark`, given the observed one, its track-record length
 * and the returns' skewness and kurtosis (Bailey and López de Prado 2012, eq. used by the 2014 paper).
 * @throws ConclaveError VALIDATION_ERROR on fewer than 2 observations, non-finite input, or a kurtosis below
 *   1 + skewness² (no distribution has that; it would make the variance of the estimate negative).
 */
export function probabilisticSharpeRatio(input: PsrInput): number {
  const { sharpe, benchmark, observations, skewness, kurtosis } = input;
  for (const [name, v] of Object.entries(input)) {
    if (!Number.isFinite(v)) throw new ConclaveError('VALIDATION_ERROR', `PSR input ${name} must be a finite number, got ${v}`);
  }
  if (!Number.isInteger(observations) || observations < 2) {
    throw new ConclaveError('VALIDATION_ERROR', `PSR needs at least 2 return observations, got ${observations}`);
  }
  if (kurtosis < 1 + skewness * skewness - 1e-9) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `kurtosis ${kurtosis} is below 1 + skewness² = ${1 + skewness * skewness}; pass kurtosis, not excess kurtosis`,
    );
  }
  const variance = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (variance <= 0) return sharpe > benchmark ? 1 : 0;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(variance));
}

export interface DsrInput {
  /** Per-period Sharpe ratio of the selected trial. */
  readonly sharpe: number;
  /** Every trial tried, failed and pruned ones included. */
  readonly trials: number;
  /** Variance of the per-period Sharpe ratios across the trials. */
  readonly sharpeVariance: number;
  readonly observations: number;
  readonly skewness: number;
  readonly kurtosis: number;
}

export interface DsrResult {
  /** Probability that the selected trial's true Sharpe ratio beats the best of `trials` skill-less ones. */
  readonly dsr: number;
  readonly expectedMaxSharpe: number;
  /** Probability that its true Sharpe ratio is above zero (no deflation). */
  readonly psr: number;
}

/** @throws ConclaveError VALIDATION_ERROR as expectedMaxSharpe and probabilisticSharpeRatio do. */
export function deflatedSharpeRatio(input: DsrInput): DsrResult {
  const sr0 = expectedMaxSharpe(input.trials, input.sharpeVariance);
  const common = { sharpe: input.sharpe, observations: input.observations, skewness: input.skewness, kurtosis: input.kurtosis };
  return {
    dsr: probabilisticSharpeRatio({ ...common, benchmark: sr0 }),
    expectedMaxSharpe: sr0,
    psr: probabilisticSharpeRatio({ ...common, benchmark: 0 }),
  };
}

/** Sample variance (n - 1) of the trials' Sharpe ratios; 0 with fewer than two. */
export function sharpeVariance(sharpes: ArrayLike<number>): number {
  const n = sharpes.length;
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sharpes[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sharpes[i]! - mean) ** 2;
  return ss / (n - 1);
}
