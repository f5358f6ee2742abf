/**
 * The shapes research passes around: one trial of a campaign, its performance, the verdict on the selected
 * candidate and the candidate handed to champion/challenger. Pure data; no behaviour lives here.
 */

/** A searched parameter value as the search spaces declare it. */
export type ParamValue = number | string | boolean;

/**
 * Performance of one run (in-sample, out-of-sample or shadow). Ratios are per period (per bar), not annualised:
 * the deflated Sharpe ratio and PBO need the raw per-period Sharpe and the number of periods behind it.
 */
export interface PerformanceStats {
  /** Mean over standard deviation of per-period returns (sample sd, n - 1); 0 when flat. */
  readonly sharpe: number;
  /** Mean over downside deviation of per-period returns; 0 when no period lost. */
  readonly sortino: number;
  /** Net return over max drawdown; 0 when there was no drawdown. */
  readonly calmar: number;
  /** Gross profit over gross loss of closed trades after costs; null when no trade lost. */
  readonly profitFactor: number | null;
  /** Closed trades after costs. */
  readonly trades: number;
  /** Final equity over initial equity minus 1. */
  readonly netReturn: number;
  /** Largest peak-to-trough fall of equity, as a fraction of the peak (0.12 = 12 %). */
  readonly maxDrawdown: number;
  /** Number of per-period returns behind the ratios. */
  readonly periods: number;
  /** Periods per year (8766 for 1h bars): multiply the Sharpe by its square root to annualise for display. */
  readonly annualisationFactor: number;
  /** Skewness of the per-period returns (the deflated Sharpe needs it); 0 when fewer than 3 periods. */
  readonly skewness: number;
  /** Kurtosis (not excess: 3 for a normal) of the per-period returns; 3 when fewer than 4 periods. */
  readonly kurtosis: number;
}

export type TrialStatus = 'ok' | 'failed' | 'pruned';

/** One trial of a campaign. Failed and pruned trials count toward the number of trials tried. */
export interface TrialResult {
  readonly id: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly status: TrialStatus;
  readonly error?: string;
  readonly inSample: PerformanceStats | null;
  readonly outOfSample: PerformanceStats | null;
  /** Per-period strategy returns over the whole campaign period, aligned across trials (the CSCV matrix column). */
  readonly returns: Float64Array;
}

export type CriterionOp = '>=' | '<=' | '<' | '>';

/** One line of a verdict: what was measured, against what, and whether it passed. */
export interface Criterion {
  readonly name: string;
  /** null when the figure could not be computed (see `note`). */
  readonly value: number | null;
  readonly threshold: number;
  readonly op: CriterionOp;
  readonly passed: boolean;
  readonly note?: string;
}

export interface Verdict {
  readonly verdict: 'PASSED' | 'FAILED';
  readonly criteria: readonly Criterion[];
}

/** Percentiles of the Monte Carlo of the candidate's out-of-sample trades; a challenger must stay inside them. */
export interface MonteCarloBand {
  readonly returnP05: number;
  readonly returnP95: number;
  readonly maxDrawdownP95: number;
}

/** The selected parameters of a campaign with the evidence for them. */
export interface Candidate {
  readonly campaignId: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly research: PerformanceStats;
  readonly monteCarloBand: MonteCarloBand;
  readonly verdict: Verdict;
}
